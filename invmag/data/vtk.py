"""Legacy VTK files (ParaView) of in-plane unit-vector fields on one layer of cells: a
rectilinear grid whose cell data `field` holds the vectors of invmag.data.ovf.unit_vectors (or
a region's cells as a scalar, invmag.data.ovf.cell_values)."""

import numpy as np

from ..files import replacing
from .ovf import cell_values


def write_vtk(path, field, cell_size: float, thickness: float, title: str = "easy axis"):
    """Write a field (angles (ny, nx) rad, or a region's cells (ny, nx) bool: cell_values) as
    cell data of a VTK rectilinear grid (ASCII) of cells cell_size × cell_size × thickness (m),
    the grid starting at the origin."""
    v, _ = cell_values(field)
    ny, nx, d = v.shape
    kind = "VECTORS field double" if d == 3 else "SCALARS field double\nLOOKUP_TABLE default"

    def axis(name, n, step):
        return f"{name}_COORDINATES {n + 1} double\n" + " ".join(
            repr(float(x)) for x in np.arange(n + 1) * step) + "\n"

    text = (f"# vtk DataFile Version 3.0\n{title}\nASCII\nDATASET RECTILINEAR_GRID\n"
            f"DIMENSIONS {nx + 1} {ny + 1} 2\n" + axis("X", nx, cell_size)
            + axis("Y", ny, cell_size) + axis("Z", 1, thickness)
            + f"CELL_DATA {nx * ny}\n{kind}\n"
            + "\n".join(" ".join(repr(float(c)) for c in row) for row in v.reshape(-1, d)) + "\n")
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="ascii")
