"""Recipes: the generator's two parameters a magnet maker controls, grain density (or mean grain
diameter) and maximum misorientation θ, searched for a goal on the statistics of the anchors
over realizations of the recipe (docs/recipes.md).

A recipe (density in grains/µm², θ in rad) stands for a distribution of structures: Voronoi
grains with seeds uniform in the sample and axes uniform in [−θ, θ], as the generator draws
them (invmag.data.structures), with density × area grains on average (rounded up or down at
random per realization). Its statistics are those of the surrogate's predictions for K
realizations. Every recipe of a search is evaluated on the same K realizations (common random
numbers: fixed seed positions, axis uniforms and rounding draws; the grain count follows the
density, the axes scale with θ), so the objective is a smooth function of the recipe.

Goal: targets and --maximize/--minimize apply to the mean anchors (a figure of merit to the
curve through the mean anchors); bounds must hold in at least `yield_` of the realizations;
max_std {anchor: value} bounds the spread. A goal of bounds only maximizes the yield margin.
"""

from dataclasses import dataclass, field
import math

import numpy as np

from ... import ANCHORS
from ...data.structures import canonical, nearest_grain
from ..targets import Goal, parse_goal

SEARCH_STREAM, VERIFY_STREAM = 2, 3  # SeedSequence spawn keys (0, 1: the data's streams)
QUANTILES = (0.1, 0.5, 0.9)
MAP_POINTS = 20  # recipes per axis of the recipe map
# the statistics tables show, by name: Stats -> (6,)
QUANTIFIED = {"mean": lambda s: s.mean, "std": lambda s: s.std,
              **{f"q{round(100 * q)}": (lambda s, i=i: s.quantiles[i])
                 for i, q in enumerate(QUANTILES)}}


def diameter_nm(density):
    """Mean grain diameter (nm) of the circle with the mean grain area, density in grains/µm²."""
    return 2e3 / np.sqrt(np.pi * np.asarray(density, float))


def density_of(diameter):
    """Grains per µm² of grains of mean diameter (nm): inverse of diameter_nm."""
    return 4e6 / (np.pi * np.asarray(diameter, float) ** 2)


@dataclass(frozen=True)
class RecipeGoal:
    """A Goal on recipe statistics (module docstring): yield_ in (0, 1] for its bounds, max_std
    {anchor: spread bound} (Ms, H_A)."""

    goal: Goal
    yield_: float = 0.9
    max_std: dict = field(default_factory=dict)

    @property
    def objective_names(self) -> list[str]:
        return self.goal.objective_names or ["−yield margin"]

    @property
    def named(self) -> set[str]:
        """The anchors the goal names: targets, bounds, maximized or minimized, spread bounds."""
        g = self.goal
        return {*g.targets, *g.lower, *g.upper, *g.maximize, *g.minimize, *self.max_std}

    def summary(self) -> str:
        parts = [self.goal.summary()]
        if self.goal.n_constraints:
            parts.append(f"in {100 * self.yield_:g}%")
        parts += [f"std {a}≤{v:.3f}" for a, v in self.max_std.items()]
        return " ".join(p for p in parts if p)

    def margins(self, pred: np.ndarray) -> np.ndarray:
        """(K,) per realization: how far its anchors pred (K, 6) meet every bound (≥ 0: met)."""
        return -self.goal.constraints(pred).max(1, initial=-np.inf)

    def evaluate(self, pred: np.ndarray, scale) -> tuple[np.ndarray, np.ndarray]:
        """Objectives (n_obj,) and constraints g ≤ 0 of one recipe's predictions pred (K, 6):
        the bounds as an order statistic of the margins (≥ 0 exactly when the yield is met, and
        continuous in the recipe), the spread bounds."""
        mean = pred.mean(0, keepdims=True)
        G = [pred[:, ANCHORS.index(a)].std() - v for a, v in self.max_std.items()]
        if self.goal.n_constraints:
            m = np.sort(self.margins(pred))
            G.insert(0, -m[math.floor(len(m) * (1 - self.yield_) + 1e-9)])
        F = self.goal.objectives(mean, scale)[0] if self.goal.objective_names else G[:1]
        return np.asarray(F, float), np.asarray(G, float)

    @property
    def n_constraints(self) -> int:
        return bool(self.goal.n_constraints) + len(self.max_std)


def recipe_goal(targets: dict, lower: dict, upper: dict, weights=(), maximize=(), minimize=(),
                units="reduced", material=None, yield_: float | None = None,
                max_std: dict | None = None) -> RecipeGoal:
    """A validated RecipeGoal from command-line values (as parse_goal; yield_ default 0.9 when
    there are bounds; max_std {anchor: value}). ValueError (one line) for impossible requests."""
    bounds = any(v is not None for v in (*lower.values(), *upper.values()))
    if yield_ is not None and not 0 < yield_ <= 1:
        raise ValueError(f"--yield must lie in (0, 1], got {yield_:g}")
    if yield_ is not None and not bounds:
        raise ValueError(f"--yield {yield_:g} needs a bound for the realizations to meet "
                         "(--min-X or --max-X)")
    max_std = dict(max_std or {})
    for a, v in max_std.items():
        if a not in ANCHORS:
            raise ValueError(f"--max-std {a!r}: not an anchor (one of {', '.join(ANCHORS)})")
        if not v > 0:
            raise ValueError(f"--max-std {a}={v:g} is impossible: realizations of a recipe are "
                             "different structures, their spread is never 0")
    # a recipe of bounds only has an objective of its own: the yield margin
    goal = parse_goal(targets, lower, upper, weights, maximize, minimize, units, material,
                      bounds_only=True)
    for a in set(goal.lower) & set(goal.upper):
        if goal.lower[a] == goal.upper[a]:
            raise ValueError(f"--min-{a} = --max-{a} = {goal.lower[a]:.4g} is impossible with a "
                             f"yield: realizations of a recipe spread, none lands on one value")
    return RecipeGoal(goal, 0.9 if yield_ is None else yield_, max_std)


@dataclass(frozen=True)
class Recipe:
    """Generator parameters: density (grains/µm²), theta (maximum misorientation, rad)."""

    density: float
    theta: float

    @property
    def diameter(self) -> float:
        return float(diameter_nm(self.density))


class Realizations:
    """K realizations of any recipe on a grid from common random numbers (module docstring),
    drawn from seed; at most max_grains grains each."""

    def __init__(self, grid, K: int, max_grains: int, seed):
        rng = np.random.default_rng(seed)
        self.grid, self.K, self.G = grid, K, max_grains
        self.seeds = rng.uniform(0, 1, (K, max_grains, 2)) * (np.array([grid.nx, grid.ny])
                                                              * grid.cell_size)
        self.axes = rng.uniform(-1, 1, (K, max_grains))
        self.rounding = rng.uniform(0, 1, K)
        self._cells = {}  # grain count -> (K, ny·nx) nearest-seed index

    def grain_counts(self, density: float) -> np.ndarray:
        """(K,) grains per realization: density × area rounded up or down at random."""
        mean = density * self.grid.area_nm2 * 1e-6
        return np.clip(np.floor(mean + self.rounding), 1, self.G).astype(int)

    def cells(self, n: int) -> np.ndarray:
        if n not in self._cells:
            g = self.grid
            self._cells[n] = nearest_grain(self.seeds, np.full(self.K, n), g.nx, g.ny,
                                           g.cell_size)
        return self._cells[n]

    def structures(self, recipe: Recipe) -> tuple[np.ndarray, np.ndarray]:
        """(phi (K, ny, nx) float32 rad, grain counts (K,)) of a recipe."""
        n = self.grain_counts(recipe.density)
        grain = np.empty((self.K, self.grid.ny * self.grid.nx), int)
        for g in np.unique(n):
            grain[n == g] = self.cells(int(g))[n == g]
        phi = canonical(recipe.theta * np.take_along_axis(self.axes, grain, 1))
        return phi.astype(np.float32).reshape(self.K, self.grid.ny, self.grid.nx), n


def realizations(cfg, K: int, seed: int, stream: int) -> Realizations:
    """K realizations for the run config cfg from the search's seed and a stream
    (SEARCH_STREAM, VERIFY_STREAM): the streams never share draws."""
    hi = cfg.structures.grain_density[1] * cfg.grid.area_nm2 * 1e-6
    return Realizations(cfg.grid, K, max(1, math.ceil(hi)),
                        np.random.SeedSequence(seed, spawn_key=(stream,)))


@dataclass
class Stats:
    """Statistics of the anchors over K realizations (Ms, H_A): mean, std (6,), quantiles
    (3, 6) at QUANTILES; yield_ the share meeting every bound (None without bounds)."""

    mean: np.ndarray
    std: np.ndarray
    quantiles: np.ndarray
    yield_: float | None

    @classmethod
    def of(cls, values: np.ndarray, goal: RecipeGoal) -> "Stats":
        """Statistics of anchors values (K, 6); NaN rows (failed simulations) are left out of
        the anchors' statistics and count as missing the bounds."""
        v = values[np.isfinite(values).all(1)]
        y = float((goal.margins(values) >= 0).mean()) if goal.goal.n_constraints else None
        return cls(v.mean(0), v.std(0), np.quantile(v, QUANTILES, axis=0), y)

    def to_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "std": self.std.tolist(),
                "quantiles": self.quantiles.tolist(), "yield": self.yield_}

    @classmethod
    def from_dict(cls, d: dict) -> "Stats":
        return cls(*(np.array(d[k]) for k in ("mean", "std", "quantiles")), d["yield"])


@dataclass(frozen=True)
class Ranges:
    """The recipe box: density (lo, hi) grains/µm², theta (lo, hi) rad."""

    density: tuple
    theta: tuple

    def recipe(self, x: np.ndarray) -> Recipe:
        """The recipe at x in the unit box (log density, θ)."""
        (d0, d1), (t0, t1) = self.density, self.theta
        return Recipe(float(d0 * (d1 / d0) ** x[0]), float(t0 + (t1 - t0) * x[1]))


def recipe_ranges(cfg, density=None, diameter=None, theta=None) -> Ranges:
    """The recipe box inside the generator's ranges of the run config cfg: density (lo, hi)
    grains/µm² or diameter (lo, hi) nm, theta (lo, hi) rad; default the generator's whole
    range. ValueError for a range outside the generator's."""
    gen_d = tuple(float(v) for v in cfg.structures.grain_density)
    gen_t = (0.0, float(cfg.structures.max_misorientation))
    if density is not None and diameter is not None:
        raise ValueError("give the grain size as --density or as --diameter, not both")
    if diameter is not None:
        _check("--diameter", diameter, tuple(diameter_nm(gen_d[::-1])), "nm")
        density = tuple(density_of(diameter[::-1]))
    d = gen_d if density is None else tuple(map(float, density))
    t = gen_t if theta is None else tuple(map(float, theta))
    if diameter is None:
        _check("--density", d, gen_d, "grains/µm²")
    _check("--theta", np.degrees(t), np.degrees(gen_t), "°")
    return Ranges(d, t)


def _check(option, given, allowed, unit):
    lo, hi = given
    tol = 1e-6 * max(abs(allowed[1]), 1)
    if not lo <= hi:
        raise ValueError(f"{option} {lo:g} {hi:g}: the lower end is above the upper end")
    if lo < allowed[0] - tol or hi > allowed[1] + tol:
        raise ValueError(f"{option} {lo:g} {hi:g} {unit} lies outside the generator's range "
                         f"[{allowed[0]:.4g}, {allowed[1]:.4g}] {unit} (the run's structures "
                         "section): the surrogate never saw such structures")


@dataclass(frozen=True)
class RecipeSettings:
    """realizations K per recipe (≥ 64: smooth statistics), population and generations of
    the pymoo search, top recipes returned, seed of the search and its realizations."""

    realizations: int = 64
    population: int = 24
    generations: int = 20
    top: int = 3
    seed: int = 0

    def check(self):
        for name, least in (("realizations", 64), ("population", 4), ("generations", 1),
                            ("top", 1)):
            if getattr(self, name) < least:
                raise ValueError(f"--{name} must be ≥ {least}, got {getattr(self, name)}")
