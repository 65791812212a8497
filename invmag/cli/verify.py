"""`invmag verify`: simulate the top candidates of a design, compare with the prediction."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import ANCHORS
from ..design.verify import HIT_TOLERANCE
from .app import app
from .common import console, resolve_device, user_errors


def resolve_run(config: str | None, run: Path | None):
    """(Config, run dir): --config if given, else the run's config.toml, else the embedded
    quick config; the run defaults to runs/<config name>."""
    from ..data.config import load_config
    from ..data.run import run_config

    cfg = load_config(config) if config else (run_config(run) if run else None)
    cfg = cfg or load_config("quick")
    return cfg, run or Path("runs") / cfg.name


def verification_table(v, goal) -> Table:
    """Per candidate: predicted, simulated and their difference per anchor, and the hit."""
    marked = {*goal.targets, *goal.lower, *goal.upper}
    table = Table(title=f"Predicted vs simulated ({'grains' if v.grains else 'per-cell phi'}; "
                        "* = targeted anchor)")
    table.add_column("#", justify="right")
    table.add_column("")
    for a in ANCHORS:
        table.add_column(a + ("*" if a in marked else ""), justify="right")
    table.add_column("hit")
    for i, r in enumerate(v.rank):
        hit = "–" if v.hit is None else ("[green]yes[/]" if v.hit[i] else "[red]no[/]")
        note = "" if v.good[i] else " [yellow](flagged)[/]"
        rows = (("pred", v.predicted[i], hit), ("sim" + note, v.simulated[i], ""),
                ("err", v.simulated[i] - v.predicted[i], ""))
        for j, (kind, values, last) in enumerate(rows):
            table.add_row(str(r) if j == 0 else "", kind, *[f"{x:+.4f}" if kind == "err" else
                                                           f"{x:.4f}" for x in values], last,
                          end_section=j == 2)
    errors = np.abs(v.simulated - v.predicted)[v.good]
    mae = errors.mean(0) if len(errors) else np.full(len(ANCHORS), np.nan)
    table.add_row("", "MAE", *[f"{x:.4f}" for x in mae], "")  # over unflagged candidates
    return table


def run_verification(cfg, design, top: int, grains: bool, tolerance: float):
    """Simulate, print the table and the hit rate, write the files; returns the Verification."""
    from ..design.verify import verify, write_verification

    k = min(top, len(design.z))
    n_fields = len(cfg.solver.fields())
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.completed:.0f}/{task.total:.0f} field steps"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(f"simulating {k} candidate{'s' * (k > 1)} of design {design.id}",
                            total=k * n_fields)
        v = verify(cfg, design, top, grains, tolerance, progress=lambda n: bar.advance(task, n))
    console.print(verification_table(v, design.goal))
    if v.hit is None:
        console.print("no target or bound: no hit rate (maximize/minimize only)")
    else:
        console.print(f"hit rate: {int(v.hit.sum())}/{len(v.hit)} = {100 * v.hit_rate:.0f}% "
                      f"(simulated {design.goal.summary()} within ±{tolerance:g})")
    paths = write_verification(design.path, v)
    console.print(f"verification → {paths[0]} (+ {paths[1].name}, {len(paths) - 2} PNG)")
    return v


@app.command()
def verify(
    config: str = typer.Option(None, help="Config name or TOML (default: the run's config)."),
    run: Path = typer.Option(None, help="Run directory (default: runs/<config name>)."),
    design: str = typer.Option(None, help="Design id, e.g. 001 (default: the latest)."),
    top: int = typer.Option(5, help="Number of top-ranked candidates to simulate."),
    grains: bool = typer.Option(False, "--grains",
                                help="Sharpen each decoded structure into grains first."),
    tolerance: float = typer.Option(HIT_TOLERANCE, help="Hit tolerance on targets and bounds "
                                                        "(Ms, H_A)."),
    device: str = typer.Option(None, help="Solver device (default: the config's)."),
):
    """Simulate the top candidates of a design; compare predicted with simulated anchors.

    The decoded structures (per-cell easy axes, or sharpened into grains) run with the run's
    solver settings, exactly as labels are made."""
    from ..design.store import find_design, read_design
    with user_errors():
        cfg, run = resolve_run(config, run)
        resolve_device(device or cfg.solver_device)
        cfg = replace(cfg, solver_device=device or cfg.solver_device)
        found = read_design(find_design(run, design))
        run_verification(cfg, found, top, grains, tolerance)
