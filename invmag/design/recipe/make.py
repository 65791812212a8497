"""Recipes of a trained run, searched and verified (invmag.recipe and invmag.verify call these):

    cfg, run = invmag.api.resolve_run(run="runs/quick")
    goal = recipe_goal({"hc": 0.4}, {"mr": 0.7}, {}, yield_=0.9)
    r = make_recipes(cfg, run, goal, RecipeSettings())
    v = verify_recipe(cfg, run, r.id)

make_recipes searches the recipe box on the surrogate's predictions for K realizations per
recipe (common random numbers, invmag.design.recipe.realizations) and writes
runs/<name>/recipes/<id>/ with recipe.json, recipes.csv, recipe.png and map.png. verify_recipe
draws R other realizations of a recipe (another seed stream than the search's), simulates them
exactly as labels are made and compares the simulated statistics with the predicted ones.
"""

from dataclasses import asdict, dataclass, field
from pathlib import Path
import time

import numpy as np

from ... import BadParameter
from ...models.surrogate import load_surrogate
from ...physics.simulation import simulate_curves
from ...runtime import one_thread, solver_device
from ..design_folder import new_numbered_dir
from ..targets import extrapolation
from .recipe_folder import (RecipeSearch, find_recipe, read_recipes, write_recipes,
                            write_verification_csv)
from .recipe_search import search_recipes
from .goal import RecipeGoal, RecipeSettings
from .realizations import SEARCH_STREAM, VERIFY_STREAM, Ranges, realizations, recipe_ranges
from .stats import Stats

MAP_POINTS = 20  # recipes per axis of the recipe map


def make_recipes(cfg, run, goal: RecipeGoal, settings: RecipeSettings,
                 ranges: Ranges | None = None, progress=None, warn=None) -> RecipeSearch:
    """The best recipes for goal in the trained run folder `run` of config cfg (ranges: default
    the generator's), written to its next recipes/<id>/ folder with the recipe and map figures.
    progress: callable(stage, done, total) with stage "search" (generations) or "map" (rows);
    warn: callable(text) for goals beyond the labels' range."""
    settings.check()
    surrogate = load_surrogate(run, cfg, solver_device(cfg.solver_device))
    ranges = ranges or recipe_ranges(cfg)
    for text in extrapolation(goal.goal, surrogate.label_min, surrogate.label_max):
        (warn or print)(text)
    started = time.perf_counter()
    real = realizations(cfg, settings.realizations, settings.seed, SEARCH_STREAM)
    with one_thread():  # batches of small structures: threads only contend
        ranked = search_recipes(surrogate.predict_structures, real, ranges, goal,
                                surrogate.y_std, settings.population, settings.generations,
                                settings.top, settings.seed, progress and (
                                    lambda g: progress("search", g, settings.generations)))
    meta = {**asdict(settings), "evaluations": ranked.evaluations,
            "objectives": ranked.F.tolist(), "cv": ranked.cv.tolist(),
            "seconds": round(time.perf_counter() - started, 1)}
    r = RecipeSearch(goal, ranges, ranked.recipes, ranked.stats, meta)
    write_recipes(new_numbered_dir(Path(run) / "recipes"), r)
    with one_thread():
        grid = recipe_map(surrogate.predict_structures, real, ranges, goal,
                          progress and (lambda i: progress("map", i, MAP_POINTS)))
        write_figures(r, real, surrogate.predict_structures, grid,
                      check_points(Path(run) / "labels.h5", cfg.grid.area_nm2))
    return r


def recipe_map(predict, real, ranges: Ranges, goal: RecipeGoal, progress=None) -> dict:
    """Predicted statistics over a MAP_POINTS² grid of the recipe box: density (n,), theta (n,)
    rad, mean (n, n, 6) [theta index, density index], yield (n, n) or None."""
    x = np.linspace(0, 1, MAP_POINTS)
    mean = np.empty((MAP_POINTS, MAP_POINTS, 6))
    yields = np.full((MAP_POINTS, MAP_POINTS), np.nan)
    for j, xt in enumerate(x):
        recipes = [ranges.recipe(np.array([xd, xt])) for xd in x]
        pred = predict(np.concatenate([real.structures(r)[0] for r in recipes]))
        for i, p in enumerate(pred.reshape(MAP_POINTS, real.K, -1)):
            s = Stats.of(p, goal)
            mean[j, i] = s.mean
            yields[j, i] = np.nan if s.yield_ is None else s.yield_
        if progress:
            progress(j + 1)
    return {"density": np.array([ranges.recipe(np.array([v, 0])).density for v in x]),
            "theta": np.array([ranges.recipe(np.array([0, v])).theta for v in x]),
            "mean": mean, "yield": None if np.isnan(yields).all() else yields}


def write_figures(r: RecipeSearch, real, predict, grid: dict, points: dict | None):
    """recipe.png (the top recipes' predicted distributions and a realization of each) and
    map.png (the map grid with the run's simulated labels `points` as check points)."""
    from ...plots import save_figure
    from .plots import map_figure, recipe_figure

    samples = [real.structures(p)[0] for p in r.recipes]
    for name, fig in (("recipe.png", recipe_figure(r, samples, [predict(s) for s in samples])),
                      ("map.png", map_figure(r, grid, points))):
        save_figure(fig, r.path / name)


def check_points(path, area_nm2: float) -> dict | None:
    """The run's simulated labels (labels.h5 at path; None without one) as check points of the
    map: density (N,) grains/µm² (grain count over the sample area area_nm2), theta (N,) rad,
    anchors (N, 6); good labels only."""
    import h5py

    if not Path(path).is_file():
        return None
    with h5py.File(path, "r") as f:
        good = f["done"][:] & f["converged"][:] & ~f["flagged"][:]
        params, anchors = f["params"][:][good], f["anchors"][:][good]
    return {"density": params[:, 0] / (area_nm2 * 1e-6), "theta": params[:, 1],
            "anchors": anchors}


@dataclass
class RecipeVerification:
    """R simulated realizations of a recipe: params (R, 2) n_grains and θ (rad); simulated and
    predicted anchors (R, 6) (NaN where a curve failed); good (R,) converged and no anchor
    missing; met (R,) every bound met (None without bounds); stats of the simulated, of the
    predicted for these realizations, and of the search's prediction (`expected`)."""

    recipe_id: str
    rank: int
    params: np.ndarray
    simulated: np.ndarray
    predicted: np.ndarray
    good: np.ndarray
    met: np.ndarray | None
    simulated_stats: Stats
    predicted_stats: Stats
    expected: Stats
    files: list = field(default_factory=list)  # written by write_recipe_verification


def verify_recipe(cfg, run, recipe_id: str | None = None, rank: int = 1, count: int = 128,
                  progress=None) -> RecipeVerification:
    """Simulate `count` fresh realizations (seed stream VERIFY_STREAM, never the search's) of
    recipe `rank` of a recipe folder of the run (default: the latest) under cfg, exactly as
    labels are made; writes verify.csv and verify.png into it (RecipeVerification.files).
    progress: callable(n_fields, total_fields) as field steps complete."""
    r = read_recipes(find_recipe(run, recipe_id))
    if not 1 <= rank <= len(r.recipes):
        raise BadParameter(f"recipe {r.id} holds recipes 1–{len(r.recipes)}, not {{}} {rank}",
                           "rank")
    if count < 2:
        raise BadParameter(f"{{}} must be ≥ 2, got {count}", 'realizations')
    surrogate = load_surrogate(run, cfg, solver_device(cfg.solver_device))
    recipe = r.recipes[rank - 1]
    phi, n = realizations(cfg, count, r.meta["seed"], VERIFY_STREAM).structures(recipe)
    total = count * len(cfg.solver.fields())
    c = simulate_curves(phi, cfg, progress=progress and (lambda n: progress(n, total)))
    simulated, good = c.anchors, c.converged & ~c.flagged
    simulated[~good] = np.nan
    with one_thread():
        predicted = surrogate.predict_structures(phi)
    met = (r.goal.margins(simulated) >= 0) if r.goal.goal.n_constraints else None
    v = RecipeVerification(r.id, rank, np.c_[n, np.full(count, recipe.theta)], simulated,
                           predicted, good, met, Stats.of(simulated, r.goal),
                           Stats.of(predicted, r.goal), r.stats[rank - 1])
    v.files = write_recipe_verification(r, v)
    return v


def write_recipe_verification(r: RecipeSearch, v: RecipeVerification) -> list[Path]:
    from ...plots import save_figure
    from .plots import verification_figure

    paths = [r.path / "verify.csv", r.path / "verify.png"]
    write_verification_csv(paths[0], v.params, v.simulated, v.predicted, v.good, v.met)
    fig = verification_figure(r, v)
    save_figure(fig, paths[1])
    return paths
