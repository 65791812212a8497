"""`invmag simulate FILE`: the demagnetization curve and anchors of one structure
(invmag.simulate)."""

from pathlib import Path

import numpy as np
import typer

from .. import ANCHORS
from .common import (CONFIG_HELP, DEMAG_HELP, DEVICE_HELP, MERIT_HELP, STRUCTURE_HELP, console,
                     demag_factor, user_errors, warn)
from .tables import anchor_table, merit_table

EPILOG = ("Examples: invmag simulate s.npy --plot s.png · "
          "invmag simulate s.ovf --full --states s.h5")


def simulate(
    file: Path = typer.Argument(..., help=STRUCTURE_HELP),
    out: Path = typer.Option(None, help="Write the curve as CSV (H_over_HA, M_over_Ms)."),
    plot: Path = typer.Option(None, help="Write a PNG: structure, curve with anchors, and the "
                                         "second quadrant of J and B with (BH)max."),
    merit: Path = typer.Option(None, help=MERIT_HELP),
    demag: float = typer.Option(0.0, "--demag-factor", help=DEMAG_HELP),
    states: Path = typer.Option(None, help="Write the magnetization at the anchors to HDF5 "
                                           "(invmag.data.states) and a PNG strip beside it."),
    every_step: bool = typer.Option(False, "--every-step",
                                    help="With --states: keep every computed field step."),
    cell_size: float = typer.Option(None, help="Cell size in nm (default: the config's, 2 nm)."),
    fast: bool = typer.Option(None, "--fast/--full",
                              help="Protocol: --fast takes coarse reversible steps and stops past "
                                   "Hc (anchors within 0.005), --full is the paper's 0.01 H_A "
                                   "steps to −H_A (default: the config's solver.fast, as its "
                                   "labels)."),
    device: str = typer.Option(None, help=DEVICE_HELP),
    config: str = typer.Option(None, help=CONFIG_HELP),
):
    """Demagnetization curve of one structure, +H_A → −H_A along y, by the config's protocol."""
    from ..api import resolve_run, simulate as run_simulate
    from ..physics.merit import figures
    from .progress import stages

    with user_errors():
        demag_factor(demag)
        cfg, _ = resolve_run(config, None, device)
        total = len(cfg.solver.fields())
        with stages() as bar:
            curve = run_simulate(file, cfg, fast, cell_size, None,
                                 lambda n: bar(file.name, advance=n, total=total),
                                 out=out, plot=plot, states_file=states, every_step=every_step,
                                 merit=merit, demag=demag)
    values = curve.anchors[0]
    console.print(anchor_table(values, cfg.material, title=f"Anchors of {file.name}"))
    merits = {"value": figures(curve.H, curve.M, cfg.material, demag)[0]}
    console.print(merit_table(merits, f"Figures of merit, N = {demag:g}"))
    if not curve.converged[0]:
        warn(f"a field step hit the iteration cap ({cfg.solver.max_iterations}): the curve is "
             "flagged as not converged")
    if curve.flagged[0]:
        missing = [a for a, v in zip(ANCHORS, values) if np.isnan(v)]
        warn(f"never reached within ±H_A: {', '.join(missing)}")
    protocol = "fast" if (cfg.solver.fast if fast is None else fast) else "full"
    console.print(f"{protocol} protocol ({config or 'config ' + cfg.name}), "
                  f"{curve.iterations[0]} iterations on {cfg.solver_device}")
    for kind, path in curve.files.items():
        console.print(f"{kind} → {path}")
