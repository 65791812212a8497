"""`invmag morph A B`: latent interpolation between two structures (paper 4.2, Figs. 7–8;
invmag.morph)."""

from pathlib import Path

import typer
from rich.table import Table

from .. import ANCHORS
from ..api import morph
from .common import (CONFIG_HELP, DEVICE_HELP, PREDICT_TEMPERATURE_HELP, RUN_HELP, SAMPLE_HELP,
                     console, user_errors)

EPILOG = ("Examples: invmag morph a.npy b.npy --steps 8; "
          "invmag morph a.npz b.npz --run runs/magnet --temperature 423")


def morph_command(
    a: Path = typer.Argument(..., help="Sample A, α = 0. " + SAMPLE_HELP),
    b: Path = typer.Argument(..., help="Sample B, α = 1. " + SAMPLE_HELP),
    steps: int = typer.Option(6, help="Number of α values from 0 to 1 (ends included)."),
    out: Path = typer.Option(None, help="PNG strip (default: <run>/plots/morph_<A>_<B>.png); "
                                        "the CSV goes beside it."),
    config: str = typer.Option(None, help=CONFIG_HELP),
    run: Path = typer.Option(None, help=RUN_HELP),
    device: str = typer.Option(None, help=DEVICE_HELP),
    temperature: float = typer.Option(None, help=PREDICT_TEMPERATURE_HELP),
):
    """Decode z = (1 − α)·z_A + α·z_B and predict its anchors: PNG strip, table and CSV."""
    with user_errors():
        result = morph(a, b, steps, out, config, run, device, temperature)
    table = Table(title=f"Morphing {a.name} → {b.name} (Ms, H_A)")
    for name in ("α", *ANCHORS):
        table.add_column(name, justify="right")
    for alpha, y in zip(result.alphas, result.anchors):
        table.add_row(f"{alpha:.2f}", *(f"{v:.4f}" for v in y))
    console.print(table)
    console.print(f"strip → {result.files[0]}\ntable → {result.files[1]}")
