"""A microstructure to simulate: the easy axes phi[iy, ix] (rad) and, from an .npz, any per-cell
material (`invmag simulate s.npz`), so that a structure made elsewhere can be simulated; and
its material at temperatures (material_cells).

.npz keys: phi (required; as a .npy structure), and optionally Js (T), A (J/m), K1 (J/m³), each
an array of phi's shape: the material at 300 K (the temperature law scales it to T). A key left
out takes the config's material in every cell. The main phase is the cells of the largest Js:
magnetization is given in its Ms and fields in its H_A.
"""

from pathlib import Path

import numpy as np

from ..physics.material import Cells, Material
from .structures import load_structure, validate_structure

KEYS = ("phi", "Js", "A", "K1")


def load_microstructure(path, material: Material, shape=None,
                        cell_size: float | None = None) -> tuple[np.ndarray, Cells | None]:
    """(phi (ny, nx) float32 rad, Cells of one structure at 300 K or None for the config's
    material everywhere) of a .npz, .npy or OVF file (shape, cell_size as load_structure)."""
    path = Path(path)
    if path.suffix.lower() != ".npz":
        return load_structure(path, shape, cell_size), None
    if not path.is_file():
        raise FileNotFoundError(f"no such structure file: {path}")
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except ValueError as e:
        raise ValueError(f"{path}: not a numeric .npz archive ({e})") from None
    unknown = sorted(set(arrays) - set(KEYS))
    if "phi" not in arrays or unknown:
        raise ValueError(f"{path}: expected the keys phi and optionally Js, A, K1, got "
                         f"{', '.join(sorted(arrays)) or 'none'}")
    phi = validate_structure(arrays["phi"], f"{path}: phi")
    if shape is not None and phi.shape != tuple(shape):
        raise ValueError(f"{path}: {phi.shape[0]} × {phi.shape[1]} cells, but the model takes "
                         f"structures of {shape[0]} × {shape[1]} cells (ny × nx)")
    given = {k: np.asarray(arrays[k], float) for k in KEYS[1:] if k in arrays}
    if not given:
        return phi, None
    for k, v in given.items():
        if v.shape != phi.shape:
            raise ValueError(f"{path}: {k} has shape {v.shape}, phi {phi.shape}")
    per_cell = {k: given.get(k, np.full(phi.shape, getattr(material, k)))[None] for k in KEYS[1:]}
    try:
        cells = Cells(**per_cell)
        cells.main()  # the main phase must be a magnet: A > 0, K1 > 0
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    return phi, cells


def microstructure(source, cfg, cell_size=None, cells=None):
    """(phi (N, ny, nx) rad, Cells at 300 K or None) of an array (ny, nx) or (N, ny, nx) or a
    file (.npy, OVF, or .npz: load_microstructure) under the run config cfg; `cells`: per-cell
    material given with an array."""
    if isinstance(source, (str, Path)):
        phi, cells = load_microstructure(source, cfg.material, None,
                                         cell_size or cfg.grid.cell_size)
        return phi[None], cells
    phi = np.asarray(source)
    return np.stack([validate_structure(p) for p in (phi if phi.ndim == 3 else phi[None])]), cells


def material_cells(phi, cfg, cells, temperatures):
    """Per-cell material of structures phi (N, ny, nx) at temperatures (N,) K: `cells` (at 300
    K; default the config's material) under the temperature law; None where that is the
    config's material at 300 K (the engine's one-material path, exactly)."""
    from ..physics.temperature import T_ROOM, cells_at

    temperatures = np.broadcast_to(np.asarray(temperatures, float), len(phi))
    if cells is None and (temperatures == T_ROOM).all():
        return None
    base = cells or Cells.uniform(cfg.material, 1, *phi.shape[1:])
    if len(base.Js) == 1:
        base = base.take(np.zeros(len(phi), int))
    return cells_at(base, temperatures)
