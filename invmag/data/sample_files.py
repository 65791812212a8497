"""HDF5 sample files of a run (docs/conventions.md): structures.h5 (VAE) and labels.h5 (curves,
anchors).

Every per-sample dataset is chunked along the sample axis and resizable, so a run can grow; a
structure is one compressed chunk (gzip), so the paper's 320 000 × 160 × 160 structures are
written and read piecewise, never held in memory. Crash safety: a batch is written, flushed, then
marked in the `done` mask and flushed again, so a kill at any moment leaves a readable file whose
done rows are complete, and loses at most the batch in flight.
"""

from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from .. import ANCHORS, __version__
from ..files import replacing
from .boundary import has_phases
from .holdout import inside
from .sample import PHASE, SHELL_PHASE, Samples, read_samples

PARAMS = ("n_grains", "theta_max", "seed")
VERIFIED = "verified.h5"  # a run's structures simulated for designs (design.learn)


@dataclass(frozen=True)
class Column:
    """A per-sample dataset: each sample a row of `shape` and `dtype`; unwritten rows hold
    `fill`; `compressed` rows are stored one per gzip chunk."""

    shape: tuple
    dtype: str
    fill: object = 0
    compressed: bool = False


def structure_layout(ny: int, nx: int, phases: bool = False, boundary: bool = False,
                     shell: bool = False) -> dict[str, Column]:
    """structures.h5: phi (M, ny, nx) rad, params (M, 3) = (n_grains, theta_max rad, seed);
    with phases phase (M, 3) = PHASE (thickness nm, boundary Js T, temperature K), with boundary
    the boundary phase's cells boundary (M, ny, nx) bool (data.boundary), with shell the
    shell's cells shell (M, ny, nx) bool and shell_phase (M, 3) = SHELL_PHASE (data.shell)."""
    out = {"phi": Column((ny, nx), "float32", 0.0, compressed=True),
           "params": Column((len(PARAMS),), "float64", np.nan),
           "done": Column((), "bool", False)}
    if phases:
        out["phase"] = Column((len(PHASE),), "float64", np.nan)
    if boundary:
        out["boundary"] = Column((ny, nx), "bool", False, compressed=True)
    if shell:
        out["shell"] = Column((ny, nx), "bool", False, compressed=True)
        out["shell_phase"] = Column((len(SHELL_PHASE),), "float64", np.nan)
    return out


def phase_columns(cfg) -> dict:
    """The layout flags of a config: phases where it has a [boundary], [temperature] or [shell]
    section, boundary where it has a [boundary] section, shell where it has a [shell] one."""
    return {"phases": has_phases(cfg), "boundary": getattr(cfg, "boundary", None) is not None,
            "shell": getattr(cfg, "shell", None) is not None}


def label_layout(ny: int, nx: int, n_fields: int, phases: bool = False,
                 boundary: bool = False, shell: bool = False) -> dict[str, Column]:
    """labels.h5: the structure columns plus M (N, n) in Ms, anchors (N, 6) (Ms, H_A),
    converged and flagged (N,)."""
    return {**structure_layout(ny, nx, phases, boundary, shell),
            "M": Column((n_fields,), "float64", np.nan),
            "anchors": Column((len(ANCHORS),), "float64", np.nan),
            "converged": Column((), "bool", False),
            "flagged": Column((), "bool", False)}


def run_attrs(cfg, stream: int) -> dict:
    """File attributes: the config (TOML), material constants, grid, seeds and version."""
    m = cfg.material
    out = {"config": cfg.to_toml(), "invmag_version": __version__,
           "A_J_per_m": m.A, "Js_T": m.Js, "K1_J_per_m3": m.K1, "Ms_A_per_m": m.Ms,
           "HA_A_per_m": m.HA, "cell_size_nm": cfg.grid.cell_size,
           "thickness_nm": cfg.grid.thickness, "config_seed": cfg.seed, "seed_stream": stream,
           "seeds": "params[:, 2] is each sample's seed: numpy SeedSequence(config_seed, "
                    "spawn_key=(seed_stream, index)); invmag.data.structures.draw(seed, grid, "
                    "structures) regenerates the sample"}
    if phase_columns(cfg)["phases"]:
        out["phases"] = ("phase[i] = (boundary thickness nm, boundary Js T at 300 K, temperature "
                         "K) of sample i; material constants above are at 300 K; boundary A = "
                         "A·(Js_b/Js)²; invmag.data.boundary.draw_sample(seed, config) "
                         "regenerates the sample, Samples.material its per-cell material")
    if phase_columns(cfg)["shell"]:
        out["shell"] = ("shell_phase[i] = (shell thickness nm, shell Js T, shell K1 J/m³, at "
                        "300 K) of sample i; shell A = A·(Js_s/Js)²; it follows Nd2Fe14B's law "
                        "with the config's shell.Tc (invmag.data.shell)")
    return out


class SampleStore:
    """An HDF5 file of `size` samples with the columns of `layout`, open for writing.

    Creates the file (atomically: written under a temporary name, then renamed) or opens an
    existing one, which is extended to `size` rows if it holds fewer. `fixed` datasets (e.g. the
    field axis H) are written at creation, `attrs` at creation and when they changed.
    """

    def __init__(self, path, layout: dict[str, Column], size: int, attrs: dict | None = None,
                 fixed: dict | None = None):
        self.path = Path(path)
        self.layout = layout
        if not self.path.exists():
            self._create(size, attrs or {}, fixed or {})
        try:
            self.file = h5py.File(self.path, "r+")
        except OSError as e:
            if _locked(e):
                raise ValueError(in_use_message(self.path)) from None
            raise ValueError(f"{self.path} cannot be opened ({e}); if no other process is "
                             "writing it, move it away to start over") from None
        self._check()
        if attrs and any(self.file.attrs.get(k) != v for k, v in attrs.items()):
            self.file.attrs.update(attrs)
            self.file.flush()
        if size > self.size:
            self._resize(size)

    def _create(self, size: int, attrs: dict, fixed: dict):
        with replacing(self.path) as tmp, h5py.File(tmp, "w") as f:
            for name, col in self.layout.items():
                rows = 1 if col.compressed else max(1, 65536 // max(1, int(np.prod(col.shape))))
                f.create_dataset(name, shape=(size, *col.shape), maxshape=(None, *col.shape),
                                 dtype=col.dtype, chunks=(rows, *col.shape), fillvalue=col.fill,
                                 **({"compression": "gzip", "compression_opts": 4,
                                     "shuffle": True} if col.compressed else {}))
            for name, value in fixed.items():
                f.create_dataset(name, data=value)
            if "anchors" in f:
                f["anchors"].attrs["names"] = list(ANCHORS)
            f["params"].attrs["columns"] = list(PARAMS)
            if "phase" in f:
                f["phase"].attrs["columns"] = list(PHASE)
            if "shell_phase" in f:
                f["shell_phase"].attrs["columns"] = list(SHELL_PHASE)
            f.attrs.update(attrs)

    def _check(self):
        for name, col in self.layout.items():
            if name not in self.file or self.file[name].shape[1:] != col.shape:
                found = self.file[name].shape[1:] if name in self.file else "nothing"
                raise ValueError(f"{self.path}: dataset {name!r} holds rows of {found}, expected "
                                 f"{col.shape}; move the file away to start over")

    def _resize(self, size: int):
        for name in self.layout:
            self.file[name].resize(size, axis=0)
        self.file.flush()

    @property
    def size(self) -> int:
        return self.file["done"].shape[0]

    @property
    def done(self) -> np.ndarray:
        return self.file["done"][:]

    def write(self, rows, **columns):
        """Write whole rows (sorted sample indices) of every column but `done`, flush, then
        mark them done and flush again."""
        rows = np.asarray(rows)
        order = np.argsort(rows)
        rows = rows[order]
        missing = set(self.layout) - set(columns) - {"done"}
        if missing:
            raise ValueError(f"write: missing columns {sorted(missing)}")
        for name, values in columns.items():
            self.file[name][rows] = np.asarray(values)[order]
        self.file.flush()
        self.file["done"][rows] = True
        self.file.flush()

    def close(self):
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@dataclass
class Labels:
    """The labelled set of a run (see label_layout): its Samples, and as arrays the rest; H (n,)
    in H_A."""

    samples: Samples
    params: np.ndarray
    H: np.ndarray
    M: np.ndarray
    anchors: np.ndarray
    converged: np.ndarray
    flagged: np.ndarray
    done: np.ndarray

    @property
    def good(self) -> np.ndarray:
        """Samples that are usable labels: done, converged and not flagged."""
        return self.done & self.converged & ~self.flagged

    def split(self, n_test: int, hold_out=()) -> tuple[np.ndarray, np.ndarray]:
        """Indices (train, test) of the good samples; test: the last n_test in index order;
        without the samples inside any hold-out box (data.holdout), which leaves the split of
        the others as it was."""
        good = np.flatnonzero(self.good)
        cut = max(0, len(good) - n_test)
        kept = ~inside(self.anchors[good], hold_out)
        return good[:cut][kept[:cut]], good[cut:][kept[cut:]]

    def materials(self, base) -> list:
        """Per sample, the Material its anchors are in units of: the main phase `base` (the
        config's material) at the sample's temperature (300 K without phases)."""
        from ..physics.temperature import material_at

        return [material_at(float(T), base) for T in self.samples.temperature]


def _locked(error: OSError) -> bool:
    return "unable to lock file" in str(error)


def in_use_message(path) -> str:
    return f"{path} is open in another process (is a generate running on this run?)"


def in_use(path) -> bool:
    """Whether another process holds the HDF5 file at path open (HDF5's file lock)."""
    try:
        h5py.File(path, "r+").close()
    except OSError as e:
        return _locked(e)
    return False


def stored_config(path) -> str:
    """The config TOML a sample file was written under (its `config` attribute)."""
    try:
        with h5py.File(path, "r") as f:
            return str(f.attrs["config"])
    except (OSError, KeyError) as e:
        raise ValueError(f"{path} is not a readable invmag sample file ({e})") from None


def read_labels(path) -> Labels:
    """Read a whole labels.h5 into memory."""
    with h5py.File(path, "r") as f:
        return Labels(read_samples(f), **{name: f[name][:] for name in Labels.__dataclass_fields__
                                          if name != "samples"})
