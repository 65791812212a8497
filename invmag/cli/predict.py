"""`invmag predict FILE`: the six anchors a trained run predicts for a structure."""

from pathlib import Path

import typer

from .app import app
from .common import console, resolve_device, user_errors


def open_model(config: str, run: Path | None, device: str | None):
    """(surrogate, run directory): the trained model of --run (default runs/<config name>),
    checked against --config."""
    from ..data.config import load_config
    from ..models.surrogate import load_surrogate

    cfg = load_config(config)
    run = run or Path("runs") / cfg.name
    return load_surrogate(run, cfg, resolve_device(device or "cpu")), run


@app.command()
def predict(
    file: Path = typer.Argument(..., help="Structure .npy: phi[iy, ix], easy-axis angles (rad)."),
    plot: Path = typer.Option(None, help="Write a PNG: the structure beside its predicted curve."),
    config: str = typer.Option("quick", help="Config: embedded name (quick, paper) or TOML path."),
    run: Path = typer.Option(None, help="Run directory (default: runs/<config name>)."),
    device: str = typer.Option(None, help="torch device: cpu, cuda, auto (default: cpu)."),
):
    """Anchors of a structure predicted by the run's VAE + regressor (no simulation)."""
    from ..data.structures import load_structure
    from .simulate import anchor_table

    with user_errors():
        surrogate, _ = open_model(config, run, device)
        phi = load_structure(file, surrogate.grid)
        values = surrogate.predict_structures(phi[None])[0]
        console.print(anchor_table(values, surrogate.config.material,
                                   title=f"Predicted anchors of {file.name}"))
        outside = surrogate.outside_range(values)
        if outside:
            console.print(f"[yellow]warning:[/] outside the range of the training labels "
                          f"(extrapolation): {', '.join(outside)}")
        if plot:
            from ..models.plots import prediction_figure
            prediction_figure(phi, values, title=file.name).savefig(plot, dpi=120)
            console.print(f"plot → {plot}")
