"""Recipes: the generator's parameters a magnet maker controls, grain density (or mean grain
diameter) and maximum misorientation θ and, for a real magnet, the grain-boundary phase's
thickness and Js, searched for a goal on the statistics of the anchors over realizations of the
recipe (docs/recipes.md).

A recipe (density in grains/µm², θ in rad, thickness in nm, boundary Js in T at 300 K) stands
for a distribution of structures: Voronoi grains with seeds uniform in the sample and axes
uniform in [−θ, θ], as the generator draws them (invmag.data.structures), with density × area
grains on average (rounded up or down at random per realization), and the cells within
thickness/2 of a Voronoi edge of the boundary phase (data.boundary; lowered, as the generator
does, where a grain would keep no interior cell). Its statistics are those of the surrogate's
predictions for K realizations. Every recipe of a search is evaluated on the same K
realizations (common random numbers: fixed seed positions, axis uniforms and rounding draws;
the grain count follows the density, the axes scale with θ), so the objective is a smooth
function of the recipe.

A run with a grain-surface shell ([shell], data.shell): the maker does not control it, so each
realization draws its shell (thickness level and K1 factor) from the config's ranges, from
uniforms fixed with the realization's (after its other draws), lowered where a grain would keep
no interior cell; the shell spreads the statistics as the grain placement does.
"""

from dataclasses import dataclass
import math

import numpy as np

from ... import BadParameter
from ...data.boundary import EPS, edge_distances, thickness_cap
from ...data.sample import BOUNDARY, SHELL, Region, Samples
from ...data.shell import depths, shell_region
from ...data.structures import canonical, nearest_grain
from ...physics.temperature import T_ROOM

SEARCH_STREAM, VERIFY_STREAM = 2, 3  # SeedSequence spawn keys (0, 1: the data's streams)


def diameter_nm(density):
    """Mean grain diameter (nm) of the circle with the mean grain area, density in grains/µm²."""
    return 2e3 / np.sqrt(np.pi * np.asarray(density, float))


def density_of(diameter):
    """Grains per µm² of grains of mean diameter (nm): inverse of diameter_nm."""
    return 4e6 / (np.pi * np.asarray(diameter, float) ** 2)


@dataclass(frozen=True)
class Recipe:
    """Generator parameters: density (grains/µm²), theta (maximum misorientation, rad),
    thickness of the boundary phase (nm; 0: none) and its Js (T at 300 K)."""

    density: float
    theta: float
    thickness: float = 0.0
    boundary_js: float = 0.0

    @property
    def diameter(self) -> float:
        return float(diameter_nm(self.density))


class Realizations:
    """K realizations of any recipe on a grid from common random numbers (module docstring),
    drawn from seed; at most max_grains grains each; boundary: whether recipes have a boundary
    phase (the run's config has a [boundary] section); shell: the run's config, whose [shell]
    section each realization draws its shell from (module docstring), or None."""

    def __init__(self, grid, K: int, max_grains: int, seed, boundary: bool = False,
                 shell=None):
        rng = np.random.default_rng(seed)
        self.grid, self.K, self.G, self.boundary = grid, K, max_grains, boundary
        self.seeds = rng.uniform(0, 1, (K, max_grains, 2)) * (np.array([grid.nx, grid.ny])
                                                              * grid.cell_size)
        self.axes = rng.uniform(-1, 1, (K, max_grains))
        self.rounding = rng.uniform(0, 1, K)
        self.shell, self.shell_u = shell, None if shell is None else rng.uniform(0, 1, (K, 2))
        self._cells = {}  # grain count -> (K, ny·nx) nearest-seed index
        self._edges = {}  # grain count -> ((K, ny·nx) distance to an edge nm, (K,) thickest nm,
        # (K,) interior depth nm)

    def grain_counts(self, density: float) -> np.ndarray:
        """(K,) grains per realization: density × area rounded up or down at random."""
        mean = density * self.grid.area_nm2 * 1e-6
        return np.clip(np.floor(mean + self.rounding), 1, self.G).astype(int)

    def cells(self, n: int) -> np.ndarray:
        if n not in self._cells:
            g = self.grid
            self._cells[n] = nearest_grain(self.seeds, np.full(self.K, n), g.nx, g.ny,
                                           g.cell_size, periodic=g.periodic)
        return self._cells[n]

    def structures(self, recipe: Recipe) -> tuple[np.ndarray, np.ndarray]:
        """(phi (K, ny, nx) float32 rad, grain counts (K,)) of a recipe."""
        n = self.grain_counts(recipe.density)
        grain = np.empty((self.K, self.grid.ny * self.grid.nx), int)
        for g in np.unique(n):
            grain[n == g] = self.cells(int(g))[n == g]
        phi = canonical(recipe.theta * np.take_along_axis(self.axes, grain, 1))
        return phi.astype(np.float32).reshape(self.K, self.grid.ny, self.grid.nx), n

    def edges(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Of the K realizations with n grains: edge distances (K, ny·nx) nm, the thickest
        boundary each allows (K,) nm and their interior depths (K,) nm, computed once."""
        if n not in self._edges:
            g = self.grid
            grain, dist = edge_distances(self.seeds[:, :n], np.full(self.K, n), g.nx, g.ny,
                                         g.cell_size, g.periodic)
            depth = depths(grain, dist)
            self._edges[n] = (dist, thickness_cap(depth, g.cell_size), depth)
        return self._edges[n]

    def samples_of(self, recipe: Recipe) -> "Realized":
        """The K realizations of a recipe at 300 K, with their grain counts."""
        phi, n = self.structures(recipe)
        g, K = self.grid, self.K
        if not self.boundary and self.shell is None:
            return Realized(Samples(phi, T_ROOM), n)
        thickness, dist, depth = np.zeros(K), np.empty((K, g.ny * g.nx)), np.empty(K)
        for c in np.unique(n):
            d, cap, deep = self.edges(int(c))
            dist[n == c], depth[n == c] = d[n == c], deep[n == c]
            thickness[n == c] = np.minimum(recipe.thickness, cap[n == c]) if self.boundary else 0
        regions = {}
        if self.boundary:
            mask = (dist < thickness[:, None] / 2 - EPS).reshape(K, g.ny, g.nx)
            regions[BOUNDARY] = Region(mask, thickness, np.full(K, recipe.boundary_js))
        if self.shell is not None:
            regions[SHELL] = shell_region(self.shell_u, depth, dist, thickness, self.shell)
        return Realized(Samples(phi, T_ROOM, regions), n)


@dataclass
class Realized:
    """K realizations of a recipe: Samples (at 300 K; the temperature is the search's, set by
    Samples.at) and their grain counts n_grains (K,)."""

    samples: Samples
    n_grains: np.ndarray

    def first(self, count: int | None) -> "Realized":
        """The first `count` realizations (all for None)."""
        return Realized(self.samples.take(slice(count)), self.n_grains[:count])


def realizations(cfg, K: int, seed: int, stream: int) -> Realizations:
    """K realizations for the run config cfg from the search's seed and a stream
    (SEARCH_STREAM, VERIFY_STREAM): the streams never share draws."""
    hi = cfg.structures.grain_density[1] * cfg.grid.area_nm2 * 1e-6
    return Realizations(cfg.grid, K, max(1, math.ceil(hi)),
                        np.random.SeedSequence(seed, spawn_key=(stream,)),
                        cfg.boundary is not None, None if cfg.shell is None else cfg)


@dataclass(frozen=True)
class Ranges:
    """The recipe box: density (lo, hi) grains/µm², theta (lo, hi) rad; for a real magnet
    thickness (lo, hi) nm (multiples of cell nm) and boundary_js (lo, hi) T."""

    density: tuple
    theta: tuple
    thickness: tuple | None = None
    boundary_js: tuple | None = None
    cell: float = 1.0

    @property
    def dims(self) -> int:
        """Dimensions of the unit box: (log density, θ) and (thickness, boundary Js)."""
        return 2 if self.thickness is None else 4

    def recipe(self, x: np.ndarray) -> Recipe:
        """The recipe at x in the unit box (log density, θ[, thickness, boundary Js]); the
        thickness takes the multiples of the cell in its range in equal parts of [0, 1]."""
        (d0, d1), (t0, t1) = self.density, self.theta
        base = (float(d0 * (d1 / d0) ** x[0]), float(t0 + (t1 - t0) * x[1]))
        if self.thickness is None:
            return Recipe(*base)
        lo, hi = (round(t / self.cell) for t in self.thickness)
        cells = lo + min(hi - lo, math.floor(x[2] * (hi - lo + 1)))
        (j0, j1) = self.boundary_js
        return Recipe(*base, cells * self.cell, float(j0 + (j1 - j0) * x[3]))

    def snapped(self, x: np.ndarray) -> np.ndarray:
        """Points x (n, dims) of the unit box with the thickness coordinate moved to the middle
        of its level: points of the same recipe coincide."""
        x = np.array(x, float)
        if self.thickness is not None:
            levels = round((self.thickness[1] - self.thickness[0]) / self.cell) + 1
            x[:, 2] = (np.minimum(np.floor(x[:, 2] * levels), levels - 1) + 0.5) / levels
            if self.thickness[0] == 0:  # no boundary: its Js means nothing
                x[x[:, 2] * levels < 1, 3] = 0
        return x

    def to_dict(self) -> dict:
        out = {"density": list(self.density), "theta": list(self.theta)}
        if self.thickness is not None:
            out.update(thickness_nm=list(self.thickness), boundary_js_T=list(self.boundary_js),
                       cell_nm=self.cell)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Ranges":
        extra = {}
        if "thickness_nm" in d:
            extra = {"thickness": tuple(d["thickness_nm"]),
                     "boundary_js": tuple(d["boundary_js_T"]), "cell": d["cell_nm"]}
        return cls(tuple(d["density"]), tuple(d["theta"]), **extra)


def recipe_ranges(cfg, density=None, diameter=None, theta=None, thickness=None,
                  boundary_js=None) -> Ranges:
    """The recipe box inside the generator's ranges of the run config cfg: density (lo, hi)
    grains/µm² or diameter (lo, hi) nm, theta (lo, hi) rad, and for a config with a [boundary]
    section thickness (lo, hi) nm and boundary_js (lo, hi) T; default the generator's whole
    range. BadParameter for a range outside the generator's, or a boundary range on a run
    without a boundary phase."""
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
    b = cfg.boundary
    if b is None:
        for name, given in (("thickness", thickness), ("boundary_js", boundary_js)):
            if given is not None:
                raise BadParameter(f"{{}}: run {cfg.name!r} has no grain-boundary phase (its "
                                   "config has no [boundary] section)", name)
        return Ranges(d, t)
    th = tuple(map(float, b.thickness if thickness is None else thickness))
    js = tuple(map(float, b.Js if boundary_js is None else boundary_js))
    _check("thickness", th, tuple(map(float, b.thickness)), "nm")
    _check("boundary_js", js, tuple(map(float, b.Js)), "T")
    cell = cfg.grid.cell_size
    for v in th:
        if abs(v / cell - round(v / cell)) > 1e-9:
            raise BadParameter(f"{{}} {v:g} nm is not a multiple of the cell size ({cell:g} "
                               "nm)", "thickness")
    return Ranges(d, t, th, js, cell)


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
