"""The structures a latent search stands for, in a run of real magnets (docs/design.md).

A decision vector of the search is a latent code followed, where the run has a boundary phase,
by the phase's thickness (u in [0, 1) picks one of the config's thickness levels) and its Js
(T, in the config's range); the temperature is the design's. In a run without a boundary phase
the vector is the code alone and the structure is its decoded image, as in the paper.

With a boundary phase the decoded image is turned into a Voronoi structure, like those the
model was trained on: its grains (grains.grains) give the seeds, at the centroids of their
cells, and the easy axes; the boundary phase is the cells within thickness/2 of the Voronoi
edges (data.boundary), the thickness lowered where a grain would keep no interior cell, as the
generator does. So the search, the polish and the verification all see one structure, whose
boundary has the thickness asked for.

A run with a grain-surface shell ([shell], data.shell) draws it per sample, which the maker does
not choose: a searched structure gets the config's middle shell (the middle thickness level and
the middle K1 factor, data.shell.shell_values at u = 0.5), lowered like the boundary where a
grain would keep no interior cell; the shell is not a design variable.
"""

import numpy as np

from ..data.boundary import edge_distances
from ..data.sample import Samples
from ..data.shell import voronoi_regions
from ..data.structures import grain_axes
from .grains import grains


def thickness_levels(cfg) -> np.ndarray:
    """The boundary thicknesses (nm) of a config: the multiples of the cell in its range."""
    c, (lo, hi) = cfg.grid.cell_size, cfg.boundary.thickness
    return np.arange(round(lo / c), round(hi / c) + 1) * c


def phase_bounds(cfg):
    """(lo, hi) of the design variables after the code: thickness u and boundary Js (T) with a
    [boundary] section, none without."""
    if cfg.boundary is None:
        return (), ()
    return (0.0, cfg.boundary.Js[0]), (1.0, cfg.boundary.Js[1])


def voronoi_seeds(phi: np.ndarray, cell_size: float):
    """The grains of a decoded structure phi (ny, nx) rad as Voronoi seeds: (seeds (G, 2) nm,
    the centroids of the grains' cells, (x, y) from the sample's corner; axes (G,) rad)."""
    index, axes = grains(phi)
    iy, ix = np.indices(phi.shape)
    count = np.bincount(index.ravel(), minlength=len(axes))
    centre = [np.bincount(index.ravel(), weights=(i.ravel() + 0.5) * cell_size,
                          minlength=len(axes)) / np.maximum(count, 1) for i in (ix, iy)]
    seeds = np.stack(centre, 1)
    return seeds[count > 0], axes[count > 0]


def regioned(cfg) -> bool:
    """Whether a run's searched structures are Voronoi structures with regions (a [boundary] or
    [shell] section), else decoded images."""
    return cfg.boundary is not None or cfg.shell is not None


def realize(cfg, decoded: np.ndarray, x: np.ndarray, temperature: float) -> Samples:
    """The Samples at `temperature` K of decision vectors x (N, latent + k) whose codes decoded
    to `decoded` (N, ny, nx) rad (module docstring)."""
    n, (ny, nx) = len(decoded), decoded.shape[1:]
    if not regioned(cfg):
        return Samples(decoded, temperature)
    c = cfg.grid.cell_size
    found = [voronoi_seeds(p, c) for p in decoded]
    G = max(len(a) for _, a in found)
    seeds, axes = np.zeros((n, G, 2)), np.zeros((n, G))
    for i, (s, a) in enumerate(found):
        seeds[i, :len(a)], axes[i, :len(a)] = s, a
    count = np.array([len(a) for _, a in found])
    grain, dist = edge_distances(seeds, count, nx, ny, c, cfg.grid.periodic)
    thickness = None
    if cfg.boundary is not None:
        levels = thickness_levels(cfg)
        u = np.clip(x[:, -2], 0, 1 - 1e-12)
        thickness = levels[(u * len(levels)).astype(int)]
    return Samples(grain_axes(axes, grain, ny, nx), temperature,
                   voronoi_regions(cfg, grain, dist, thickness, x[:, -1], np.full((n, 2), 0.5)))
