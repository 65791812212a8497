"""`invmag optimize`: pymoo search of the latent space for target anchors (and the closed loop)."""

from dataclasses import replace
import inspect
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import ANCHORS
from ..design.optimize import CONSISTENCY_TOLERANCE, DIVERSITY, PRIOR_QUANTILE
from ..design.verify import HIT_TOLERANCE
from .app import app
from .common import console, resolve_device, user_errors
from .verify import resolve_run, run_verification

BOUNDS = {"target": "Target {a} ({u}; µ0·{q} in T with --units si).",
          "min": "Constraint: {a} ≥ this ({u}).", "max": "Constraint: {a} ≤ this ({u})."}


def anchor_options(command):
    """Give a command the options --target-X, --min-X, --max-X for each anchor X; they arrive
    in its **anchor_values as target_X, min_X, max_X (None when not given)."""
    from ..physics.anchors import UNITS

    extra = [inspect.Parameter(
        f"{kind}_{a}", inspect.Parameter.KEYWORD_ONLY, annotation=float,
        default=typer.Option(None, help=text.format(a=a, u=UNITS[a], q="M" if UNITS[a] == "Ms"
                                                    else "H"), rich_help_panel="Targets"))
        for kind, text in BOUNDS.items() for a in ANCHORS]
    own = [p for p in inspect.signature(command).parameters.values()
           if p.kind is not inspect.Parameter.VAR_KEYWORD]
    command.__signature__ = inspect.Signature(own + extra)
    return command


def candidate_table(design, rows: int = 10) -> Table:
    """The top candidates: objectives, consistency, predicted anchors."""
    names = design.goal.objective_names
    table = Table(title=f"Design {design.id}: {design.goal.summary()} "
                        f"({len(design.z)} candidates)")
    for name in ["#", *names, "Δ roundtrip", *ANCHORS]:
        table.add_column(name, justify="right")
    for i in range(min(rows, len(design.z))):
        sign = [-1 if n.startswith("max ") else 1 for n in names]
        objectives = [f"{s * f:.4g}" for s, f in zip(sign, design.objectives[i])]
        dev = f"{design.deviation[i]:.3f}" + ("" if design.consistent[i] else " [red]✗[/]")
        rank = f"{i + 1}" + ("" if design.cv[i] <= 0 else " [yellow]infeasible[/]")
        table.add_row(rank, *objectives, dev, *[f"{x:.4f}" for x in design.predicted[i]])
    return table


def run_design(surrogate, goal, settings, run):
    """One search with a progress bar per generation; writes the design folder and its
    figures, prints the table; returns the Design."""
    from ..design.optimize import optimize
    from ..design.plots import candidates_figure, convergence_figure, pareto_figure
    from ..design.store import new_design_dir, write_design
    from ..plots import plt

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("gen {task.completed:.0f}/{task.total:.0f}"),
                  TextColumn("{task.fields[best]}"), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task(f"{settings.algorithm} search", total=settings.generations, best="")

        def progress(generation, best):
            text = " ".join(f"{n}={-b if n.startswith('max') else b:.4g}"
                            for n, b in zip(goal.objective_names, best))
            bar.update(task, completed=generation, best=text)

        design = optimize(surrogate, goal, settings, progress)
    if not len(design.z):
        raise ValueError("no candidate passed the consistency check: relax --consistency or "
                         "leave out --drop-inconsistent")
    folder = new_design_dir(run)
    write_design(folder, design)
    figures = {"candidates.png": candidates_figure(design), "convergence.png":
               convergence_figure(design)}
    if goal.multi:
        figures["pareto.png"] = pareto_figure(design)
    for name, fig in figures.items():
        fig.savefig(folder / name, dpi=110)
        plt.close(fig)
    console.print(candidate_table(design))
    n_bad = int((~design.consistent).sum())
    if n_bad:
        console.print(f"[yellow]warning:[/] {n_bad} candidate(s) inconsistent: their decoded "
                      f"structure predicts more than {settings.tolerance:g} away from their code "
                      "(ranked last)")
    console.print(f"design → {folder} ({design.meta['seconds']:.1f} s; design.h5, "
                  f"candidates.csv, {', '.join(figures)})")
    return design


@app.command()
@anchor_options
def optimize(
    config: str = typer.Option(None, help="Config name or TOML (default: the run's config)."),
    run: Path = typer.Option(None, help="Run directory (default: runs/<config name>)."),
    units: str = typer.Option("reduced", help="Units of targets and bounds: 'reduced' (Ms, "
                                              "H_A) or 'si' (µ0·M, µ0·H in tesla)."),
    weight: list[str] = typer.Option([], help="Weight of a target, e.g. --weight hc=2 "
                                              "(default 1).", rich_help_panel="Targets"),
    maximize: list[str] = typer.Option([], help="Anchor to maximize (repeatable; more than "
                                                "one objective runs NSGA-II).",
                                       rich_help_panel="Targets"),
    minimize: list[str] = typer.Option([], help="Anchor to minimize (repeatable).",
                                       rich_help_panel="Targets"),
    algorithm: str = typer.Option(None, help="ga, de, pso or nsga2 (default: the config's; "
                                             "nsga2 for several objectives)."),
    population: int = typer.Option(None, help="Population size (default: the config's)."),
    generations: int = typer.Option(None, help="Generations (default: the config's)."),
    seed: int = typer.Option(None, help="Search seed (default: the config's seed)."),
    keep: int = typer.Option(16, help="Candidates stored in the design."),
    diversity: float = typer.Option(
        DIVERSITY, help="Codes closer than this × sqrt(2L) to a better one rank after the "
                        "distinct ones (0: off)."),
    prior_quantile: float = typer.Option(
        PRIOR_QUANTILE, help="Keep codes inside this quantile of the VAE prior: "
                             "|z|² ≤ χ²_L(q)."),
    consistency: float = typer.Option(
        CONSISTENCY_TOLERANCE, help="Tolerance (Ms, H_A) between predict(z) and "
                                    "predict(encode(decode(z)))."),
    project: bool = typer.Option(True, "--project/--no-project",
                                 help="Evaluate each code at encode(decode(code)), the code of "
                                      "its decoded structure."),
    drop_inconsistent: bool = typer.Option(False, "--drop-inconsistent",
                                           help="Drop inconsistent candidates (else ranked last)."),
    refine: int = typer.Option(0, help="Closed loop: rounds of optimize → verify → add to the "
                                       "labels → retrain.", rich_help_panel="Closed loop"),
    top: int = typer.Option(5, help="Candidates verified per round.",
                            rich_help_panel="Closed loop"),
    grains: bool = typer.Option(False, "--grains", help="Sharpen into grains before simulating.",
                                rich_help_panel="Closed loop"),
    tolerance: float = typer.Option(HIT_TOLERANCE, help="Hit tolerance (Ms, H_A).",
                                    rich_help_panel="Closed loop"),
    epochs: int = typer.Option(100, help="Regressor epochs per round.",
                               rich_help_panel="Closed loop"),
    device: str = typer.Option(None, help="torch device of model and solver (default: the "
                                          "config's)."),
    **anchor_values,
):
    """Search the latent space with pymoo for structures with target anchors.

    Reduced units: m1, mr in Ms; hk90, hk80, hk70, hc in H_A. E.g. --target-hc 0.3 --min-mr 0.7,
    or a Pareto front with --maximize hc --maximize mr."""
    from ..design.optimize import Settings
    from ..design.refine import add_verified, retrain
    from ..design.search import ALGORITHMS
    from ..design.targets import extrapolation, parse_goal
    from ..models.surrogate import load_surrogate

    with user_errors():
        cfg, run = resolve_run(config, run)
        goal = parse_goal(*({a: anchor_values[f"{kind}_{a}"] for a in ANCHORS} for kind in BOUNDS),
                          weight, maximize, minimize, units, cfg.material)
        if algorithm is not None and algorithm not in ALGORITHMS:
            raise ValueError(f"--algorithm must be one of {', '.join(ALGORITHMS)}, got "
                             f"{algorithm!r}")
        d = cfg.design
        settings = Settings(
            algorithm=algorithm or ("nsga2" if goal.multi else d.algorithm),
            population=d.population if population is None else population,
            generations=d.generations if generations is None else generations,
            seed=cfg.seed if seed is None else seed, bound=d.latent_bound,
            prior_quantile=prior_quantile, tolerance=consistency, keep=keep, diversity=diversity,
            project=project,
            drop_inconsistent=drop_inconsistent)
        settings.check()
        if refine < 0 or (refine and (top < 1 or epochs < 1)):
            raise ValueError("--refine must be ≥ 0, and --top and --epochs ≥ 1")
        dev = resolve_device(device or cfg.solver_device)
        surrogate = load_surrogate(run, cfg, dev)
        for warning in extrapolation(goal, surrogate.label_min, surrogate.label_max):
            console.print(f"[yellow]warning:[/] {warning}")
        cfg = replace(cfg, solver_device=str(dev))
        rounds = []
        for r in range(max(refine, 1)):
            if refine:
                console.rule(f"round {r + 1}/{refine}")
            design = run_design(surrogate, goal, replace(settings, seed=settings.seed + r), run)
            if not refine:
                break
            v = run_verification(cfg, design, top, grains, tolerance)
            added = add_verified(run, cfg, v)
            losses = retrain(surrogate, run, epochs, settings.seed + r)
            rounds.append((design.id, v.hit_rate, added, losses[-1]))
            console.print(f"round {r + 1}: +{added} labelled structures, regressor retrained "
                          f"({epochs} epochs, loss {losses[-1]:.4g})")
        if rounds:
            table = Table(title=f"Closed loop: {goal.summary()} (hit tolerance ±{tolerance:g})")
            for name in ("round", "design", "hit rate", "added", "final loss"):
                table.add_column(name, justify="right")
            for i, (design_id, rate, added, loss) in enumerate(rounds):
                table.add_row(str(i + 1), design_id,
                              "–" if rate is None else f"{100 * rate:.0f}%", str(added),
                              f"{loss:.4g}")
            console.print(table)
