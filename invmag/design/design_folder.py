"""Design folders: runs/<name>/designs/<id>/ with ids 001, 002, … (never reused or overwritten).

design.h5 (written under a temporary name, then renamed) holds the ranked designs (K of them):
their samples (data.sample: phi (K, ny, nx) the grain structures (rad), phase (K, 3) (boundary
thickness nm, boundary Js T at 300 K, temperature K) and, for a real magnet, boundary
(K, ny, nx) bool, the boundary phase's cells); source (K,) where each came from ("labels.h5" or
"verified.h5": a structure of the run's data, "pool", "search" or "random": new, see
design.optimize) and row (K,) its row in that file (-1 for new ones); predicted (K, 6) the
surrogate's anchors for phi; first_shot (K, 6) simulated anchors of the structure before the
polish, simulated (K, 6) of phi (NaN when not simulated), simulations (K,) used on it; from the
latent search: z (K, L) the code it was decoded from, searched (K, 6) the prediction of z,
roundtrip (K, 6) of encode(decode(z)), deviation (K,) max |roundtrip − searched|, consistent
(K,) deviation within the consistency (for starts not from the latent search, z is the code of
the start), objectives (K, n_obj), cv (K,) constraint violation (0: feasible); history/{best,
mean, feasible} per generation; attributes goal (JSON) and meta (settings, JSON).
All anchors in reduced units (Ms, H_A) of the main phase at the design's temperature.
candidates.csv holds the same per design without the structures, with T and the boundary
phase, and sim_/pred_ bhmax and squareness of the simulated and predicted anchors (reduced
units, design.targets).
"""

from dataclasses import dataclass, field
import json
from pathlib import Path

import h5py
import numpy as np

from .. import ANCHORS
from ..data.sample import PHASE, Samples, columns, read_samples
from ..files import replacing
from ..physics.temperature import T_ROOM
from .targets import MERIT, Goal

ARRAYS = ("predicted", "first_shot", "simulated", "simulations", "row", "z", "searched",
          "roundtrip", "deviation", "consistent", "objectives", "cv")


@dataclass
class Design:
    """The ranked designs of one search (see the module docstring); meta: settings; evaluated:
    every structure simulated during the polish (polish.Polished.evaluated; not stored here)."""

    goal: Goal
    samples: Samples
    predicted: np.ndarray
    first_shot: np.ndarray
    simulated: np.ndarray
    simulations: np.ndarray
    z: np.ndarray
    searched: np.ndarray
    roundtrip: np.ndarray
    deviation: np.ndarray
    consistent: np.ndarray
    objectives: np.ndarray
    cv: np.ndarray
    history: dict
    source: np.ndarray
    row: np.ndarray
    meta: dict = field(default_factory=dict)
    path: Path | None = None
    evaluated: object = None  # polish.Simulated

    @property
    def temperature(self) -> float:
        """The temperature (K) the designs are made for."""
        return float(self.samples.temperature[0]) if len(self.samples) else T_ROOM

    @property
    def id(self) -> str:
        return self.path.name if self.path else "?"


def new_design_dir(run) -> Path:
    """Create and return the next free runs/<name>/designs/<NNN>/."""
    return new_numbered_dir(Path(run) / "designs")


def new_numbered_dir(root) -> Path:
    """Create and return the next free root/<NNN>/ (never one taken before, even by another
    process at the same time)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    taken = [int(p.name) for p in root.iterdir() if p.name.isdigit()]
    n = max(taken, default=0) + 1
    while True:
        try:
            (root / f"{n:03d}").mkdir()
            return root / f"{n:03d}"
        except FileExistsError:
            n += 1


def find_design(run, design_id: str | None = None) -> Path:
    """The folder of design `design_id` of a run, or of its latest complete design."""
    return find_numbered_dir(run, "designs", "design.h5", design_id, "optimize")


def find_numbered_dir(run, folder: str, marker: str, wanted: str | None, command: str) -> Path:
    """run/folder/<NNN>/ of id `wanted` (e.g. '2' or '002'), or the latest one that holds its
    `marker` file (a complete one); ValueError naming `invmag <command>` when there is none."""
    root = Path(run) / folder
    kind = folder.removesuffix("s")
    if wanted:
        path = root / (f"{int(wanted):03d}" if wanted.isdigit() else wanted)
        if not (path / marker).is_file():
            raise ValueError(f"run {run} has no {kind} {wanted!r} (see {root})")
        return path
    done = sorted((p.parent for p in root.glob(f"*/{marker}")),
                  key=lambda p: (len(p.name), p.name))
    if not done:
        raise ValueError(f"run {run} has no {folder} yet (run `invmag {command}` first)")
    return done[-1]


def write_design(path, design: Design):
    """design.h5 (atomically) and candidates.csv into the folder path."""
    path = Path(path)
    with replacing(path / "design.h5") as tmp, h5py.File(tmp, "w") as f:
        for name in ARRAYS:
            f.create_dataset(name, data=getattr(design, name))
        s = design.samples
        for name, v in columns(s).items():
            f.create_dataset(name, data=v, **({"compression": "gzip"} if v.ndim == 3 else {}))
        f["phase"].attrs["columns"] = list(PHASE)
        f.create_dataset("source", data=np.asarray(design.source, dtype=object),
                         dtype=h5py.string_dtype())
        for name in ("predicted", "first_shot", "simulated", "searched", "roundtrip"):
            f[name].attrs["names"] = list(ANCHORS)
        f["objectives"].attrs["names"] = design.goal.objective_names
        for name, values in design.history.items():
            f.create_dataset(f"history/{name}", data=values)
        f.attrs["goal"] = design.goal.to_json()
        f.attrs["meta"] = json.dumps(design.meta)
    write_candidates_csv(path / "candidates.csv", design)
    design.path = path


def read_design(path) -> Design:
    path = Path(path)
    with h5py.File(path / "design.h5", "r") as f:
        arrays = {name: f[name][:] for name in ARRAYS}
        arrays["source"] = f["source"].asstr()[:]
        arrays["samples"] = read_samples(f)  # (a design written before phases: at 300 K)
        history = {name: f[f"history/{name}"][:] for name in f.get("history", {})}
        goal, meta = Goal.from_json(f.attrs["goal"]), json.loads(f.attrs["meta"])
    return Design(goal=goal, history=history, meta=meta, path=path, **arrays)


def write_csv(path, header: list[str], rows):
    """A CSV with a header line, numbers with 6 significant digits."""
    def fmt(v):
        return f"{v:.6g}" if isinstance(v, (float, np.floating)) else str(v)
    lines = [",".join(header)] + [",".join(fmt(v) for v in row) for row in rows]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_candidates_csv(path, d: Design):
    names = [n.replace(" ", "_") for n in d.goal.objective_names]
    header = (["rank", "source", "row", "simulations", "T_K", "boundary_thickness_nm",
               "boundary_Js_T"] + [f"sim_{a}" for a in ANCHORS]
              + [f"pred_{a}" for a in ANCHORS] + [f"first_{a}" for a in ANCHORS]
              + [f"{k}_{q}" for k in ("sim", "pred") for q in MERIT]
              + ["feasible", "consistent", "deviation"] + names
              + [f"z{i}" for i in range(d.z.shape[1])])
    merit = np.stack([d.goal.column(v, q) for v in (d.simulated, d.predicted) for q in MERIT], 1)
    phase = d.samples.phase
    rows = ([i + 1, d.source[i], d.row[i], d.simulations[i], phase[i, 2], phase[i, 0],
             phase[i, 1], *d.simulated[i], *d.predicted[i],
             *d.first_shot[i], *merit[i], int(d.cv[i] <= 0), int(d.consistent[i]), d.deviation[i],
             *d.objectives[i], *d.z[i]]
            for i in range(len(d.z)))
    write_csv(path, header, rows)
