"""`invmag morph A B`: latent interpolation between two structures (paper 4.2, Figs. 7–8)."""

from pathlib import Path

import typer
from rich.table import Table

from .. import ANCHORS
from .app import app
from .common import CONFIG_HELP, DEVICE_HELP, RUN_HELP, console, open_model, user_errors


@app.command(epilog="Example: invmag morph a.npy b.npy --steps 8")
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
    from ..data.structures import load_structure
    from ..models.morph import morph as interpolate
    from ..models.plots import morph_figure

    with user_errors():
        surrogate, run = open_model(config, run, device)
        phi_a, phi_b = load_structure(a, surrogate.grid), load_structure(b, surrogate.grid)
        result = interpolate(surrogate, phi_a, phi_b, steps)
        table = Table(title=f"Morphing {a.name} → {b.name} (Ms, H_A)")
        for name in ("α", *ANCHORS):
            table.add_column(name, justify="right")
        for alpha, y in zip(result.alphas, result.anchors):
            table.add_row(f"{alpha:.2f}", *(f"{v:.4f}" for v in y))
        console.print(table)
        out = out or run / "plots" / f"morph_{a.stem}_{b.stem}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        morph_figure(result.alphas, result.phi, result.anchors).savefig(out, dpi=110)
        out.with_suffix(".csv").write_text(result.csv(), encoding="utf-8")
        console.print(f"strip → {out}\ntable → {out.with_suffix('.csv')}")
