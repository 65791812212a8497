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
"""

from dataclasses import dataclass
import math

import numpy as np

from ... import BadParameter
from ...data.structures import canonical, nearest_grain

SEARCH_STREAM, VERIFY_STREAM = 2, 3  # SeedSequence spawn keys (0, 1: the data's streams)


def diameter_nm(density):
    """Mean grain diameter (nm) of the circle with the mean grain area, density in grains/µm²."""
    return 2e3 / np.sqrt(np.pi * np.asarray(density, float))


def density_of(diameter):
    """Grains per µm² of grains of mean diameter (nm): inverse of diameter_nm."""
    return 4e6 / (np.pi * np.asarray(diameter, float) ** 2)


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
        raise BadParameter("give the grain size as {} or as {}, not both", 'density', 'diameter')
    if diameter is not None:
        _check("diameter", diameter, tuple(diameter_nm(gen_d[::-1])), "nm")
        density = tuple(density_of(diameter[::-1]))
    d = gen_d if density is None else tuple(map(float, density))
    t = gen_t if theta is None else tuple(map(float, theta))
    if diameter is None:
        _check("density", d, gen_d, "grains/µm²")
    _check("theta", np.degrees(t), np.degrees(gen_t), "°")
    return Ranges(d, t)


def _check(parameter, given, allowed, unit):
    lo, hi = given
    tol = 1e-6 * max(abs(allowed[1]), 1)
    if not lo <= hi:
        raise BadParameter(f"{{}} {lo:g} {hi:g}: the lower end is above the upper end",
                           parameter)
    if lo < allowed[0] - tol or hi > allowed[1] + tol:
        raise BadParameter(f"{{}} {lo:g} {hi:g} {unit} lies outside the generator's range "
                           f"[{allowed[0]:.4g}, {allowed[1]:.4g}] {unit} (the run's structures "
                           "section): the surrogate never saw such structures", parameter)
