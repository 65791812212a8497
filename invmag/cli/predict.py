"""`invmag predict FILE`: the six anchors a trained run predicts for a structure
(invmag.predict)."""

from pathlib import Path

import typer

from ..api import FIGURES, T_ROOM, predict, resolve_run, thermal_hcj
from .common import (CONFIG_HELP, DEMAG_HELP, DEVICE_HELP, MERIT_HELP, PREDICT_TEMPERATURE_HELP,
                     RUN_HELP, SAMPLE_HELP, console, demag_factor, user_errors, warn)
from .tables import anchor_table, merit_table

EPILOG = ("Examples: invmag predict s.npy --plot pred.png; "
          "invmag predict s.npz --run runs/magnet --temperature 423")


def predict_command(
    file: Path = typer.Argument(..., help=SAMPLE_HELP),
    plot: Path = typer.Option(None, help="Write a PNG: the structure beside its predicted curve."),
    merit: Path = typer.Option(None, help=MERIT_HELP),
    demag: float = typer.Option(0.0, "--demag-factor", help=DEMAG_HELP),
    config: str = typer.Option(None, help=CONFIG_HELP),
    run: Path = typer.Option(None, help=RUN_HELP),
    device: str = typer.Option(None, help=DEVICE_HELP),
    temperature: float = typer.Option(None, help=PREDICT_TEMPERATURE_HELP),
):
    """Anchors of a structure predicted by the run's VAE + regressor (no simulation)."""
    with user_errors():
        demag_factor(demag)
        cfg, run = resolve_run(config, run, device)
        p = predict(file, cfg, run, plot=plot, merit=merit, demag=demag, temperature=temperature)
    at = "" if temperature is None else f" at {temperature:g} K"
    console.print(anchor_table(p.anchors, p.material,
                               title=f"Predicted anchors of {file.name}{at}"))
    thermal = thermal_hcj(cfg, p.figures[FIGURES.index("HcJ")],
                          T_ROOM if temperature is None else temperature, p.material)
    console.print(merit_table({"predicted": p.figures},
                              f"Predicted figures of merit, N = {demag:g}", thermal))
    if p.outside:
        warn(f"outside the range of the training labels (extrapolation): {', '.join(p.outside)}")
    for kind, path in p.files.items():
        console.print(f"{kind} → {path}")
