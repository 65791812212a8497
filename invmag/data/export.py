"""Export structures and magnetization states to OVF 2.0 (OOMMF, mumax3, discretisedfield) and
legacy VTK (ParaView): one file per field, vectors (sin a, cos a, 0) per cell; a sample's
grain-boundary cells go beside its easy axes as a scalar field (1 in the boundary)."""

from pathlib import Path

import h5py

from .ovf import write_ovf
from .sample import read_samples
from .structures import load_structure
from .vtk import write_vtk

WRITERS = {".ovf": write_ovf, ".vtk": write_vtk}


def read_fields(source) -> tuple[list, str]:
    """(fields, what they are) of a structure (.npy, .ovf), a design folder (its design.h5), an
    HDF5 file of samples (design.h5, verify.h5, verified.h5, labels.h5: per sample its easy
    axes (ny, nx) rad and, with a boundary, {"boundary": its cells (ny, nx) bool}) or of states
    (simulate --states: magnetization angles (ny, nx) rad per field)."""
    source = Path(source)
    if source.is_dir():
        source = source / "design.h5"
    if source.suffix.lower() not in (".h5", ".hdf5"):
        return [{"": load_structure(source)}], "easy axis"
    if not source.is_file():
        raise FileNotFoundError(f"no such file: {source}")
    with h5py.File(source, "r") as f:
        if "phi" in f and f["phi"].ndim == 3:
            s = read_samples(f)
            return [{"": s.phi[i], **({} if s.mask is None else {"boundary": s.mask[i]})}
                    for i in range(len(s))], "easy axis"
        if "states" in f and f["states"].ndim == 3:
            return [{"": a} for a in f["states"][()]], "magnetization"
    raise ValueError(f"{source}: no 'phi' or 'states' dataset of angle fields (K, ny, nx)")


def write_fields(source, out, cell_size: float, thickness: float) -> list[Path]:
    """Write the fields of `source` (see read_fields) to `out` (.ovf or .vtk); several go to
    out_1, out_2, … in their order (the ranks of a design), a sample's boundary cells to
    out_boundary (out_1_boundary, …). cell_size, thickness in m."""
    out = Path(out)
    writer = WRITERS.get(out.suffix.lower())
    if writer is None:
        raise ValueError(f"{out}: the output must end in .ovf or .vtk")
    fields, what = read_fields(source)
    stems = [out.stem] if len(fields) == 1 else [f"{out.stem}_{i}" for i in
                                                  range(1, len(fields) + 1)]
    paths = []
    for stem, parts in zip(stems, fields):
        for name, field in parts.items():
            paths.append(out.with_name(f"{stem}{'_' + name if name else ''}{out.suffix}"))
            writer(paths[-1], field, cell_size, thickness, name or what)
    return paths
