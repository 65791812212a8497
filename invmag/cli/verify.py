"""`invmag verify`: simulate the top candidates of a design, or fresh realizations of a recipe,
compare with the prediction."""

from pathlib import Path

import numpy as np
import typer
from rich.table import Table

from .. import ANCHORS
from ..api import FIGURE_UNITS, FIGURES, QUANTIFIED, T_ROOM, resolve_run, thermal_hcj, verify
from .common import CONFIG_HELP, DEVICE_HELP, RUN_HELP, console, user_errors
from .tables import tesla_table

EPILOG = ("Examples: invmag verify · invmag verify --design 2 --top 3 · "
          "invmag verify --recipe 1 --realizations 256")


def verification_table(v, goal) -> Table:
    """Per candidate: predicted, simulated and their difference per anchor, and the hit."""
    marked = {*goal.targets, *goal.lower, *goal.upper}
    at = "" if v.temperature == T_ROOM else f" at {v.temperature:g} K"
    table = Table(title=f"Predicted vs simulated{at} (* = targeted anchor)")
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


def merit_verification_table(v, cfg) -> Table:
    """Per candidate: predicted and simulated figures of merit (N = 0), the thermally activated
    HcJ after HcJ where cfg has a [thermal] section."""
    table = Table(title="Figures of merit, predicted vs simulated (N = 0)")
    names = [f"{f}\n{FIGURE_UNITS[f]}" for f in FIGURES]
    after = FIGURES.index("HcJ") + 1
    merits = {"pred": v.merit_predicted, "sim": v.merit_simulated}
    if cfg.thermal is not None:
        names.insert(after, "HcJ (thermal)\nkA/m")
        merits = {k: np.insert(m, after, thermal_hcj(cfg, m[:, after - 1], v.temperature), 1)
                  for k, m in merits.items()}
    for name in ["#", ""] + names:
        table.add_column(name, justify="right")
    for i, r in enumerate(v.rank):
        for j, (kind, values) in enumerate((("pred", merits["pred"][i]),
                                            ("sim", merits["sim"][i]))):
            table.add_row(str(r) if j == 0 else "", kind, *[f"{x:.4g}" for x in values],
                          end_section=j == 1)
    return table


def design_verification_report(v, goal, cfg):
    """A design's verification: tables, hit rate, where the files went."""
    console.print(verification_table(v, goal))
    console.print(merit_verification_table(v, cfg))
    if v.hit is None:
        console.print("no target or bound: no hit rate (maximize/minimize only)")
    else:
        console.print(f"hit rate: {int(v.hit.sum())}/{len(v.hit)} = {100 * v.hit_rate:.0f}% "
                      f"(simulated {goal.summary()} within ±{v.window:g})")
    if not v.good.all():
        console.print(f"[yellow]![/] {int((~v.good).sum())} curve(s) did not converge or miss an "
                      "anchor: never a hit")
    console.print(f"verification → {v.files[0]} (+ {v.files[1].name}, {len(v.files) - 2} PNG)")


def recipe_verification_table(v, t: int = 0) -> Table:
    """Per anchor at temperature t (index): the search's predicted mean, std and quantiles
    beside those simulated (and predicted) for the verified realizations."""
    table = Table(title=f"Recipe {v.recipe_id} #{v.rank} at {v.temperatures[t]:.0f} K: "
                        f"{v.simulated.shape[1]} fresh realizations, simulated vs predicted")
    table.add_column("")
    for a in ANCHORS:
        table.add_column(a, justify="right")
    sources = (("search", v.expected[t]), ("pred", v.predicted_stats[t]),
               ("sim", v.simulated_stats[t]))
    for j, (stat, get) in enumerate(QUANTIFIED.items()):
        for k, (name, s) in enumerate(sources):
            table.add_row(f"{stat} {name}", *[f"{x:.3f}" for x in get(s)],
                          end_section=k == len(sources) - 1)
    return table


def recipe_verification_report(v, cfg):
    """A recipe's verification: per temperature the statistics, yields and the gap of the
    mean; the search's and the simulated statistics in tesla; where the files went."""
    for t, T in enumerate(v.temperatures):
        console.print(recipe_verification_table(v, t))
        expected, predicted, simulated = (v.expected[t], v.predicted_stats[t],
                                          v.simulated_stats[t])
        if expected.yield_ is not None:
            console.print(f"yield at {T:.0f} K: predicted by the search "
                          f"{100 * expected.yield_:.0f}%, for these realizations "
                          f"{100 * predicted.yield_:.0f}%, simulated {100 * simulated.yield_:.0f}%")
        gap = np.abs(simulated.mean - expected.mean)
        console.print(f"|simulated − predicted| of the mean at {T:.0f} K: "
                      + ", ".join(f"{a} {x:.3f}" for a, x in zip(ANCHORS, gap)))
    console.print(tesla_table(cfg, v.temperatures, {"search": v.expected,
                                                    "simulated": v.simulated_stats}))
    if not v.good.all():
        console.print(f"[yellow]![/] {int((~v.good).sum())} curve(s) did not converge or miss an "
                      "anchor: left out of the statistics, never meeting a bound")
    console.print(f"verification → {v.files[0]} (+ {v.files[1].name})")


def verify_command(
    config: str = typer.Option(None, help=CONFIG_HELP),
    run: Path = typer.Option(None, help=RUN_HELP),
    design: str = typer.Option(None, help="Design id, e.g. 1 or 001."),
    recipe: str = typer.Option(None, help="Recipe id, e.g. 1 or 001."),
    top: int = typer.Option(None, help="Number of top-ranked designs to simulate (default: "
                                       "all of the design's)."),
    window: float = typer.Option(None, help="Hit window on targets and bounds (Ms, H_A; "
                                               "default: the design's)."),
    rank: int = typer.Option(1, help="Which recipe of the recipe folder to verify."),
    realizations: int = typer.Option(128, help="Fresh realizations of the recipe to simulate."),
    device: str = typer.Option(None, help=DEVICE_HELP),
):
    """Simulate a design folder's designs again, or fresh realizations of a recipe; compare
    predicted with simulated anchors. Default: the run's newest design or recipe.

    The structures run with the run's solver settings, exactly as labels are made."""
    from .progress import stages

    with user_errors():
        cfg, run = resolve_run(config, run, device)
        with stages() as bar:
            v = verify(run, design, top, window, None,
                       lambda n, total: bar("simulating", advance=n, total=total), recipe,
                       realizations, rank, cfg)
    if hasattr(v, "recipe_id"):
        recipe_verification_report(v, cfg)
    else:
        design_verification_report(v, v.goal, cfg)
