"""Recipes of a trained run, searched and verified (invmag.recipe and invmag.verify call these):

>>> import invmag
>>> from invmag.design.recipe.goal import RecipeSettings, recipe_goal
>>> from invmag.design.recipe.make import make_recipes, verify_recipe
>>> goal = recipe_goal({"hc": 0.4}, {"mr": 0.7}, {}, yield_=0.9)
>>> goal.summary()
'hc=0.400 mr≥0.700 in 90%'

and on a trained run (minutes to make, so not run here):

    cfg, run = invmag.api.resolve_run(run="runs/quick")
    r = make_recipes(cfg, run, [goal], [300.0], RecipeSettings())
    v = verify_recipe(cfg, run, r.id)

make_recipes searches the recipe box on the surrogate's predictions for K realizations per
recipe at each temperature (common random numbers, invmag.design.recipe.realizations) and writes
runs/<name>/recipes/<id>/ with recipe.json, recipes.csv, recipe.png and map.png. verify_recipe
draws R other realizations of a recipe (another seed stream than the search's), simulates them
at each of the search's temperatures exactly as labels are made and compares the simulated
statistics with the predicted ones.
"""

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
import time
import warnings

import numpy as np

from ... import BadParameter
from ...data.labels import simulate_samples
from ...data.sample import Samples
from ...models.surrogate import load_surrogate
from ...physics.anchors import ordered
from ...runtime import one_thread, solver_device
from ..design_folder import new_numbered_dir
from ..latent_search import rank_order
from ..targets import extrapolation
from .recipe_folder import (RecipeSearch, find_recipe, read_recipes, write_recipes,
                            write_verification_csv)
from .recipe_search import Ranked, evaluate, search_recipes
from .goal import RecipeGoal, RecipeSettings
from .realizations import (SEARCH_STREAM, VERIFY_STREAM, Ranges, Realizations, realizations,
                           recipe_ranges)
from .stats import Stats

MAP_POINTS = 20  # recipes per axis of the recipe map


class RecipePredictor:
    """The surrogate's anchors for the realizations real of recipes at temperatures (K): each
    recipe's K realizations encoded once, the regressor run at each temperature."""

    def __init__(self, surrogate, real: Realizations, temperatures):
        self.surrogate, self.real, self.temperatures = surrogate, real, list(temperatures)

    def __call__(self, recipes) -> np.ndarray:
        """Anchors (n, T, K, 6) (Ms(T), H_A(T)) of n recipes."""
        if not len(recipes):
            return np.zeros((0, len(self.temperatures), self.real.K, 6))
        samples = Samples.join([self.real.samples_of(r).samples for r in recipes])
        z = self.surrogate.encode(samples)
        pred = [self.surrogate.predict(z, samples.at(T)) for T in self.temperatures]
        return np.stack([p.reshape(len(recipes), self.real.K, 6) for p in pred], 1)


def make_recipes(cfg, run, goals: list, temperatures, settings: RecipeSettings,
                 ranges: Ranges | None = None, progress=None, warn=None) -> RecipeSearch:
    """The best recipes for goals (one RecipeGoal per temperature of temperatures, K) in the
    trained run folder `run` of config cfg (ranges: default the generator's), written to its next
    recipes/<id>/ folder with the recipe and map figures. progress: callable(stage, done,
    total) with stage "search" (generations) or "map" (rows); warn: callable(text) for goals
    beyond the labels' range."""
    settings.check()
    surrogate = load_surrogate(run, cfg, solver_device(cfg.solver_device))
    ranges = ranges or recipe_ranges(cfg)
    for text in dict.fromkeys(t for g in goals for t in extrapolation(
            g.goal, surrogate.label_min, surrogate.label_max)):
        (warn or print)(text)
    started = time.perf_counter()
    real = realizations(cfg, settings.realizations, settings.seed, SEARCH_STREAM)
    predict = RecipePredictor(surrogate, real, temperatures)
    with one_thread():  # batches of small structures: threads only contend
        ranked = search_recipes(predict, ranges, goals, surrogate.y_std, settings.population,
                                settings.generations, settings.top, settings.seed, progress and (
                                    lambda g: progress("search", g, settings.generations)))
    bias = None
    if settings.calibrate:
        ranked, bias = calibrated(cfg, real, predict, ranked, goals, surrogate.y_std,
                                  settings.calibrate, progress)
    meta = {**asdict(settings), "evaluations": ranked.evaluations,
            "calibration_bias": None if bias is None else bias.tolist(),
            "objectives": ranked.F.tolist(), "cv": ranked.cv.tolist(),
            "seconds": round(time.perf_counter() - started, 1)}
    r = RecipeSearch(list(goals), list(temperatures), ranges, ranked.recipes, ranked.stats, meta)
    write_recipes(new_numbered_dir(Path(run) / "recipes"), r)
    hottest = RecipePredictor(surrogate, real, temperatures[-1:])
    with one_thread():
        grid = recipe_map(hottest, ranges, goals[-1], r.recipes[0],
                          progress and (lambda i, n: progress("map", i, n)))
        write_recipe_figures(r, real, predict, grid, check_points(
            Path(run) / "labels.h5", cfg.grid.area_nm2, temperatures[-1], r.recipes[0]))
    return r


def calibrated(cfg, real: Realizations, predict, ranked: Ranked, goals: list, scale,
               count: int, progress=None) -> tuple[Ranked, np.ndarray]:
    """The top recipes with the surrogate's predictions corrected by its mean error on the
    first `count` of each recipe's own realizations, simulated at each temperature (a control
    variate: the predictions keep their spread, the simulations set their level), ranked again
    on the corrected statistics. Returns (Ranked, bias (n, T, 6) added per recipe and
    temperature, in its order). progress: callable("calibration", done, total) per recipe."""
    pred = predict(ranked.recipes)  # (n, T, K, 6)
    bias = np.zeros((len(pred), pred.shape[1], 6))
    for i, recipe in enumerate(ranked.recipes):
        _, simulated, _ = simulate_recipe(cfg, real, recipe, predict.temperatures, count=count)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # no good curve: no correction
            bias[i] = np.nan_to_num(np.nanmean(simulated - pred[i, :, :count], 1))
        if progress:
            progress("calibration", i + 1, len(pred))
    corrected = ordered((pred + bias[:, :, None]).reshape(-1, 6)).reshape(pred.shape)
    F, G = (np.array(v) for v in zip(*(evaluate(goals, p, scale) for p in corrected)))
    cv = np.maximum(G.reshape(len(pred), -1), 0).sum(1)
    order = rank_order(F, cv)
    stats = [[Stats.of(p, goal) for goal, p in zip(goals, corrected[i])] for i in order]
    return Ranked([ranked.recipes[i] for i in order], ranked.x[order], F[order], cv[order],
                  stats, ranked.evaluations), bias[order]


def _map(predict, recipes, goal: RecipeGoal) -> tuple[np.ndarray, np.ndarray]:
    """Mean anchors (n, 6) and yields (n,) (NaN without bounds) of recipes at one temperature."""
    stats = [Stats.of(p[0], goal) for p in predict(recipes)]
    return (np.array([s.mean for s in stats]),
            np.array([np.nan if s.yield_ is None else s.yield_ for s in stats]))


def recipe_map(predict, ranges: Ranges, goal: RecipeGoal, best, progress=None) -> dict:
    """Predicted statistics at one temperature (predict: a RecipePredictor of one) over a
    MAP_POINTS² grid of density and θ at the recipe best's boundary, and, for a real magnet,
    over boundary thickness (its multiples of the cell) and Js at best's grain size and θ:
    {"density" (n,), "theta" (n,) rad, "mean" (n, n, 6) [theta index, density index],
    "yield" (n, n) or None; with a boundary "thickness" (m,) nm, "boundary_js" (n,) T,
    "boundary_mean" (n, m, 6) [Js index, thickness index], "boundary_yield"}.
    progress: callable(rows done, rows)."""
    x = np.linspace(0, 1, MAP_POINTS)
    boundary = ranges.thickness is not None
    rows = MAP_POINTS * (1 + boundary)
    mean, yields = np.empty((MAP_POINTS, MAP_POINTS, 6)), np.empty((MAP_POINTS, MAP_POINTS))
    for j, xt in enumerate(x):
        mean[j], yields[j] = _map(predict, [replace(ranges.recipe(np.array([xd, xt, 0, 0])),
                                                    thickness=best.thickness,
                                                    boundary_js=best.boundary_js) for xd in x],
                                  goal)
        if progress:
            progress(j + 1, rows)
    out = {"density": np.array([ranges.recipe(np.array([v, 0, 0, 0])).density for v in x]),
           "theta": np.array([ranges.recipe(np.array([0, v, 0, 0])).theta for v in x]),
           "mean": mean, "yield": None if np.isnan(yields).all() else yields}
    if boundary:
        lo, hi = (round(t / ranges.cell) for t in ranges.thickness)
        thickness = np.arange(lo, hi + 1) * ranges.cell
        js = np.linspace(*ranges.boundary_js, MAP_POINTS)
        b_mean, b_yield = np.empty((MAP_POINTS, len(thickness), 6)), np.empty((MAP_POINTS,
                                                                               len(thickness)))
        for j, value in enumerate(js):
            b_mean[j], b_yield[j] = _map(predict, [replace(best, thickness=float(t),
                                                           boundary_js=float(value))
                                                   for t in thickness], goal)
            if progress:
                progress(MAP_POINTS + j + 1, rows)
        out.update(thickness=thickness, boundary_js=js, boundary_mean=b_mean,
                   boundary_yield=None if np.isnan(b_yield).all() else b_yield)
    return out


def write_recipe_figures(r: RecipeSearch, real, predict, grid: dict, points: dict | None):
    """recipe.png (the top recipes' predicted distributions and a realization of each) and
    map.png (the map grid with the run's simulated labels `points` as check points)."""
    from ...plots import save_figure
    from .plots import map_figure, recipe_figure

    samples = [real.samples_of(p).samples for p in r.recipes]
    for name, fig in (("recipe.png", recipe_figure(r, samples, predict(r.recipes))),
                      ("map.png", map_figure(r, grid, points))):
        save_figure(fig, r.path / name)


NEAR_T, NEAR_JS = 15.0, 0.15  # K, T: labels this near a real magnet's map count as its checks


def check_points(path, area_nm2: float, T: float, best) -> dict | None:
    """The run's simulated labels (labels.h5 at path; None without one) as check points of the
    density-θ map: density (N,) grains/µm² (grain count over the sample area area_nm2), theta
    (N,) rad, anchors (N, 6); good labels only and, in a run with phases, those within NEAR_T of
    T (K) with the recipe best's boundary thickness and a boundary Js within NEAR_JS of its."""
    import h5py

    if not Path(path).is_file():
        return None
    with h5py.File(path, "r") as f:
        good = f["done"][:] & f["converged"][:] & ~f["flagged"][:]
        if "phase" in f:
            t, js, temp = f["phase"][:].T
            good &= np.abs(temp - T) <= NEAR_T
            if "boundary" in f:
                good &= (t == best.thickness) & ((t == 0) | (np.abs(js - best.boundary_js)
                                                             <= NEAR_JS))
        params, anchors = f["params"][:][good], f["anchors"][:][good]
    return {"density": params[:, 0] / (area_nm2 * 1e-6), "theta": params[:, 1],
            "anchors": anchors}


@dataclass
class RecipeVerification:
    """R simulated realizations of a recipe at T temperatures (K): params (R, 4) n_grains, θ
    (rad), boundary thickness (nm) and Js (T); simulated and predicted anchors (T, R, 6) (NaN
    where a curve failed); good (T, R) converged and no anchor missing; met (T, R) every bound
    met (None without bounds); per temperature, stats of the simulated, of the predicted for
    these realizations, and of the search's prediction (`expected`)."""

    recipe_id: str
    rank: int
    temperatures: list
    params: np.ndarray
    simulated: np.ndarray
    predicted: np.ndarray
    good: np.ndarray
    met: np.ndarray | None
    simulated_stats: list
    predicted_stats: list
    expected: list
    files: list = field(default_factory=list)  # written by write_recipe_verification


def verify_recipe(cfg, run, recipe_id: str | None = None, rank: int = 1, count: int = 128,
                  progress=None) -> RecipeVerification:
    """Simulate `count` fresh realizations (seed stream VERIFY_STREAM, never the search's) of
    recipe `rank` of a recipe folder of the run (default: the latest) under cfg at each of the
    search's temperatures, exactly as labels are made; writes verify.csv and verify.png into it
    (RecipeVerification.files). progress: callable(n_fields, total_fields) as field steps
    complete."""
    r = read_recipes(find_recipe(run, recipe_id))
    if not 1 <= rank <= len(r.recipes):
        raise BadParameter(f"recipe {r.id} holds recipes 1–{len(r.recipes)}, not {{}} {rank}",
                           "rank")
    if count < 2:
        raise BadParameter(f"{{}} must be ≥ 2, got {count}", 'realizations')
    surrogate = load_surrogate(run, cfg, solver_device(cfg.solver_device))
    recipe, temps = r.recipes[rank - 1], r.temperatures
    real = realizations(cfg, count, r.meta["seed"], VERIFY_STREAM)
    realized, simulated, good = simulate_recipe(cfg, real, recipe, temps, progress)
    with one_thread():
        predicted = RecipePredictor(surrogate, real, temps)([recipe])[0]
    goals = r.goals
    met = (np.stack([g.margins(s) >= 0 for g, s in zip(goals, simulated)])
           if r.goal.goal.n_constraints else None)
    params = np.c_[realized.n_grains, np.full(count, recipe.theta),
                   realized.samples.phase[:, :2]]
    v = RecipeVerification(r.id, rank, list(temps), params, simulated, predicted, good, met,
                           [Stats.of(s, g) for g, s in zip(goals, simulated)],
                           [Stats.of(p, g) for g, p in zip(goals, predicted)], r.stats[rank - 1])
    v.files = write_recipe_verification(r, v)
    return v


def simulate_recipe(cfg, real: Realizations, recipe, temperatures, progress=None,
                    count: int | None = None):
    """The realizations real of a recipe (its first `count`; default all K) simulated at each
    temperature (K) exactly as labels are made: (Realized, anchors (T, K, 6) with NaN where not
    good, good (T, K)). progress: callable(n_fields, total_fields)."""
    realized = real.samples_of(recipe).first(count)
    temps, k = list(temperatures), len(realized.n_grains)
    samples = Samples.join([realized.samples.at(T) for T in temps])
    total = len(samples) * len(cfg.solver.fields())
    c = simulate_samples(samples, cfg, progress and (lambda n: progress(n, total)))
    good = (c.converged & ~c.flagged).reshape(len(temps), k)
    simulated = c.anchors.reshape(len(temps), k, 6)
    simulated[~good] = np.nan
    return realized, simulated, good


def write_recipe_verification(r: RecipeSearch, v: RecipeVerification) -> list[Path]:
    from ...plots import save_figure
    from .plots import verification_figure

    paths = [r.path / "verify.csv", r.path / "verify.png"]
    write_verification_csv(paths[0], v.temperatures, v.params, v.simulated, v.predicted, v.good,
                           v.met)
    fig = verification_figure(r, v)
    save_figure(fig, paths[1])
    return paths
