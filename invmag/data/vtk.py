"""Legacy VTK files (ParaView) of in-plane unit-vector fields on one layer of cells: a
rectilinear grid whose cell data `field` holds the vectors of invmag.data.ovf.unit_vectors."""

import numpy as np

from ..files import replacing
from .ovf import unit_vectors


def write_vtk(path, angles, cell_size: float, thickness: float, title: str = "easy axis"):
    """Write angles (ny, nx) rad as cell vectors of a VTK rectilinear grid (ASCII) of cells
    cell_size × cell_size × thickness (m), the grid starting at the origin."""
    v = unit_vectors(angles)
    ny, nx, _ = v.shape

    def axis(name, n, step):
        return f"{name}_COORDINATES {n + 1} double\n" + " ".join(
            repr(float(x)) for x in np.arange(n + 1) * step) + "\n"

    text = (f"# vtk DataFile Version 3.0\n{title}\nASCII\nDATASET RECTILINEAR_GRID\n"
            f"DIMENSIONS {nx + 1} {ny + 1} 2\n" + axis("X", nx, cell_size)
            + axis("Y", ny, cell_size) + axis("Z", 1, thickness)
            + f"CELL_DATA {nx * ny}\nVECTORS field double\n"
            + "\n".join(" ".join(repr(float(c)) for c in row) for row in v.reshape(-1, 3)) + "\n")
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="ascii")
