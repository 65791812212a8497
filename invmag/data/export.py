"""Export structures and magnetization states to OVF 2.0 (OOMMF, mumax3, discretisedfield) and
legacy VTK (ParaView): one file per field, vectors (sin a, cos a, 0) per cell."""

from pathlib import Path

import h5py
import numpy as np

from .ovf import write_ovf
from .structures import load_structure
from .vtk import write_vtk

WRITERS = {".ovf": write_ovf, ".vtk": write_vtk}
#: HDF5 datasets of angle fields (K, ny, nx) rad, and what they hold
DATASETS = {"phi": "easy axis", "states": "magnetization"}


def read_fields(source) -> tuple[np.ndarray, str]:
    """(angle fields (K, ny, nx) rad, what they are) of a structure (.npy, .ovf), a design
    folder (its design.h5) or an HDF5 file holding `phi` (design.h5, verify.h5, verified.h5) or
    `states` (simulate --states: magnetization angles per field, (K, ny, nx))."""
    source = Path(source)
    if source.is_dir():
        source = source / "design.h5"
    if source.suffix.lower() not in (".h5", ".hdf5"):
        return load_structure(source)[None], DATASETS["phi"]
    if not source.is_file():
        raise FileNotFoundError(f"no such file: {source}")
    with h5py.File(source, "r") as f:
        for name, what in DATASETS.items():
            if name in f and f[name].ndim == 3:
                return f[name][()], what
    raise ValueError(f"{source}: no 'phi' or 'states' dataset of angle fields (K, ny, nx)")


def export(source, out, cell_size: float, thickness: float) -> list[Path]:
    """Write the fields of `source` (see read_fields) to `out` (.ovf or .vtk); several fields go
    to out_1, out_2, … in their order (the ranks of a design). cell_size, thickness in m."""
    out = Path(out)
    writer = WRITERS.get(out.suffix.lower())
    if writer is None:
        raise ValueError(f"{out}: the output must end in .ovf or .vtk")
    fields, what = read_fields(source)
    paths = ([out] if len(fields) == 1 else
             [out.with_name(f"{out.stem}_{i}{out.suffix}") for i in range(1, len(fields) + 1)])
    for path, a in zip(paths, fields):
        writer(path, a, cell_size, thickness, what)
    return paths
