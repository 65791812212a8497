"""`invmag generate`: structures and labelled demagnetization curves of a run."""

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .. import ANCHORS
from .app import app
from .common import (CONFIG_HELP, DEVICE_HELP, RUN_HELP, console, resolve_device, resolve_run,
                     user_errors)


def _rate(task) -> float | None:
    """Samples per second since the task started (samples done by an earlier run excluded):
    steadier than rich's 30 s window, which sees the per-batch steps of the progress."""
    done = task.completed - task.fields["resumed_at"]
    return done / task.elapsed if task.elapsed and done > 0 else None


class RateColumn(ProgressColumn):
    """Samples per hour (curves/hour for labels)."""

    def render(self, task):
        rate, unit = _rate(task), task.fields["unit"]
        return Text(f"{rate * 3600:,.0f} {unit}/h" if rate else f"– {unit}/h", style="cyan")


class EtaColumn(ProgressColumn):
    """Time left at the rate so far."""

    def render(self, task):
        rate = _rate(task)
        left = 0 if task.finished else (task.total - task.completed) / rate if rate else None
        shown = "–:––:––" if left is None else str(timedelta(seconds=round(left)))
        return Text(f"ETA {shown}", style="cyan")


def label_table(labels) -> Table:
    """min / mean / max of each anchor over the good labels, and the sample counts."""
    from ..physics.anchors import UNITS

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


def merit_table(labels, material) -> Table:
    """min / mean / max of each figure of merit (N = 0) over the good labels' curves."""
    from ..physics.merit import FIGURES, UNITS, figures

    f = figures(labels.H, labels.M[labels.good], material)
    table = Table(title="Figures of merit of the good labels (N = 0)")
    for name in ("figure", "unit", "min", "mean", "max"):
        table.add_column(name, justify="left" if name == "figure" else "right")
    for i, name in enumerate(FIGURES):
        table.add_row(name, UNITS[name], *[f"{g(f[:, i]):.4g}" for g in (np.min, np.mean, np.max)])
    return table


@app.command(epilog="Examples: invmag generate · invmag generate --labelled 3200 · "
                     "invmag generate --config paper --workers 16")
def generate(
    config: str = typer.Option(None, help=CONFIG_HELP),
    run: Path = typer.Option(None, help=RUN_HELP),
    labelled: int = typer.Option(None, help="Labelled curves (default: data.labelled)."),
    unlabelled: int = typer.Option(None, help="Unlabelled structures (default: data.unlabelled)."),
    workers: int = typer.Option(None, help="Local solver processes, one torch thread each "
                                 "(default: one per CPU core; 1 on a GPU)."),
    scheduler: str = typer.Option(None, help="Dask scheduler address, e.g. tcp://host:8786."),
    force: bool = typer.Option(False, "--force", help="Replace a run made with another config "
                               "(deleting its data if the samples differ)."),
    device: str = typer.Option(None, help=DEVICE_HELP),
):
    """Sample grain structures and compute labelled demag curves into the run (resumable)."""
    from ..data.generate import generate as run_generate
    from ..data.parallel import default_workers
    from ..data.plots import labels_figure
    from ..data.samples import read_labels

    with user_errors():
        cfg, run = resolve_run(config, run)
        if device:
            cfg = replace(cfg, solver_device=device)
        if not scheduler:  # a cluster's workers resolve the device themselves
            resolve_device(None, cfg)
        columns = (TextColumn("[bold]{task.description:<10}"), BarColumn(),
                   TextColumn("{task.completed:>6.0f}/{task.total:.0f}"), RateColumn(),
                   TimeElapsedColumn(), EtaColumn())
        with Progress(*columns, console=console) as bar:
            tasks = {}

            def progress(stage, completed, total):
                if stage not in tasks:
                    unit = "curves" if stage == "labels" else "structures"
                    tasks[stage] = bar.add_task(stage, total=total, completed=completed,
                                                unit=unit, resumed_at=completed)
                bar.update(tasks[stage], completed=completed, total=total)

            if workers is None:
                workers = 1 if scheduler else default_workers(cfg.solver_device)
            summary = run_generate(cfg, run, labelled=labelled, unlabelled=unlabelled,
                                   force=force, replace_data=force, workers=workers,
                                   scheduler=scheduler, progress=progress)
        if summary.deleted:
            console.print(f"[yellow]config changed:[/] deleted {', '.join(summary.deleted)}")
        if summary.workers_lost:
            console.print(f"[yellow]warning:[/] a worker process died {summary.workers_lost} "
                          "time(s); its batches were run again")
        if summary.labels_failed:
            reasons = escape("; ".join(summary.errors))
            console.print(f"[yellow]warning:[/] {summary.labels_failed} samples in batches that "
                          f"failed twice, recorded as not converged: {reasons}")
        labels = read_labels(run / "labels.h5")
        console.print(label_table(labels))
        if labels.good.any():
            console.print(merit_table(labels, cfg.material))
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
