"""`invmag export SOURCE OUT`: structures and states as OVF 2.0 or VTK files for other tools."""

from pathlib import Path

import typer

from .app import app
from .common import console, user_errors


@app.command()
def export(
    source: Path = typer.Argument(..., help="Structure (.npy, .ovf), design folder, or HDF5 "
                                            "with phi (design.h5, verified.h5) or states."),
    out: Path = typer.Argument(..., help="Output .ovf (OOMMF, mumax3, ubermag) or .vtk "
                                         "(ParaView); several fields go to OUT_1, OUT_2, …"),
    config: str = typer.Option("quick", help="Config whose grid gives the cell size and "
                                             "thickness."),
):
    """Write easy-axis fields or magnetization states, one unit vector per cell."""
    from ..data.config import load_config
    from ..data.export import export as run_export

    with user_errors():
        grid = load_config(config).grid
        paths = run_export(source, out, grid.cell_size * 1e-9, grid.thickness * 1e-9)
    more = f" … {paths[-1].name} ({len(paths)} files)" if len(paths) > 1 else ""
    console.print(f"export → {paths[0]}{more}")
