"""`invmag optimize`: design grain structures for target anchors (invmag.design.design)."""

import inspect
from pathlib import Path
import time

import typer
from rich.table import Table

from .. import ANCHORS
from ..api import (CONSISTENCY, DISTINCT, DIVERSITY, FIGURES, HIT_WINDOW, POOL, PRIOR_QUANTILE,
                   QUANTITIES, T_ROOM, UNITS, PolishSettings, design_figures, nearest_miss,
                   optimize, resolve_run, targeted, thermal_hcj)
from .common import CONFIG_HELP, DEVICE_HELP, RUN_HELP, UNITS_HELP, console, user_errors, warn
from .tables import merit_table

EPILOG = ("Examples: invmag optimize --target-hc 0.3 · invmag optimize --target-hc 0.3 "
          "--target-mr 0.6 --min-hk90 0.1 · invmag optimize --maximize hc --maximize mr")

BOUNDS = {"target": "Target {a} ({u}; {si} with --units si).",
          "min": "Constraint: {a} ≥ this ({u}).", "max": "Constraint: {a} ≤ this ({u})."}


def anchor_options(command):
    """Give a command the options --target-X, --min-X, --max-X for each anchor or figure of
    merit X; they arrive in its **anchor_values as target_X, min_X, max_X (None when not
    given)."""
    si = {**{a: f"µ0·{'M' if UNITS[a] == 'Ms' else 'H'} in T" for a in ANCHORS},
          "bhmax": "kJ/m³", "squareness": "the same", "hc_th": "µ0·H in T"}
    extra = [inspect.Parameter(
        f"{kind}_{a}", inspect.Parameter.KEYWORD_ONLY, annotation=float,
        default=typer.Option(None, help=text.format(a=a, u=UNITS[a], si=si[a]),
                             rich_help_panel="Targets"))
        for kind, text in BOUNDS.items() for a in QUANTITIES]
    own = [p for p in inspect.signature(command).parameters.values()
           if p.kind is not inspect.Parameter.VAR_KEYWORD]
    command.__signature__ = inspect.Signature(own + extra)
    return command


def design_table(design, hits) -> Table:
    """Per design: where it came from (a data file and row, or new), simulations used, hit
    (hits (K,) or None), the largest |simulated − predicted| over the targeted anchors and, for
    a real magnet, its boundary phase (thickness, Js at 300 K); the title gives T."""
    boundary = design.samples.boundary is not None
    at = f" at {design.temperature:g} K" if design.temperature != T_ROOM or boundary else ""
    table = Table(title=f"Design {design.id}: {design.goal.summary()}{at}")
    names = ("#", "from", "sims", "hit", "|sim−pred|") + (("boundary",) if boundary else ())
    for name in names:
        table.add_column(name, justify="left" if name in ("from", "hit", "boundary")
                         else "right", no_wrap=True)
    idx = [ANCHORS.index(a) for a in targeted(design.goal)] or list(range(len(ANCHORS)))
    for i in range(len(design.z)):
        hit = "–" if hits is None else ("[green]yes[/]" if hits[i] else "[red]no[/]")
        miss = abs(design.simulated[i, idx] - design.predicted[i, idx]).max()
        source = (f"{design.source[i]}:{design.row[i]}" if design.row[i] >= 0
                  else f"new ({design.source[i]})")
        t, js, _ = design.samples.phase[i]
        phase = (f"{t:g} nm, {js:.2f} T" if t > 0 else "none",) if boundary else ()
        table.add_row(str(i + 1), source, str(design.simulations[i]), hit, f"{miss:.3f}", *phase)
    return table


def anchors_table(design) -> Table:
    """Per design: the simulated anchors (Ms, H_A; targeted ones marked *)."""
    marked = targeted(design.goal)
    table = Table(title="Simulated anchors (Ms, H_A; * = in the goal)")
    table.add_column("#", justify="right")
    for a in ANCHORS:
        table.add_column(a + ("*" if a in marked else ""), justify="right", no_wrap=True)
    for i, values in enumerate(design.simulated):
        table.add_row(str(i + 1), *[f"{x:.3f}" for x in values])
    return table


def design_report(design, seconds: float, cfg):
    """Tables (designs; simulated anchors; figures of merit, simulated beside predicted,
    N = 0, in SI of cfg's material at the design's temperature, the thermally activated HcJ
    beside where cfg has a [thermal] section), hit count or an honest miss, first-shot error, where
    the files went."""
    goal, tol = design.goal, design.meta["window"]
    hits = goal.hits(design.simulated, tol)
    console.print(design_table(design, hits))
    console.print(anchors_table(design))
    merits = design_figures(design, cfg.material)
    hcj = [f[FIGURES.index("HcJ")] for f in merits.values()]
    console.print(merit_table(merits, "Figures of merit, N = 0: #k on the curve through its "
                              "simulated anchors, #k pred through the surrogate's",
                              thermal_hcj(cfg, hcj, design.temperature)))
    if design.meta.get("from_data"):
        console.print(f"{design.meta['from_data']} design(s) from the run's data: simulated "
                      "structures that already meet the goal (no new simulation); "
                      "--no-data for new structures only")
    if hits is not None and hits.any():
        console.print(f"[green]{int(hits.sum())} of {len(hits)} designs simulate within ±{tol:g} "
                      f"of {goal.summary()}[/]")
    elif hits is not None:
        best, gap = nearest_miss(design)
        console.print(f"[red]not met:[/] no design simulates within ±{tol:g} of "
                      f"{goal.summary()}; the closest (#{best + 1}) is {gap:.3f} away. "
                      "The target may lie outside what these grain structures reach.")
    shown = [i for i, a in enumerate(ANCHORS) if a in targeted(goal) or not targeted(goal)]
    for source, err in design.meta.get("first_shot_by_source", {}).items():
        console.print(f"surrogate's first shot on the {source} starts (before any simulation "
                      "picked or polished a design): mean |simulated − predicted| "
                      + ", ".join(f"{ANCHORS[i]} {err[i]:.3f}" for i in shown))
    console.print(f"design → {design.path} ({seconds:.0f} s, {design.meta['simulations']} "
                  f"simulations, {design.meta['learned']} added to verified.h5)")


@anchor_options
def optimize_command(
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
    temperature: float = typer.Option(
        None, help="Design at this temperature, K (default 300; a real magnet's run: any in "
                   "its trained range, with the boundary phase's thickness and Js designed "
                   "too)."),
    device: str = typer.Option(None, help=DEVICE_HELP),
    **anchor_values,
):
    """Design grain structures with target anchors: the run's simulated structures that meet
    the goal first, then starts from a pool of generator structures ranked by the surrogate and
    from the latent search, each polished by simulation until it meets the goal.

    Reduced units: m1, mr in Ms; hk90, hk80, hk70, hc in H_A; bhmax in µ0·Ms²/4; squareness
    Hk/HcJ. E.g. --target-hc 0.3 --min-mr 0.7, --maximize bhmax --min-squareness 0.8, or a
    Pareto front with --maximize hc --maximize mr."""
    from .progress import stages

    with user_errors():
        cfg, run = resolve_run(config, run, device)
        budget = top * (simulations + PolishSettings.screen - 1)
        bounds = ({a: v for a in QUANTITIES if (v := anchor_values[f"{kind}_{a}"]) is not None}
                  for kind in BOUNDS)
        started = time.perf_counter()
        with stages() as bar:
            result = optimize(
                run, *bounds, maximize, minimize, weight, units, learn=learn, config=cfg,
                progress=lambda generation, best: bar("latent search", generation,
                                                      generations or cfg.design.generations),
                simulated=lambda n: bar("simulations", total=budget, advance=n),
                trained=lambda epoch, epochs, loss: bar("learning", epoch, epochs, loss=loss),
                warn=warn, simulations=simulations, algorithm=algorithm, population=population,
                generations=generations, seed=seed, prior_quantile=prior_quantile,
                consistency=consistency, diversity=diversity, project=project,
                drop_inconsistent=drop_inconsistent, top=top, distinct=distinct, window=window,
                starts=tuple(s for s, on in (("data", data), ("pool", pool > 0),
                                             ("search", True)) if on),
                pool=pool, assist=assist, temperature=temperature)
    design_report(result, time.perf_counter() - started, cfg)
