"""`invmag export SOURCE OUT`: structures and states as OVF 2.0 or VTK files for other tools
(invmag.export)."""

from pathlib import Path

import typer

from ..api import export
from .common import CONFIG_HELP, RUN_HELP, console, user_errors

EPILOG = "Examples: invmag export s.npy s.ovf · invmag export runs/quick/designs/001 d.vtk"


def export_command(
    source: Path = typer.Argument(..., help="Structure (.npy, .ovf), design folder, or HDF5 "
                                            "with phi (design.h5, verified.h5) or states."),
    out: Path = typer.Argument(..., help="Output .ovf (OOMMF, mumax3, ubermag) or .vtk "
                                         "(ParaView); several fields go to OUT_1, OUT_2, …"),
    config: str = typer.Option(None, help=CONFIG_HELP),
    run: Path = typer.Option(None, help=RUN_HELP),
):
    """Write easy-axis fields or magnetization states, one unit vector per cell; the config's grid
    gives the cell size and thickness."""
    with user_errors():
        paths = export(source, out, config, run)
    more = f" … {paths[-1].name} ({len(paths)} files)" if len(paths) > 1 else ""
    console.print(f"export → {paths[0]}{more}")
