"""`invmag generate`: structures and labelled demagnetization curves of a run (invmag.generate)."""

from pathlib import Path

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from .. import ANCHORS
from ..api import (FIGURE_UNITS, FIGURES, UNITS, generate, label_figures, resolve_run,
                   thermal_hcj)
from .common import CONFIG_HELP, DEVICE_HELP, RUN_HELP, console, user_errors, warn

EPILOG = ("Examples: invmag generate · invmag generate --labelled 3200 · "
          "invmag generate --config paper --workers 16")


def label_table(labels) -> Table:
    """min / mean / max of each anchor over the good labels, and the sample counts."""
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


def label_merit_table(labels, cfg) -> Table:
    """min / mean / max of each figure of merit (N = 0) over the good labels' curves, each in
    SI at its own temperature; the thermally activated HcJ after HcJ where cfg has a [thermal]
    section."""
    f = label_figures(labels, cfg.material)
    rows = [(name, FIGURE_UNITS[name], f[:, i]) for i, name in enumerate(FIGURES)]
    hcj = FIGURES.index("HcJ")
    thermal = thermal_hcj(cfg, f[:, hcj], labels.samples.temperature[labels.good])
    if thermal is not None:
        rows.insert(hcj + 1, ("HcJ (thermal)", FIGURE_UNITS["HcJ"], thermal))
    table = Table(title="Figures of merit of the good labels (N = 0)")
    for name in ("figure", "unit", "min", "mean", "max"):
        table.add_column(name, justify="left" if name == "figure" else "right")
    for name, unit, values in rows:
        table.add_row(name, unit, *[f"{g(values):.4g}" for g in (np.min, np.mean, np.max)])
    return table


def generate_command(
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
    from .progress import stages

    with user_errors():
        cfg, run = resolve_run(config, run, device)
        with stages({"structures": "structures", "labels": "curves"}, transient=False) as bar:
            summary = generate(cfg, run, labelled, unlabelled, workers, scheduler, force,
                               progress=bar)
    if summary.deleted:
        console.print(f"[yellow]config changed:[/] deleted {', '.join(summary.deleted)}")
    if summary.workers_lost:
        warn(f"a worker process died {summary.workers_lost} time(s); its batches were run again")
    if summary.labels_failed:
        warn(f"{summary.labels_failed} samples in batches that failed twice, recorded as not "
             f"converged: {'; '.join(summary.errors)}")
    labels = summary.labels
    console.print(label_table(labels))
    if labels.good.any():
        console.print(label_merit_table(labels, cfg))
    if summary.labels_computed:
        rate = 3600 * summary.labels_computed / summary.label_seconds
        console.print(f"{summary.labels_computed} curves in {summary.label_seconds:.1f} s: "
                      f"{rate:,.0f} curves/hour")
    if summary.plot:
        console.print(f"plot → {escape(str(summary.plot))}")
    console.print(f"run → {run} (structures.h5: {summary.structures}, "
                  f"labels.h5: {summary.labelled})")
