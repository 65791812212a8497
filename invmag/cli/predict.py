"""`invmag predict FILE`: the six anchors a trained run predicts for a structure
(invmag.predict)."""

from pathlib import Path

import typer

from .common import (CONFIG_HELP, DEMAG_HELP, DEVICE_HELP, MERIT_HELP, RUN_HELP, STRUCTURE_HELP,
                     console, demag_factor, user_errors, warn)

EPILOG = "Example: invmag predict s.npy --plot pred.png"


def predict(
    file: Path = typer.Argument(..., help=STRUCTURE_HELP),
    plot: Path = typer.Option(None, help="Write a PNG: the structure beside its predicted curve."),
    merit: Path = typer.Option(None, help=MERIT_HELP),
    demag: float = typer.Option(0.0, "--demag-factor", help=DEMAG_HELP),
    config: str = typer.Option(None, help=CONFIG_HELP),
    run: Path = typer.Option(None, help=RUN_HELP),
    device: str = typer.Option(None, help=DEVICE_HELP),
):
    """Anchors of a structure predicted by the run's VAE + regressor (no simulation)."""
    from ..api import predict as run_predict, resolve_run
    from .tables import anchor_table, merit_table

    with user_errors():
        demag_factor(demag)
        cfg, run = resolve_run(config, run, device)
        values, figures, outside, files = run_predict(file, cfg, run, plot=plot, merit=merit,
                                                      demag=demag)
    console.print(anchor_table(values, cfg.material, title=f"Predicted anchors of {file.name}"))
    console.print(merit_table({"predicted": figures}, f"Predicted figures of merit, N = {demag:g}"))
    if outside:
        warn(f"outside the range of the training labels (extrapolation): {', '.join(outside)}")
    for kind, path in files.items():
        console.print(f"{kind} → {path}")
