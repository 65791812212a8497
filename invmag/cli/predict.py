"""`invmag predict FILE`: the six anchors a trained run predicts for a structure."""

from pathlib import Path

import typer

from .app import app
from .common import (CONFIG_HELP, DEMAG_HELP, DEVICE_HELP, MERIT_HELP, RUN_HELP, STRUCTURE_HELP,
                     console, demag_factor, open_model, user_errors)


@app.command(epilog="Example: invmag predict s.npy --plot pred.png")
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
    from ..data.structures import load_structure
    from ..physics.merit import predicted_figures
    from .tables import anchor_table, merit_table, write_merit_csv

    with user_errors():
        demag_factor(demag)
        surrogate, _ = open_model(config, run, device)
        phi = load_structure(file, surrogate.grid, surrogate.config.grid.cell_size)
        values = surrogate.predict_structures(phi[None])[0]
        console.print(anchor_table(values, surrogate.config.material,
                                   title=f"Predicted anchors of {file.name}"))
        merits = {"predicted": predicted_figures(values, surrogate.config.material, demag)[0]}
        console.print(merit_table(merits, f"Predicted figures of merit, N = {demag:g}"))
        outside = surrogate.outside_range(values)
        if outside:
            console.print(f"[yellow]warning:[/] outside the range of the training labels "
                          f"(extrapolation): {', '.join(outside)}")
        if merit:
            write_merit_csv(merit, merits)
            console.print(f"figures of merit → {merit}")
        if plot:
            from ..models.plots import prediction_figure
            prediction_figure(phi, values, title=file.name).savefig(plot, dpi=120)
            console.print(f"plot → {plot}")
