"""`invmag optimize`: design grain structures for target anchors (invmag.design.design)."""

import inspect
from pathlib import Path
import time

import numpy as np

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import ANCHORS
from ..design.optimize import CONSISTENCY, DISTINCT, DIVERSITY, HIT_WINDOW, POOL, PRIOR_QUANTILE
from ..design.polish import PolishSettings
from .app import app
from .common import (CONFIG_HELP, DEVICE_HELP, RUN_HELP, UNITS_HELP, console, resolve_device,
                     resolve_run, user_errors)

BOUNDS = {"target": "Target {a} ({u}; {si} with --units si).",
          "min": "Constraint: {a} ≥ this ({u}).", "max": "Constraint: {a} ≤ this ({u})."}


def anchor_options(command):
    """Give a command the options --target-X, --min-X, --max-X for each anchor or figure of
    merit X; they arrive in its **anchor_values as target_X, min_X, max_X (None when not
    given)."""
    from ..design.targets import QUANTITIES, UNITS

    si = {**{a: f"µ0·{'M' if UNITS[a] == 'Ms' else 'H'} in T" for a in ANCHORS},
          "bhmax": "kJ/m³", "squareness": "the same"}
    extra = [inspect.Parameter(
        f"{kind}_{a}", inspect.Parameter.KEYWORD_ONLY, annotation=float,
        default=typer.Option(None, help=text.format(a=a, u=UNITS[a], si=si[a]),
                             rich_help_panel="Targets"))
        for kind, text in BOUNDS.items() for a in QUANTITIES]
    own = [p for p in inspect.signature(command).parameters.values()
           if p.kind is not inspect.Parameter.VAR_KEYWORD]
    command.__signature__ = inspect.Signature(own + extra)
    return command


def design_table(design, targeted, hits) -> Table:
    """Per design: where it came from (a data file and row, or new), simulations used, hit
    (hits (K,) or None), simulated anchors (targeted ones marked *), and the largest
    |simulated − predicted| over the targeted anchors."""
    table = Table(title=f"Design {design.id}: {design.goal.summary()}")
    table.add_column("#", justify="right")
    table.add_column("from", no_wrap=True)
    table.add_column("sims", justify="right")
    table.add_column("hit")
    for a in ANCHORS:
        table.add_column(a + ("*" if a in targeted else ""), justify="right")
    table.add_column("|sim−pred|", justify="right")
    idx = [ANCHORS.index(a) for a in targeted] or list(range(len(ANCHORS)))
    for i in range(len(design.z)):
        hit = "–" if hits is None else ("[green]yes[/]" if hits[i] else "[red]no[/]")
        miss = abs(design.simulated[i, idx] - design.predicted[i, idx]).max()
        source = (f"{design.source[i]}:{design.row[i]}" if design.row[i] >= 0
                  else f"new ({design.source[i]})")
        table.add_row(str(i + 1), source, str(design.simulations[i]), hit,
                      *[f"{x:.3f}" for x in design.simulated[i]], f"{miss:.3f}")
    return table


def merit_columns(design, material, top: int = 3) -> dict:
    """Figures of merit (N = 0) of the top designs on the curve through their simulated
    anchors ('#k'), with the surrogate's prediction beside each ('#k pred')."""
    from ..physics.merit import predicted_figures

    k = min(top, len(design.phi))
    sim, pred = (predicted_figures(v[:k], material) for v in (design.simulated,
                                                                design.predicted))
    columns = {}
    for i in range(k):
        if np.isfinite(design.simulated[i]).all():
            columns[f"#{i + 1}"] = sim[i]
        columns[f"#{i + 1} pred"] = pred[i]
    return columns


def report(design, seconds: float, material):
    """Tables (simulated anchors; figures of merit, simulated beside predicted, N = 0), hit
    count or an honest miss, first-shot error, where the files went."""
    from .tables import merit_table

    goal, tol = design.goal, design.meta["window"]
    targeted = [a for a in ANCHORS if a in {*goal.targets, *goal.lower, *goal.upper}]
    hits = goal.hits(design.simulated, tol)
    console.print(design_table(design, targeted, hits))
    console.print(merit_table(merit_columns(design, material),
                              "Figures of merit, N = 0: #k on the curve through its simulated "
                              "anchors, #k pred through the surrogate's"))
    if design.meta.get("from_data"):
        console.print(f"{design.meta['from_data']} design(s) from the run's data: simulated "
                      "structures that already meet the goal (no new simulation); "
                      "--no-data for new structures only")
    if hits is not None and hits.any():
        console.print(f"[green]{int(hits.sum())} of {len(hits)} designs simulate within ±{tol:g} "
                      f"of {goal.summary()}[/]")
    elif hits is not None:
        gap = (np.max([abs(goal.column(design.simulated, a) - t)
                       for a, t in goal.targets.items()], 0) if goal.targets else
               goal.constraints(design.simulated).max(1))
        best = int(np.nanargmin(gap)) if np.isfinite(gap).any() else 0
        console.print(f"[red]not met:[/] no design simulates within ±{tol:g} of "
                      f"{goal.summary()}; the closest (#{best + 1}) is {gap[best]:.3f} away. "
                      "The target may lie outside what these grain structures reach.")
    shown = [i for i, a in enumerate(ANCHORS) if a in targeted or not targeted]
    for source, err in design.meta.get("first_shot_by_source", {}).items():
        console.print(f"surrogate's first shot on the {source} starts (before any simulation "
                      "picked or polished a design): mean |simulated − predicted| "
                      + ", ".join(f"{ANCHORS[i]} {err[i]:.3f}" for i in shown))
    console.print(f"design → {design.path} ({seconds:.0f} s, {design.meta['simulations']} "
                  f"simulations, {design.meta['learned']} added to verified.h5)")


@app.command(epilog="Examples: invmag optimize --target-hc 0.3 · invmag optimize --target-hc 0.3 "
                     "--target-mr 0.6 --min-hk90 0.1 · invmag optimize --maximize hc --maximize mr")
@anchor_options
def optimize(
    config: str = typer.Option(None, help=CONFIG_HELP),
    run: Path = typer.Option(None, help=RUN_HELP),
    units: str = typer.Option("reduced", help=UNITS_HELP),
    weight: list[str] = typer.Option([], help="Weight of a target, e.g. --weight hc=2 "
                                              "(default 1).", rich_help_panel="Targets"),
    maximize: list[str] = typer.Option([], help="Anchor or bhmax/squareness to maximize "
                                                "(repeatable; >1 objective runs NSGA-II).",
                                       rich_help_panel="Targets"),
    minimize: list[str] = typer.Option([], help="Anchor or bhmax/squareness to minimize "
                                                "(repeatable).",
                                       rich_help_panel="Targets"),
    top: int = typer.Option(5, help="Designs returned (distinct grain structures)."),
    window: float = typer.Option(HIT_WINDOW, help="Hit window on targets and bounds "
                                                        "(Ms, H_A)."),
    simulations: int = typer.Option(
        PolishSettings.simulations, help="Simulations per design to polish it onto the "
                                         "targets (0: return the surrogate's designs as they are).",
        rich_help_panel="Simulation"),
    learn: int = typer.Option(0, help="Then train the regressor this many epochs further on "
                                      "the labels and every simulated design (kept in the run).",
                              rich_help_panel="Simulation"),
    algorithm: str = typer.Option(None, help="ga, de, pso or nsga2 (default: the config's; "
                                             "nsga2 for several objectives).",
                                  rich_help_panel="Latent search"),
    population: int = typer.Option(None, help="Population size (default: the config's).",
                                   rich_help_panel="Latent search"),
    generations: int = typer.Option(None, help="Generations (default: the config's).",
                                    rich_help_panel="Latent search"),
    seed: int = typer.Option(None, help="Search seed (default: the config's seed).",
                             rich_help_panel="Latent search"),
    diversity: float = typer.Option(
        DIVERSITY, help="Codes closer than this × sqrt(2L) to a better one rank after the "
                        "distinct ones (0: off).", rich_help_panel="Latent search"),
    distinct: float = typer.Option(
        DISTINCT, help="Designs whose mean |Δkx| to a better one is below this are copies and "
                       "skipped.", rich_help_panel="Latent search"),
    prior_quantile: float = typer.Option(
        PRIOR_QUANTILE, help="Keep codes inside this quantile of the VAE prior: "
                             "|z|² ≤ χ²_L(q).", rich_help_panel="Latent search"),
    consistency: float = typer.Option(
        CONSISTENCY, help="Tolerance (Ms, H_A) between predict(z) and "
                          "predict(encode(decode(z))).", rich_help_panel="Latent search"),
    project: bool = typer.Option(True, "--project/--no-project",
                                 help="Evaluate each code at encode(decode(code)), the code of "
                                      "its decoded structure.", rich_help_panel="Latent search"),
    drop_inconsistent: bool = typer.Option(False, "--drop-inconsistent",
                                           help="Drop inconsistent candidates (else ranked last).",
                                           rich_help_panel="Latent search"),
    data: bool = typer.Option(True, "--data/--no-data",
                              help="Return the run's simulated structures (labels.h5, "
                                   "verified.h5) that already meet the goal, and start from "
                                   "the nearest others."),
    pool: int = typer.Option(POOL, help="Generator structures drawn and ranked by the surrogate "
                                        "for screening (0: none)."),
    assist: bool = typer.Option(True, "--assist/--no-assist",
                                help="Let the surrogate pick which children the polish "
                                     "simulates.", rich_help_panel="Simulation"),
    device: str = typer.Option(None, help=DEVICE_HELP),
    **anchor_values,
):
    """Design grain structures with target anchors: the run's simulated structures that meet
    the goal first, then starts from a pool of generator structures ranked by the surrogate and
    from the latent search, each polished by simulation until it meets the goal.

    Reduced units: m1, mr in Ms; hk90, hk80, hk70, hc in H_A; bhmax in µ0·Ms²/4; squareness
    Hk/HcJ. E.g. --target-hc 0.3 --min-mr 0.7, --maximize bhmax --min-squareness 0.8, or a
    Pareto front with --maximize hc --maximize mr."""
    from ..design.loop import design
    from ..design.optimize import Settings
    from ..design.targets import QUANTITIES, parse_goal

    with user_errors():
        cfg, run = resolve_run(config, run)
        goal = parse_goal(*({a: anchor_values[f"{kind}_{a}"] for a in QUANTITIES}
                            for kind in BOUNDS),
                          weight, maximize, minimize, units, cfg.material)
        if learn < 0:
            raise ValueError(f"--learn must be ≥ 0, got {learn}")
        if learn and not simulations:
            raise ValueError("--learn trains on the simulated designs: give --simulations > 0")
        settings = Settings.from_config(
            cfg, goal, simulations, algorithm=algorithm, population=population,
            generations=generations, seed=seed, prior_quantile=prior_quantile,
            consistency=consistency, diversity=diversity, project=project,
            drop_inconsistent=drop_inconsistent, top=top, distinct=distinct, window=window,
            starts=tuple(s for s, on in (("data", data), ("pool", pool > 0), ("search", True))
                         if on), pool=pool, assist=assist)
        settings.check()
        dev = resolve_device(device, cfg)
        started = time.perf_counter()
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn("{task.completed:.0f}/{task.total:.0f}"),
                      TextColumn("{task.fields[note]}"), TimeElapsedColumn(), console=console,
                      transient=True) as bar:
            search = bar.add_task(f"{settings.algorithm} search", total=settings.generations,
                                  note="generations")
            budget = top * (simulations + PolishSettings.screen - 1)
            sims = bar.add_task("simulating designs", total=budget, note="curves",
                                visible=False)
            fit = bar.add_task("learning", total=learn, note="epochs", visible=False)

            def searched(generation, best):
                bar.update(search, completed=generation)

            def simulated(n):
                bar.update(sims, advance=n, visible=True)

            def trained(epoch, epochs, loss):
                bar.update(fit, completed=epoch, visible=True, note=f"epochs, loss {loss:.4g}")

            def warn(text):
                console.print(f"[yellow]warning:[/] {text}")

            result = design(run, goal, settings, dev, learn, searched, simulated, trained, warn)
        report(result, time.perf_counter() - started, cfg.material)
