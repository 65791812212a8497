"""A sample file to simulate or predict: the easy axes phi[iy, ix] (rad) and, from an .npz, its
grain-boundary region or any per-cell material, so that a structure made elsewhere can be
simulated (`invmag simulate s.npz`) or predicted by a real magnet's model (`invmag predict
s.npz`). It is read as Samples (data.sample) at a temperature.

.npz keys: phi (required; as a .npy structure); optionally the grain-boundary phase: boundary
(bool, phi's shape: its cells), boundary_thickness_nm and boundary_Js_T (numbers; its material
follows the config's [boundary] section, as the labels'), and the grains' shell: shell (bool),
shell_thickness_nm, shell_Js_T and shell_K1_J_m3 (numbers at 300 K; its law from [shell]); or
per-cell material at 300 K: Js (T),
A (J/m), K1 (J/m³), each an array of phi's shape (a key left out takes the config's material in
every cell). The temperature law scales either to T. The main phase is the cells of the largest
Js: magnetization is given in its Ms and fields in its H_A.
"""

from pathlib import Path

import numpy as np

from ..physics.material import Cells, Material
from .sample import BOUNDARY, SHELL, Region, Samples
from .structures import load_structure, validate_structure

CELLS = ("Js", "A", "K1")
# a region's keys: its cells (bool), thickness nm and Js T at 300 K (and the shell's K1 J/m³)
REGIONS = {BOUNDARY: ("boundary", "boundary_thickness_nm", "boundary_Js_T"),
           SHELL: ("shell", "shell_thickness_nm", "shell_Js_T", "shell_K1_J_m3")}
KEYS = ("phi", *CELLS, *(k for keys in REGIONS.values() for k in keys))


def load_microstructure(path, material: Material, shape=None, cell_size: float | None = None,
                        temperature: float = 300.0) -> Samples:
    """The Samples (of one) at `temperature` K of a .npz, .npy or OVF file (shape, cell_size
    as load_structure); ValueError naming the file (and key) for anything it cannot use."""
    path = Path(path)
    if path.suffix.lower() != ".npz":
        return Samples(load_structure(path, shape, cell_size), temperature)
    if not path.is_file():
        raise FileNotFoundError(f"no such structure file: {path}")
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as e:
        raise ValueError(f"{path}: not a numeric .npz archive ({e})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: one .npy array, not an .npz archive of phi, Js, A, K1")
    with archive:
        unknown = sorted(set(archive.files) - set(KEYS))
        if "phi" not in archive.files or unknown:
            raise ValueError(f"{path}: expected the keys phi and optionally Js, A, K1 or a "
                             "region's (boundary, boundary_thickness_nm, boundary_Js_T; shell, "
                             "…), got " + (", ".join(sorted(archive.files)) or "none"))
        arrays = {k: _numbers(archive, k, path) for k in archive.files}
    phi = validate_structure(arrays["phi"], f"{path}: phi")
    if shape is not None and phi.shape != tuple(shape):
        raise ValueError(f"{path}: {phi.shape[0]} × {phi.shape[1]} cells, but the model takes "
                         f"structures of {shape[0]} × {shape[1]} cells (ny × nx)")
    return Samples(phi, temperature, _regions(arrays, phi, path),
                   _cells(arrays, phi, material, path))


def _regions(arrays: dict, phi, path) -> dict:
    """{name: Region} of an .npz's region keys (REGIONS), each region all or none of them."""
    out = {}
    for name, keys in REGIONS.items():
        given = [k for k in keys if k in arrays]
        if not given:
            continue
        if len(given) < len(keys):
            raise ValueError(f"{path}: a {name} needs all of {', '.join(keys)}, got "
                             f"{', '.join(given)}")
        mask, *values = (arrays[k] for k in keys)
        if mask.shape != phi.shape:
            raise ValueError(f"{path}: {name} has shape {mask.shape}, phi {phi.shape}")
        if any(np.ndim(v) for v in values):
            raise ValueError(f"{path}: {', '.join(keys[1:])} must be numbers")
        out[name] = Region(mask.astype(bool)[None], *(np.array([float(v)]) for v in values))
    return out


def _cells(arrays: dict, phi, material: Material, path) -> Cells | None:
    """Per-cell material at 300 K of an .npz's Js, A, K1 keys, or None."""
    given = {k: np.asarray(arrays[k], float) for k in CELLS if k in arrays}
    if not given:
        return None
    for k, v in given.items():
        if v.shape != phi.shape:
            raise ValueError(f"{path}: {k} has shape {v.shape}, phi {phi.shape}")
    per_cell = {k: given.get(k, np.full(phi.shape, getattr(material, k)))[None] for k in CELLS}
    try:
        cells = Cells(**per_cell)
        cells.main()  # the main phase must be a magnet: A > 0, K1 > 0
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    return cells


def _numbers(archive, key, path) -> np.ndarray:
    """Array `key` of the open .npz `archive`; ValueError naming the file and the key unless it
    holds numbers (bool, int or float)."""
    try:
        v = archive[key]
    except ValueError:  # an array of Python objects, which only pickle can load
        raise ValueError(f"{path}: {key} must be an array of numbers, got Python objects") from None
    if v.dtype.kind not in "biuf":
        raise ValueError(f"{path}: {key} must be an array of numbers, got dtype {v.dtype}")
    return v


def microstructure(source, cfg, cell_size=None, cells=None, temperature: float = 300.0,
                   shape=None) -> Samples:
    """The Samples at `temperature` K of a grain map (ny, nx) or a batch (N, ny, nx) rad, with
    per-cell material `cells` at 300 K (Cells) or None, or of a file (.npy, OVF, or .npz:
    load_microstructure) under the run config cfg (shape, cell_size as load_structure)."""
    if isinstance(source, (str, Path)):
        return load_microstructure(source, cfg.material, shape, cell_size or cfg.grid.cell_size,
                                   temperature)
    phi = np.asarray(source)
    phi = np.stack([validate_structure(p) for p in (phi if phi.ndim == 3 else phi[None])])
    if shape is not None and phi.shape[1:] != tuple(shape):
        raise ValueError(f"{phi.shape[1]} × {phi.shape[2]} cells, but the model takes "
                         f"structures of {shape[0]} × {shape[1]} cells (ny × nx)")
    if cells is not None and len(cells.Js) == 1:
        cells = cells.take(np.zeros(len(phi), int))
    return Samples(phi, temperature, cells=cells)
