"""`invmag generate`: structures and labelled demagnetization curves of a run."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import typer
from rich.progress import (BarColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.table import Table
from rich.text import Text

from .. import ANCHORS
from .app import app
from .common import console, resolve_device, user_errors


class RateColumn(ProgressColumn):
    """Samples per hour (curves/hour for labels)."""

    def render(self, task):
        speed = task.finished_speed or task.speed
        unit = task.fields.get("unit", "samples")
        return Text(f"{speed * 3600:,.0f} {unit}/h" if speed else f"– {unit}/h", style="cyan")


def label_table(labels) -> Table:
    """min / mean / max of each anchor over the good labels, and the sample counts."""
    from ..data.plots import UNITS

    good = labels.good
    table = Table(title=f"Labels: {good.sum()} good of {labels.done.sum()} done "
                        f"({labels.flagged[labels.done].sum()} flagged, "
                        f"{(~labels.converged[labels.done]).sum()} not converged)")
    for name in ("anchor", "unit", "min", "mean", "max"):
        table.add_column(name, justify="left" if name == "anchor" else "right")
    for i, name in enumerate(ANCHORS):
        v = labels.anchors[good, i]
        stats = [f"{f(v):.4f}" for f in (np.min, np.mean, np.max)] if v.size else ["–"] * 3
        table.add_row(name, UNITS[name], *stats)
    return table


@app.command()
def generate(
    config: str = typer.Option("quick", help="Config: embedded name (quick, paper) or TOML path."),
    run: Path = typer.Option(None, help="Run directory (default: runs/<config name>)."),
    labelled: int = typer.Option(None, help="Labelled curves (default: the config's data.labelled)."),
    unlabelled: int = typer.Option(None, help="Unlabelled structures (default: data.unlabelled)."),
    workers: int = typer.Option(1, help="Local solver processes (one torch thread each)."),
    scheduler: str = typer.Option(None, help="Dask scheduler address, e.g. tcp://host:8786."),
    force: bool = typer.Option(False, "--force", help="Replace a run made with another config."),
    device: str = typer.Option(None, help="torch device of the solver (default: the config's)."),
):
    """Sample grain structures and compute labelled demag curves into the run (resumable)."""
    from ..data.config import load_config
    from ..data.generate import generate as run_generate
    from ..data.plots import labels_figure
    from ..data.store import read_labels

    with user_errors():
        cfg = load_config(config)
        if device:
            cfg = replace(cfg, solver_device=device)
        if not scheduler:  # a cluster's workers resolve the device themselves
            resolve_device(cfg.solver_device)
        run = run or Path("runs") / cfg.name
        columns = (TextColumn("[bold]{task.description:<10}"), BarColumn(),
                   TextColumn("{task.completed:>6.0f}/{task.total:.0f}"), RateColumn(),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
        with Progress(*columns, console=console) as bar:
            tasks = {}

            def progress(stage, completed, total):
                if stage not in tasks:
                    unit = "curves" if stage == "labels" else "structures"
                    tasks[stage] = bar.add_task(stage, total=total, completed=completed, unit=unit)
                bar.update(tasks[stage], completed=completed, total=total)

            summary = run_generate(cfg, run, labelled=labelled, unlabelled=unlabelled,
                                   force=force, workers=workers, scheduler=scheduler,
                                   progress=progress)
        if summary.deleted:
            console.print(f"[yellow]config changed:[/] deleted {', '.join(summary.deleted)}")
        labels = read_labels(run / "labels.h5")
        console.print(label_table(labels))
        if summary.labels_computed:
            rate = 3600 * summary.labels_computed / summary.label_seconds
            console.print(f"{summary.labels_computed} curves in {summary.label_seconds:.1f} s: "
                          f"{rate:,.0f} curves/hour")
        if labels.good.any():
            (run / "plots").mkdir(exist_ok=True)
            labels_figure(labels).savefig(run / "plots" / "labels.png", dpi=110)
            console.print(f"plot → {run / 'plots' / 'labels.png'}")
        console.print(f"run → {run} (structures.h5: {summary.structures}, "
                      f"labels.h5: {summary.labelled})")
