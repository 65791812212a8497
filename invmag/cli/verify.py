"""`invmag verify`: simulate the top candidates of a design, compare with the prediction."""

from pathlib import Path

import numpy as np
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import ANCHORS
from .app import app
from .common import (CONFIG_HELP, DEVICE_HELP, RUN_HELP, console, resolve_device, resolve_run,
                     user_errors)


def verification_table(v, goal) -> Table:
    """Per candidate: predicted, simulated and their difference per anchor, and the hit."""
    marked = {*goal.targets, *goal.lower, *goal.upper}
    table = Table(title="Predicted vs simulated (* = targeted anchor)")
    table.add_column("#", justify="right")
    table.add_column("")
    for a in ANCHORS:
        table.add_column(a + ("*" if a in marked else ""), justify="right")
    table.add_column("hit")
    for i, r in enumerate(v.rank):
        hit = "–" if v.hit is None else ("[green]yes[/]" if v.hit[i] else "[red]no[/]")
        note = "" if v.good[i] else "[yellow]!"
        rows = (("pred", v.predicted[i], hit), ("sim" + note, v.simulated[i], ""),
                ("err", v.simulated[i] - v.predicted[i], ""))
        for j, (kind, values, last) in enumerate(rows):
            table.add_row(str(r) if j == 0 else "", kind, *[f"{x:+.3f}" if kind == "err" else
                                                           f"{x:.3f}" for x in values], last,
                          end_section=j == 2)
    errors = np.abs(v.simulated - v.predicted)[v.good]
    mae = errors.mean(0) if len(errors) else np.full(len(ANCHORS), np.nan)
    table.add_row("", "MAE", *[f"{x:.3f}" for x in mae], "")  # over good curves
    return table


def merit_verification_table(v) -> Table:
    """Per candidate: predicted and simulated figures of merit (N = 0)."""
    from ..physics.merit import FIGURES, UNITS

    table = Table(title="Figures of merit, predicted vs simulated (N = 0)")
    for name in ["#", ""] + [f"{f}\n{UNITS[f]}" for f in FIGURES]:
        table.add_column(name, justify="right")
    for i, r in enumerate(v.rank):
        for j, (kind, values) in enumerate((("pred", v.merit_predicted[i]),
                                            ("sim", v.merit_simulated[i]))):
            table.add_row(str(r) if j == 0 else "", kind, *[f"{x:.4g}" for x in values],
                          end_section=j == 1)
    return table


def report(v, goal, paths):
    """Tables, hit rate, where the files went."""
    console.print(verification_table(v, goal))
    console.print(merit_verification_table(v))
    if v.hit is None:
        console.print("no target or bound: no hit rate (maximize/minimize only)")
    else:
        console.print(f"hit rate: {int(v.hit.sum())}/{len(v.hit)} = {100 * v.hit_rate:.0f}% "
                      f"(simulated {goal.summary()} within ±{v.window:g})")
    if not v.good.all():
        console.print(f"[yellow]![/] {int((~v.good).sum())} curve(s) did not converge or miss an "
                      "anchor: never a hit")
    console.print(f"verification → {paths[0]} (+ {paths[1].name}, {len(paths) - 2} PNG)")


@app.command(epilog="Examples: invmag verify · invmag verify --design 2 --top 3")
def verify(
    config: str = typer.Option(None, help=CONFIG_HELP),
    run: Path = typer.Option(None, help=RUN_HELP),
    design: str = typer.Option(None, help="Design id, e.g. 1 or 001 (default: the latest)."),
    top: int = typer.Option(None, help="Number of top-ranked designs to simulate (default: "
                                       "all of the design's)."),
    window: float = typer.Option(None, help="Hit window on targets and bounds (Ms, H_A; "
                                               "default: the design's)."),
    device: str = typer.Option(None, help=DEVICE_HELP),
):
    """Simulate the designs of a design folder again; compare predicted with simulated anchors.

    The structures run with the run's solver settings, exactly as labels are made."""
    from ..design.loop import verify_design
    from ..design.store import find_design, read_design

    with user_errors():
        cfg, run = resolve_run(config, run)
        dev = resolve_device(device, cfg)
        d = read_design(find_design(run, design))
        k = len(d.z) if top is None else min(top, len(d.z))
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn("{task.completed:.0f}/{task.total:.0f} field steps"),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task(f"simulating {k} design{'s' * (k > 1)} of {d.id}",
                                total=k * len(cfg.solver.fields()))
            v, paths = verify_design(run, d.id, top, window, dev,
                                     lambda n: bar.advance(task, n))
        report(v, d.goal, paths)
