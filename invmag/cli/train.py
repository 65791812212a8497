"""`invmag train`: train a run's VAE and regressor (generating its data first if missing) and
report the test MAE beside the paper's Table 3 (invmag.train)."""

from pathlib import Path

import typer
from rich.table import Table

from .. import ANCHORS
from ..api import resolve_run, train
from .common import CONFIG_HELP, DEVICE_HELP, RUN_HELP, console, user_errors, warn

EPILOG = ("Examples: invmag train · invmag train --config paper --device cuda · "
          "invmag train --run runs/held --hold-out \"hc=0.24:0.30,mr=0.40:0.55\"")


def mae_table(metrics: dict) -> Table:
    """Test and training MAE per anchor beside paper Table 3."""
    n = metrics["labelled"]
    table = Table(title=f"Mean absolute error: {n['train']} training, {n['test']} test curves "
                        "(paper: 3607 / 370)")
    for name in ("anchor", "unit", "test MAE", "train MAE", "paper (Table 3)"):
        table.add_column(name, justify="left" if name == "anchor" else "right")
    for a in ANCHORS:
        table.add_row(a, metrics["units"][a], f"{metrics['mae_test'][a]:.4f}",
                      f"{metrics['mae_train'][a]:.4f}", f"{metrics['mae_paper'][a]:.4f}")
    return table


def band_table(metrics: dict) -> Table:
    """A real magnet's test MAE per temperature band (Ms(T), H_A(T)) and in tesla at 423 K."""
    bands, si = metrics["mae_test_bands"], metrics.get("mae_test_T_423K")
    table = Table(title="Test MAE per temperature band (units of the main phase at each "
                        "label's T)" + ("; and in tesla at 423 K" if si else ""))
    table.add_column("anchor")
    for name in [*bands, *(["at 423 K (T)"] if si else [])]:
        table.add_column(name, justify="right")
    for a in ANCHORS:
        table.add_row(a, *[f"{b[a]:.4f}" for b in bands.values()],
                      *([f"{si[a]:.4f}"] if si else []))
    return table


def train_command(
    config: str = typer.Option(None, help=CONFIG_HELP),
    run: Path = typer.Option(None, help=RUN_HELP),
    device: str = typer.Option(None, help=DEVICE_HELP),
    force: bool = typer.Option(False, "--force", help="Retrain a run that has a trained model "
                               "(or was made with another config); never deletes data."),
    hold_out: list[str] = typer.Option(
        [], help="Leave out the labels inside a box of anchors (reduced units), e.g. "
                 "\"hc=0.24:0.30,mr=0.40:0.55\"; repeatable. The run's design searches then "
                 "treat them as absent (held-out evaluation)."),
):
    """Train the VAE (resumes from its checkpoint) and the cross-validated regressor."""
    from .progress import stages

    with user_errors():
        cfg, run = resolve_run(config, run, device)
        with stages(transient=False) as bar:
            metrics = train(cfg, run, force=force, hold_out=hold_out, progress=bar)
    v = metrics["vae"]
    if v["checkpoint_replaced"]:
        warn(f"{v['checkpoint_replaced']}: the VAE was trained from the start and the "
             "checkpoint replaced")
    if v["resumed_from_epoch"]:
        console.print(f"VAE resumed from its checkpoint at epoch {v['resumed_from_epoch']}")
    console.print(f"VAE: {v['epochs']} epochs, held-out reconstruction MSE "
                  f"{v['history'][-1].get('val_mse', float('nan')):.4f} (kx); regressor: "
                  f"the {metrics['regressor']['folds']} regressors of the cross-validation "
                  f"(stopped at epochs {', '.join(map(str, metrics['regressor']['epochs']))}),"
                  f" averaged; on {metrics['device']}")
    console.print(mae_table(metrics))
    if "mae_test_bands" in metrics:
        console.print(band_table(metrics))
    if metrics["hold_out"]:
        console.print(f"held out: {metrics['labelled']['held_out']} labels inside "
                      f"{' or '.join(metrics['hold_out'])} (not trained on, not tested on, "
                      "not used by this run's design searches)")
    console.print(f"model → {run / 'surrogate.pt'}\nmetrics → {run / 'metrics.json'}\n"
                  f"plots → {run / 'plots'}")
