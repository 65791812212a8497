"""A grain-surface shell: each grain's own cells near its boundary, of a material of their own
(the config's optional [shell] section; docs/engine.md, "A grain-surface shell").

Geometry. A grain's shell of thickness s (nm, a multiple of the cell; 0: no shell) is its cells
within s of its boundary: the cells not in the boundary phase whose centre lies within
t_b/2 + s of a Voronoi edge (data.boundary's edge distance; t_b the boundary thickness, 0
without one). Like the boundary, s is lowered to the largest multiple of the cell that leaves
every grain an interior cell.

Material. At 300 K the shell has Js_s = shell.Js · material.Js, its sample's K1_s = f · K1 (f
drawn in shell.K1) and A_s = A·(Js_s/Js)² (as the boundary's, data.boundary); it is scaled to T
by its own Kuz'min law, Nd2Fe14B's with Tc = shell.Tc (physics.temperature). It serves a
reduced-anisotropy surface defect layer (f < 1, Tc = 585 K) and a heavy-rare-earth shell
(f > 1, Js < 1, its own Tc).

Draws. A sample's (s, f) come from its seed on a stream of their own (SHELL_KEY): s uniform over
the multiples of the cell in shell.thickness, f uniform in shell.K1; so a config's other draws
are those of the config without [shell].
"""

from dataclasses import replace

import numpy as np

from ..physics.material import Cells
from ..physics.temperature import NDFEB, KuzminLaw, scale_at
from .boundary import EPS, boundary_exchange, boundary_region, interior_depth, pick_level
from .sample import BOUNDARY, SHELL, Region

SHELL_KEY = 3  # spawn key of a sample's shell stream: SeedSequence(seed, spawn_key=(SHELL_KEY,))


def shell_law(cfg) -> KuzminLaw:
    """The shell's temperature law: Nd2Fe14B's with the shell's Curie temperature."""
    return replace(NDFEB, Tc=cfg.shell.Tc)


def shell_values(u, cfg) -> tuple[np.ndarray, np.ndarray]:
    """The (thickness (N,) nm, K1 factor (N,)) that uniforms u (N, 2) in [0, 1) stand for: the
    thickness uniform over the multiples of the cell in shell.thickness, the factor uniform in
    shell.K1 (u = 0.5: the middle level and the middle factor)."""
    u, sh = np.asarray(u, float).reshape(-1, 2), cfg.shell
    return (np.array([pick_level(a, sh.thickness, cfg.grid.cell_size) for a in u[:, 0]]),
            sh.K1[0] + u[:, 1] * (sh.K1[1] - sh.K1[0]))


def shell_uniforms(seed: int) -> np.ndarray:
    """The uniforms (1, 2) of a sample's shell, from its seed on its shell stream (SHELL_KEY)."""
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(SHELL_KEY,)))
    return rng.uniform(size=(1, 2))


def draw_shell(seed: int, cfg) -> tuple[float, float]:
    """A sample's (shell thickness nm, K1 factor) as drawn from its seed (module docstring),
    the thickness before draw_sample's cap."""
    s, f = shell_values(shell_uniforms(seed), cfg)
    return float(s[0]), float(f[0])


def max_shell(depth, boundary_thickness, cell_size: float) -> np.ndarray:
    """The thickest shells (nm, multiples of the cell) that leave every grain an interior cell:
    depth (N,) nm the structures' interior_depth, boundary_thickness (N,) nm."""
    reach = np.asarray(depth, float) - np.asarray(boundary_thickness, float) / 2 + EPS
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(reach), np.inf,
                        np.maximum(np.floor(reach / cell_size), 0) * cell_size)


def shell_mask(dist, boundary_thickness, thickness, ny: int, nx: int) -> np.ndarray:
    """The shell cells (N, ny, nx) bool of N structures from each cell's edge distance dist
    (N, ny·nx) nm: outside the boundary band t_b/2 and within t_b/2 + s of an edge
    (boundary_thickness t_b and thickness s (N,) nm)."""
    inner = np.asarray(boundary_thickness, float)[:, None] / 2 - EPS
    return ((dist >= inner) & (dist < inner + np.asarray(thickness, float)[:, None])).reshape(
        -1, ny, nx)


def depths(grain, dist) -> np.ndarray:
    """interior_depth (N,) nm of N structures from each cell's grain and edge distance
    (N, ny·nx) (data.boundary.edge_distances)."""
    return np.array([interior_depth(g, d) for g, d in zip(grain, dist)], float).reshape(-1)


def shell_region(u, depth, dist, boundary_thickness, cfg) -> Region:
    """The shells of N Voronoi structures whose values uniforms u (N, 2) stand for
    (shell_values), from their depths (N,) and edge distances dist (N, ny·nx) nm beside
    boundaries of boundary_thickness (N,) nm: the thickness lowered where a grain would keep
    no interior cell; Js and K1 at 300 K (module docstring)."""
    g, m = cfg.grid, cfg.material
    s, factor = shell_values(u, cfg)
    s = np.minimum(s, max_shell(depth, boundary_thickness, g.cell_size))
    return Region(shell_mask(dist, boundary_thickness, s, g.ny, g.nx), s,
                  np.full(len(s), cfg.shell.Js * m.Js), m.K1 * factor)


def voronoi_regions(cfg, grain, dist, thickness, js, shell_u) -> dict:
    """The regions of N Voronoi structures under cfg from each cell's grain and edge distance
    (N, ny·nx) nm (data.boundary.edge_distances): with a [boundary] section its band of
    thickness (N,) nm (lowered where a grain would keep no interior cell) and Js (N,) T; with a
    [shell] section the shells the uniforms shell_u (N, 2) stand for (shell_region), beside
    that band."""
    g, depth = cfg.grid, depths(grain, dist)
    regions, t = {}, np.zeros(len(dist))
    if cfg.boundary is not None:
        regions[BOUNDARY] = boundary_region(depth, dist, thickness, js, g.cell_size, g.ny, g.nx)
        t = regions[BOUNDARY].thickness
    if cfg.shell is not None:
        regions[SHELL] = shell_region(shell_u, depth, dist, t, cfg)
    return regions


def shell_cells(cells: Cells, region: Region, temperature, cfg) -> Cells:
    """Per-cell material (SI) at each sample's temperature (N,) K with the shell's in the cells
    of region: its Js, K1 and A = A·(Js_s/Js)² at 300 K under the shell's own law."""
    j, k, a = (np.reshape(f, (-1, 1, 1)) for f in scale_at(temperature, shell_law(cfg)))
    m, mask = cfg.material, region.mask
    js, k1 = (np.reshape(np.asarray(v, float), (-1, 1, 1)) for v in (region.Js, region.K1))
    return Cells(np.where(mask, js * j, cells.Js),
                 np.where(mask, boundary_exchange(m.A, m.Js, js) * a, cells.A),
                 np.where(mask, k1 * k, cells.K1))
