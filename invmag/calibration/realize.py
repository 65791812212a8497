"""Realizations of a measured magnet's microstructure: periodic Voronoi samples of its grain
size, texture and boundary, in the config's physics, with a given grain-surface shell.

The sample holds the magnet's grains (docs/calibration.md, "What a sample holds"): a square of
the config's cells whose side, a multiple of SIDE_STEP cells and at least the config's, holds
MIN_GRAINS grains of the magnet's size (a grain's area π/4·d², d the source's mean grain size);
its grain count is the area over that. A magnet is drawn again until its realizations hold
GRAINS_SAMPLED grains (at least two realizations, for a spread). A realization's axes are
stratified (uniform in ±θ, one in each of as many equal parts as it has grains). Grains that
would need a side above MAX_SIDE cells, or that are narrower than MIN_CELLS cells, the sample
cannot hold. DRAWING names this way of drawing in the kept simulations' keys.
"""

from dataclasses import dataclass
import math
import zlib

import numpy as np

from ..config import config_from_dict
from ..data.boundary import edge_distance
from ..data.sample import Samples
from ..data.shell import depths, max_shell, voronoi_regions
from ..data.structures import canonical, voronoi
from .measured import Magnet

MIN_GRAINS = 4       # grains a realization holds at least
GRAINS_SAMPLED = 24  # grains over a magnet's realizations, at least
SIDE_STEP = 16       # cells: sample sides are multiples of this
MAX_SIDE = 320       # cells: the largest sample side (640 nm of 2-nm cells)
MIN_CELLS = 4        # cells a grain is across, at least
SHELL_NM = (2.0, 4.0)  # nm: the shell thicknesses fitted (calibration.fit), multiples of 2 nm
DRAWING = "stratified axes, redrawn for the shell"  # changes when the drawing does
REDRAWS = 50         # draws of a realization until its smallest grain holds every shell


@dataclass(frozen=True)
class Sampling:
    """How a magnet is sampled: side cells (square), grains per realization, realizations."""

    side: int
    grains: int
    realizations: int


def sampling(magnet: Magnet, cfg) -> Sampling:
    """The sample that holds `magnet`'s grains under cfg (module docstring); ValueError (one
    line) for a magnet without a grain size or with grains the sample cannot hold."""
    d, h = magnet.grain_size, cfg.grid.cell_size
    if math.isnan(d):
        raise ValueError(f"magnet {magnet.name}: grain_size_nm is needed to draw its grains, "
                         "and its source gives none")
    if d < MIN_CELLS * h:
        raise ValueError(f"magnet {magnet.name}: grains of {d:g} nm are narrower than "
                         f"{MIN_CELLS} cells of {h:g} nm; the sample cannot resolve them")
    grain_area = math.pi / 4 * d**2
    need = math.sqrt(MIN_GRAINS * grain_area) / h
    side = max(cfg.grid.nx, SIDE_STEP * math.ceil(need / SIDE_STEP))
    if side > MAX_SIDE:
        raise ValueError(
            f"magnet {magnet.name}: {MIN_GRAINS} grains of {d:g} nm need a sample "
            f"{need * h:.0f} nm wide; the calibration's samples hold at most {MAX_SIDE} cells of "
            f"{h:g} nm ({MAX_SIDE * h:g} nm)")
    grains = max(MIN_GRAINS, round((side * h) ** 2 / grain_area))
    return Sampling(side, grains, max(2, math.ceil(GRAINS_SAMPLED / grains)))


def magnet_config(magnet: Magnet, cfg, shell_nm: float, shell_k1: float):
    """cfg for `magnet`'s realizations: its sample (sampling), grain density and texture, its
    boundary phase (none where its source gives none; Js 0 T where only the thickness is
    given), a [shell] of shell_nm nm (a multiple of the cell) and K1 × shell_k1."""
    s, (theta, _) = sampling(magnet, cfg), magnet.texture
    d = cfg.to_dict()
    area = (s.side * cfg.grid.cell_size) ** 2
    d["grid"].update(nx=s.side, ny=s.side)
    d["structures"].update(grain_density=[s.grains / area * 1e6] * 2, max_misorientation=theta)
    t_b = boundary_thickness(magnet, cfg.grid.cell_size)
    d.pop("boundary", None)
    if t_b > 0:
        js = 0.0 if math.isnan(magnet.boundary_js) else magnet.boundary_js
        d["boundary"] = {"thickness": [t_b, t_b], "Js": [js, js],
                         "K1": cfg.boundary.K1 if cfg.boundary else 0.0}
    shell = dict(d.get("shell", {}), thickness=[shell_nm, shell_nm], K1=[shell_k1, shell_k1])
    d["shell"] = shell
    return config_from_dict(d)


def boundary_thickness(magnet: Magnet, cell_size: float) -> float:
    """The magnet's boundary thickness on the grid, nm: the nearest multiple of the cell (0
    where the source gives none)."""
    if math.isnan(magnet.boundary):
        return 0.0
    return round(magnet.boundary / cell_size) * cell_size


def realizations(magnet: Magnet, mcfg, T: float) -> Samples:
    """The magnet's realizations (Samples) at T K under mcfg = magnet_config(magnet, cfg, shell
    nm, K1 factor) (its sample, texture, boundary and shell): the same grain maps at every
    shell and T. A realization's seed comes from the config's seed, the magnet's name, its
    index and a redraw count: a structure whose smallest grain cannot hold the thickest shell
    fitted (SHELL_NM) with an interior cell is drawn again, so that every shell is the one
    asked for."""
    s = sampling(magnet, mcfg)  # mcfg's sample is the magnet's: the same sampling
    return Samples.join([_realization(magnet, mcfg, r, s.grains, T)
                         for r in range(s.realizations)])


def _realization(magnet, mcfg, r, grains, T) -> Samples:
    g, theta, b = mcfg.grid, mcfg.structures.max_misorientation, mcfg.boundary
    t_b, js = (0.0, 0.0) if b is None else (b.thickness[0], b.Js[0])
    for redraw in range(REDRAWS):
        rng = np.random.default_rng([mcfg.seed, zlib.crc32(magnet.name.encode()), r, redraw])
        _, seeds = voronoi(g.nx, g.ny, g.cell_size, grains, theta, rng, periodic=g.periodic)
        grain, dist = edge_distance(seeds, g.nx, g.ny, g.cell_size, g.periodic)
        phi = canonical(stratified(rng, grains, theta)[grain]).reshape(g.ny, g.nx)
        if max_shell(depths(grain[None], dist[None]), [t_b], g.cell_size)[0] >= max(SHELL_NM):
            regions = voronoi_regions(mcfg, grain[None], dist[None], np.array([t_b]),
                                      np.array([js]), np.full((1, 2), 0.5))
            return Samples(phi, T, regions)
    raise ValueError(f"magnet {magnet.name}: in {REDRAWS} draws of {grains} grains of "
                     f"{magnet.grain_size:g} nm, some grain was too small for a "
                     f"{max(SHELL_NM):g}-nm shell")


def stratified(rng, n: int, theta: float) -> np.ndarray:
    """n axis angles (rad) uniform in [−θ, θ], one in each of n equal parts of it, in random
    order: the grains of a realization span the texture, so that a mean over few realizations
    is not set by which one drew the most misaligned grain."""
    u = (rng.permutation(n) + rng.uniform(size=n)) / n
    return (2 * u - 1) * theta
