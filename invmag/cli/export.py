"""`invmag export SOURCE OUT`: structures and states as OVF 2.0 or VTK files for other tools."""

from pathlib import Path

import typer

from .app import app
from .common import CONFIG_HELP, RUN_HELP, console, resolve_run, user_errors


@app.command(epilog="Examples: invmag export s.npy s.ovf · "
                     "invmag export runs/quick/designs/001 d.vtk")
def export(
    source: Path = typer.Argument(..., help="Structure (.npy, .ovf), design folder, or HDF5 "
                                            "with phi (design.h5, verified.h5) or states."),
    out: Path = typer.Argument(..., help="Output .ovf (OOMMF, mumax3, ubermag) or .vtk "
                                         "(ParaView); several fields go to OUT_1, OUT_2, …"),
    config: str = typer.Option(None, help=CONFIG_HELP),
    run: Path = typer.Option(None, help=RUN_HELP),
):
    """Write easy-axis fields or magnetization states, one unit vector per cell; the config's grid
    gives the cell size and thickness."""
    from ..data.export import export as run_export

    with user_errors():
        grid = resolve_run(config, run)[0].grid
        paths = run_export(source, out, grid.cell_size * 1e-9, grid.thickness * 1e-9)
    more = f" … {paths[-1].name} ({len(paths)} files)" if len(paths) > 1 else ""
    console.print(f"export → {paths[0]}{more}")
