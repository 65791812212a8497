"""`invmag recipe`: grain size and texture for a goal on the statistics of the realizations."""

from pathlib import Path
import time

import numpy as np
import typer
from rich.table import Table

from .. import ANCHORS
from ..api import QUANTIFIED, QUANTITIES, RecipeSettings, recipe, resolve_run, temperature_label
from .common import CONFIG_HELP, DEVICE_HELP, RUN_HELP, UNITS_HELP, console, user_errors, warn
from .optimize import BOUNDS, anchor_options
from .tables import tesla_table

EPILOG = ("Examples: invmag recipe --target-hc 0.4 · invmag recipe --min-hc 0.35 --min-mr 0.85 "
          "--yield 0.9 · invmag recipe --target-hc 0.4 --theta 0 30 · invmag recipe --run "
          "runs/magnet --units si --min-hc 1.2 --temperature 423")

RANGES = "Recipe box"


def recipes_table(r) -> Table:
    """Per recipe and temperature: mean grain diameter, density, θ, the boundary phase, yield,
    and mean, std and quantiles of each anchor over the realizations."""
    marked = r.goal.named
    calibrated = (f", the surrogate's level set by {r.meta['calibrate']} simulated"
                  if r.meta.get("calibrate") else "")
    table = Table(title=f"Recipes {r.id}: {r.goal.summary()} at "
                        f"{temperature_label(r.temperatures)} (predicted over {r.meta['realizations']} realizations each"
                        f"{calibrated}; * = in the goal)")
    table.add_column("recipe")
    table.add_column("")
    for a in ANCHORS:
        table.add_column(a + ("*" if a in marked else ""), justify="right")
    for i, (p, at) in enumerate(zip(r.recipes, r.stats)):
        boundary = ([f"gb {p.thickness:g} nm", f"gb {p.boundary_js:.2f} T"] if p.thickness
                    else ["no gb"] if r.ranges.thickness is not None else [])
        shown_T = len(r.temperatures) > 1 or r.ranges.thickness is not None
        for T, s in zip(r.temperatures, at):
            about = [f"{T:.0f} K"] if shown_T else []
            about += [f"#{i + 1}", f"d {p.diameter:.1f} nm", f"{p.density:.0f} /µm²",
                      f"θ {np.degrees(p.theta):.1f}°", *boundary]
            if s.yield_ is not None:
                about.append(f"yield {100 * s.yield_:.0f}%")
            rows = max(len(QUANTIFIED), len(about))
            names = list(QUANTIFIED.items()) + [("", None)] * (rows - len(QUANTIFIED))
            for j, (name, get) in enumerate(names):
                table.add_row(about[j] if j < len(about) else "", name,
                              *([f"{x:.3f}" for x in get(s)] if get else [""] * 6),
                              end_section=j == rows - 1)
    return table


@anchor_options
def recipe_command(
    config: str = typer.Option(None, help=CONFIG_HELP),
    run: Path = typer.Option(None, help=RUN_HELP),
    units: str = typer.Option("reduced", help=UNITS_HELP),
    weight: list[str] = typer.Option([], help="Weight of a target, e.g. --weight hc=2.",
                                     rich_help_panel="Targets"),
    maximize: list[str] = typer.Option([], help="Anchor whose mean to maximize (repeatable; "
                                                ">1 objective runs NSGA-II).",
                                       rich_help_panel="Targets"),
    minimize: list[str] = typer.Option([], help="Anchor whose mean to minimize (repeatable).",
                                       rich_help_panel="Targets"),
    yield_: float = typer.Option(None, "--yield", help="Share of the realizations that must "
                                                       "meet every bound (default 0.9).",
                                 rich_help_panel="Targets"),
    max_std: list[str] = typer.Option([], help="Spread bound, e.g. --max-std hc=0.03: the "
                                               "standard deviation over the realizations "
                                               "(Ms, H_A; repeatable).",
                                      rich_help_panel="Targets"),
    density: tuple[float, float] = typer.Option(
        None, help="Grain density range, grains/µm² (default: the generator's).",
        rich_help_panel=RANGES),
    diameter: tuple[float, float] = typer.Option(
        None, help="Or the mean grain diameter range, nm.", rich_help_panel=RANGES),
    theta: tuple[float, float] = typer.Option(
        None, help="Maximum misorientation range, degrees (default: the generator's).",
        rich_help_panel=RANGES),
    thickness: tuple[float, float] = typer.Option(
        None, help="Grain-boundary phase thickness range, nm, multiples of the cell (default: "
                   "the generator's; real-magnet runs).", rich_help_panel=RANGES),
    boundary_js: tuple[float, float] = typer.Option(
        None, help="Grain-boundary phase Js range at 300 K, T (default: the generator's).",
        rich_help_panel=RANGES),
    temperature: str = typer.Option(
        None, help="Temperature the goal must hold at, K: 423, or a range 300:423 (checked at "
                   "its ends; lo:hi:count at count points) at every temperature of which it "
                   "must hold. SI goals refer to the material there (default: 300 K).",
        rich_help_panel="Targets"),
    realizations: int = typer.Option(RecipeSettings.realizations,
                                     help="Realizations per recipe (common random numbers)."),
    top: int = typer.Option(RecipeSettings.top, help="Distinct recipes returned."),
    calibrate: int = typer.Option(
        RecipeSettings.calibrate, help="Realizations of each recipe returned simulated at each "
                                       "temperature to correct the surrogate's mean error on "
                                       "them (0: predictions alone)."),
    population: int = typer.Option(RecipeSettings.population, help="Search population."),
    generations: int = typer.Option(RecipeSettings.generations, help="Search generations."),
    seed: int = typer.Option(None, help="Seed of the search and its realizations (default: the "
                                        "config's seed)."),
    device: str = typer.Option(None, help=DEVICE_HELP),
    **anchor_values,
):
    """Recipes a magnet maker can follow: grain size and texture (maximum misorientation of the
    easy axes) whose realizations meet a goal, predicted by the surrogate.

    Targets apply to the mean over realizations, bounds must hold in --yield of them. Writes
    recipes/<id>/ (recipe.json, recipes.csv, recipe.png, map.png); `invmag verify` then
    simulates fresh realizations."""
    from .progress import stages

    with user_errors():
        cfg, run = resolve_run(config, run, device)
        spreads = {}
        for item in max_std:
            name, _, value = item.partition("=")
            try:
                spreads[name.strip()] = float(value)
            except ValueError:
                raise ValueError(f"--max-std {item!r}: expected ANCHOR=NUMBER, e.g. hc=0.03") \
                    from None
        bounds = ({a: v for a in QUANTITIES if (v := anchor_values[f"{kind}_{a}"]) is not None}
                  for kind in BOUNDS)
        started = time.perf_counter()
        stage = {"search": "recipe search", "calibration": "calibration", "map": "recipe map"}
        with stages() as bar:
            r = recipe(run, *bounds, maximize, minimize, weight, units, yield_, spreads,
                       density, diameter, None if theta is None else tuple(np.radians(theta)),
                       thickness=thickness, boundary_js=boundary_js, temperature=temperature,
                       progress=lambda kind, done, total: bar(stage[kind], done, total),
                       warn=warn, config=cfg, realizations=realizations, top=top,
                       calibrate=calibrate, population=population, generations=generations,
                       **({} if seed is None else {"seed": seed}))
    console.print(recipes_table(r))
    console.print(tesla_table(cfg, r.temperatures,
                              {f"#{i + 1}": at for i, at in enumerate(r.stats)}))
    if r.meta["cv"][0] > 0:
        console.print(f"[red]not met:[/] no recipe in the box meets {r.goal.summary()}; "
                      f"#1 is the closest (constraint violation {r.meta['cv'][0]:.3f})")
    bias = r.meta.get("calibration_bias")
    if bias:
        largest = np.abs(bias).max((0, 1))
        console.print(f"calibration: {r.meta['calibrate']} realizations of each recipe simulated "
                      f"at each temperature ({r.meta['calibrate'] * np.size(bias) // 6} "
                      "simulations); the surrogate's level moved by up to "
                      + ", ".join(f"{a} {v:.3f}" for a, v in zip(ANCHORS, largest)))
    console.print(f"recipes → {r.path} ({time.perf_counter() - started:.0f} s, "
                  f"{r.meta['evaluations']} recipes evaluated; recipe.png, map.png); "
                  "`invmag verify` simulates fresh realizations")
