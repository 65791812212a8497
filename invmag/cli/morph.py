"""`invmag morph A B`: latent interpolation between two structures (paper 4.2, Figs. 7–8;
invmag.morph)."""

from pathlib import Path

import typer
from rich.table import Table

from .. import ANCHORS
from .common import CONFIG_HELP, DEVICE_HELP, RUN_HELP, console, user_errors

EPILOG = "Example: invmag morph a.npy b.npy --steps 8"


def morph(
    a: Path = typer.Argument(..., help="Structure A (.npy, phi rad), α = 0."),
    b: Path = typer.Argument(..., help="Structure B (.npy, phi rad), α = 1."),
    steps: int = typer.Option(6, help="Number of α values from 0 to 1 (ends included)."),
    out: Path = typer.Option(None, help="PNG strip (default: <run>/plots/morph_<A>_<B>.png); "
                                        "the CSV goes beside it."),
    config: str = typer.Option(None, help=CONFIG_HELP),
    run: Path = typer.Option(None, help=RUN_HELP),
    device: str = typer.Option(None, help=DEVICE_HELP),
):
    """Decode z = (1 − α)·z_A + α·z_B and predict its anchors: PNG strip, table and CSV."""
    from ..api import morph as interpolate

    with user_errors():
        result = interpolate(a, b, steps, out, config, run, device)
    table = Table(title=f"Morphing {a.name} → {b.name} (Ms, H_A)")
    for name in ("α", *ANCHORS):
        table.add_column(name, justify="right")
    for alpha, y in zip(result.alphas, result.anchors):
        table.add_row(f"{alpha:.2f}", *(f"{v:.4f}" for v in y))
    console.print(table)
    console.print(f"strip → {result.files[0]}\ntable → {result.files[1]}")
