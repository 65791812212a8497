"""A real magnet's sample: a grain-boundary phase between the grains and an operating temperature
(the config's optional [boundary] and [temperature] sections; docs/data.md).

Geometry. The boundary phase of a Voronoi structure is the cells nearest its Voronoi edges: a
cell belongs to it when the distance of its centre x to the nearest edge is below t/2, t the
thickness in nm (a multiple of the cell size; t = 0: no boundary). x's nearest seed is s_i (its
grain, as in structures.sample_structure) and the distance to the edge between grains i and j is
(|x − s_j|² − |x − s_i|²) / (2|s_j − s_i|), minimized over j. Sample edges are not grain
boundaries (open boundaries); on a periodic grid the seeds' images in the 3 × 3 tiles around
the sample count as seeds of their grain, and an edge between a grain and its own image is
none. Over random edge positions a band holds t / cell_size cells per cell of edge length; for
one edge, which columns it takes depends on where the edge lies.

Material. Both phases follow physics.temperature's law at the sample's T: the main phase is
material_at(T, cfg.material); the boundary phase has, at 300 K, the sample's Js_b, K1_b =
boundary.K1 and A_b = A·(Js_b/Js)² (mean field: exchange ∝ Ms², the exponent κ = 2 of A(T)),
and is scaled to T with the same factors scale_at(T) (it shares the main phase's reduced curve).

Draws. A sample's (t, Js_b, T) come from its own seed, on a stream of their own (PHASE_KEY), so
the structure draws (structures.draw) are those of a config without these sections.
"""

import math

import numpy as np

from ..physics.material import Cells
from ..physics.temperature import T_ROOM
from .sample import Region, Samples
from .structures import draw_seeds

PHASE_KEY = 2  # spawn key of a sample's phase stream: SeedSequence(seed, spawn_key=(PHASE_KEY,))
EPS = 1e-9  # nm: a centre at t/2 − EPS or farther from every edge is interior
NEIGHBOURS = 16  # seeds looked at per cell first (all of them where that cannot be sure)


def has_phases(cfg) -> bool:
    """Whether a config draws per-sample phases (a [boundary], [temperature] or [shell]
    section)."""
    return any(getattr(cfg, name, None) is not None
               for name in ("boundary", "temperature", "shell"))


def boundary_exchange(A: float, Js: float, Js_b):
    """The boundary phase's exchange stiffness, J/m: A_b = A·(Js_b/Js)² (exchange ∝ Ms²)."""
    return A * (np.asarray(Js_b, float) / Js) ** 2


def check_thickness(thickness: float, cell_size: float, name: str = "boundary") -> int:
    """The thickness in cells; ValueError unless it is a multiple of the cell size, ≥ 0."""
    t = float(thickness)
    if not (math.isfinite(t) and t >= 0):
        raise ValueError(f"{name} thickness must be a number ≥ 0 nm, got {thickness!r}")
    n = round(t / cell_size)
    if abs(t / cell_size - n) > 1e-9:
        raise ValueError(f"{name} thickness {t:g} nm is not a multiple of the cell size "
                         f"({cell_size:g} nm)")
    return n


def pick_level(u: float, bounds, cell_size: float) -> float:
    """The thickness (nm) a uniform u in [0, 1) picks among the multiples of the cell size in
    bounds (lo, hi) nm, each with the same chance."""
    lo, hi = (round(t / cell_size) for t in bounds)
    return (lo + min(hi - lo, math.floor(u * (hi - lo + 1)))) * cell_size


def _centres(nx: int, ny: int, cell_size: float) -> np.ndarray:
    iy, ix = np.mgrid[0:ny, 0:nx]
    return np.c_[ix.ravel() + 0.5, iy.ravel() + 0.5] * cell_size


def _tiles(seeds, nx: int, ny: int, cell_size: float) -> np.ndarray:
    """Seeds (…, G, 2) nm and their periodic images in the 3 × 3 tiles around the sample:
    (…, 9G, 2), seed t·G + g an image of seed g."""
    size = np.array([nx, ny]) * cell_size
    shifts = np.array([(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)]) * size
    return (seeds[..., None, :, :] + shifts[:, None]).reshape(*seeds.shape[:-2], -1, 2)


def _bisector(x, seeds, i, js, G):
    """Distance (P,) of points x (P, 2) in grain i (P,) to the nearest edge between i and the
    grains js (P, m); seeds j and j + G·t are images of one grain (periodic: _tiles)."""
    si, sj = seeds[i], seeds[js]
    d2i = ((x - si) ** 2).sum(-1)[:, None]
    d2j = ((x[:, None] - sj) ** 2).sum(-1)
    sep = np.linalg.norm(sj - si[:, None], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (d2j - d2i) / (2 * sep)
    d[(sep == 0) | (js % G == i[:, None] % G)] = np.inf  # i itself or its image (or a seed at
    # the same place: the same grain)
    return d.min(1) if d.shape[1] else np.full(len(x), np.inf)


def edge_distance(seeds, nx: int, ny: int, cell_size: float, periodic: bool = False):
    """For seeds (G, 2) nm: each cell's grain (its nearest seed) and the distance of its centre
    to the nearest Voronoi edge, nm (inf with one grain), open or periodic (module docstring).
    Returns (grain, dist), (ny·nx,) each, row-major (iy, ix)."""
    from scipy.spatial import cKDTree

    seeds = np.asarray(seeds, float).reshape(-1, 2)
    G = len(seeds)
    if periodic:
        seeds = _tiles(seeds, nx, ny, cell_size)
    x, n = _centres(nx, ny, cell_size), len(seeds)
    k = min(n, NEIGHBOURS)
    d, idx = cKDTree(seeds).query(x, k=k)
    d, idx = d.reshape(len(x), k), idx.reshape(len(x), k)
    grain = idx[:, 0]
    dist = _bisector(x, seeds, grain, idx[:, 1:], G)
    if k < n:  # a seed farther than the k-th is at least (d_k − d_i)/2 from x's grain's edges
        unsure = d[:, -1] - d[:, 0] < 2 * dist
        if unsure.any():
            everyone = np.broadcast_to(np.arange(n), (int(unsure.sum()), n))
            dist[unsure] = _bisector(x[unsure], seeds, grain[unsure], everyone, G)
    return grain % G, dist


def edge_distances(seeds, n_grains, nx: int, ny: int, cell_size: float, periodic: bool = False):
    """edge_distance of N structures at once, every seed looked at (for the few grains of a
    pool or a design; edge_distance's k-d tree serves a structure of many): seeds (N, G, 2) nm,
    of which structure i uses its first n_grains[i] (N,); open or periodic. Returns (grain,
    dist), (N, ny·nx) each."""
    seeds, n_grains = np.asarray(seeds, float), np.asarray(n_grains, int)
    N, G = seeds.shape[:2]
    x = _centres(nx, ny, cell_size)
    absent = np.arange(G) >= n_grains[:, None]
    if periodic:
        seeds, absent = _tiles(seeds, nx, ny, cell_size), np.tile(absent, 9)
    same = np.arange(seeds.shape[1]) % G
    grain, dist = np.empty((N, len(x)), np.int64), np.empty((N, len(x)))
    chunk = max(1, 2 ** 21 // (len(x) * seeds.shape[1]))
    for a in range(0, N, chunk):
        s = seeds[a:a + chunk]
        d2 = ((x[None, :, None] - s[:, None]) ** 2).sum(-1)  # (n, P, G)
        d2[np.broadcast_to(absent[a:a + chunk, None], d2.shape)] = np.inf
        i = d2.argmin(-1)
        pairs = np.linalg.norm(s[:, :, None] - s[:, None], axis=-1)  # (n, G, G)
        sep = pairs[np.arange(len(s))[:, None], i]  # (n, P, G): from each cell's own seed
        with np.errstate(divide="ignore", invalid="ignore"):
            d = (d2 - np.take_along_axis(d2, i[..., None], -1)) / (2 * sep)
        d[(sep == 0) | (same == i[..., None] % G)] = np.inf  # itself, its images
        grain[a:a + chunk], dist[a:a + chunk] = i % G, d.min(-1)
    return grain, dist


def _depths(grain, dist) -> dict:
    """Per grain that holds cells, the distance of its deepest cell centre to an edge (nm)."""
    order = np.argsort(grain, kind="stable")
    g, first = np.unique(grain[order], return_index=True)
    return dict(zip(g.tolist(), np.maximum.reduceat(dist[order], first).tolist()))


def interior_depth(grain, dist) -> float:
    """nm: over the grains that hold cells, the least distance of a grain's deepest cell centre
    to an edge (inf for one grain)."""
    return min(_depths(grain, dist).values())


def thickness_cap(depth, cell_size: float):
    """The largest multiple of the cell size that leaves a grain of interior depth `depth` nm
    (interior_depth; scalar or (N,)) an interior cell (inf for one grain)."""
    depth = np.asarray(depth, float)
    with np.errstate(invalid="ignore"):
        cap = np.floor(2 * (depth + EPS) / cell_size) * cell_size
    return np.where(np.isinf(depth), np.inf, cap)


def max_thickness(grain, dist, cell_size: float) -> float:
    """The largest multiple of the cell size that leaves every grain holding cells at least one
    interior cell (inf for one grain)."""
    return float(thickness_cap(interior_depth(grain, dist), cell_size))


def boundary_region(depth, dist, thickness, js, cell_size: float, ny: int, nx: int) -> Region:
    """The boundary phase of N Voronoi structures of interior depths (N,) nm and edge
    distances dist (N, ny·nx) nm: thickness (N,) nm lowered to thickness_cap where a grain
    would keep no interior cell, its cells, its Js (N,) T."""
    t = np.minimum(thickness, thickness_cap(depth, cell_size))
    return Region((dist < t[:, None] / 2 - EPS).reshape(-1, ny, nx), t, np.asarray(js, float))


def _mask(dist, thickness: float, ny: int, nx: int) -> np.ndarray:
    return (dist < thickness / 2 - EPS).reshape(ny, nx)


def boundary_mask(seeds, n_grains: int, nx: int, ny: int, cell_size: float,
                  thickness: float, periodic: bool = False) -> np.ndarray:
    """The boundary phase (ny, nx) bool of the Voronoi structure of the first n_grains seeds
    (G, 2) nm: cells whose centre is nearer than thickness/2 nm to a Voronoi edge (open or
    periodic). ValueError unless thickness is a multiple of cell_size, ≥ 0, and leaves every
    grain an interior cell."""
    check_thickness(thickness, cell_size)
    grain, dist = edge_distance(np.asarray(seeds, float)[:n_grains], nx, ny, cell_size, periodic)
    depths = _depths(grain, dist)
    k = min(depths, key=depths.get)  # the grain of the shallowest deepest cell
    if thickness / 2 - EPS > depths[k]:
        raise ValueError(f"boundary thickness {thickness:g} nm leaves grain {k} without interior "
                         f"cells (at most {max_thickness(grain, dist, cell_size):g} nm for this "
                         "structure)")
    return _mask(dist, thickness, ny, nx)


def boundary_masks(seeds, n_grains, nx: int, ny: int, cell_size: float,
                   thickness) -> np.ndarray:
    """boundary_mask of N structures: seeds (N, G, 2) nm, n_grains (N,), thickness (N,) nm.
    Returns (N, ny, nx) bool."""
    return np.stack([boundary_mask(s, int(n), nx, ny, cell_size, float(t))
                     for s, n, t in zip(seeds, n_grains, thickness)]).reshape(-1, ny, nx)


def draw_phase(seed: int, cfg) -> tuple[float, float, float]:
    """A sample's (boundary thickness nm, boundary Js T, temperature K) as drawn from its seed:
    thickness uniform over the multiples of the cell size in boundary.thickness, Js_b uniform in
    boundary.Js (no section: 0 nm and NaN), T uniform in temperature.range (no section: 300 K).
    The thickness before draw_sample's cap."""
    u = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(PHASE_KEY,))).uniform(
        size=3)
    b, temp = cfg.boundary, cfg.temperature
    T = T_ROOM if temp is None else temp.range[0] + u[0] * (temp.range[1] - temp.range[0])
    if b is None:
        return 0.0, math.nan, float(T)
    return (pick_level(u[1], b.thickness, cfg.grid.cell_size),
            float(b.Js[0] + u[2] * (b.Js[1] - b.Js[0])), float(T))


def draw_sample(seed: int, cfg):
    """The sample a seed stands for under a config with phases: (Samples of one, params
    (n_grains, theta_max, seed) as structures.draw gives them). Its boundary region (with a
    [boundary] section) has the drawn thickness, lowered to the largest that leaves every grain
    an interior cell (the stored one is used); its shell (with a [shell] section, data.shell)
    likewise."""
    from .shell import shell_uniforms, voronoi_regions

    g = cfg.grid
    phi, params, seeds = draw_seeds(seed, g, cfg.structures)
    thickness, js, T = draw_phase(seed, cfg)
    regions = {}
    if cfg.boundary is not None or cfg.shell is not None:
        grain, dist = edge_distance(seeds, g.nx, g.ny, g.cell_size, g.periodic)
        regions = voronoi_regions(cfg, grain[None], dist[None], np.array([thickness]),
                                  np.array([js]), None if cfg.shell is None
                                  else shell_uniforms(seed))
    return Samples(phi, T, regions), params


def draw_phase_batch(seeds, cfg):
    """draw_sample of many seeds: (Samples, params (N, 3) float64)."""
    drawn = [draw_sample(int(s), cfg) for s in seeds]
    if not drawn:
        return draw_sample(0, cfg)[0].empty(), np.zeros((0, 3))
    return (Samples.join([d[0] for d in drawn]),
            np.array([d[1] for d in drawn], dtype=np.float64).reshape(-1, 3))


def boundary_cells(cells: Cells, region: Region, cfg) -> Cells:
    """Per-cell material (SI, at 300 K) with the boundary phase of the module docstring in the
    cells of region: Js_b = region.Js, A_b = A·(Js_b/Js)², K1_b = boundary.K1."""
    m = cfg.material
    js_b = np.nan_to_num(region.Js).reshape(-1, 1, 1)
    return Cells(np.where(region.mask, js_b, cells.Js),
                 np.where(region.mask, boundary_exchange(m.A, m.Js, js_b), cells.A),
                 np.where(region.mask, cfg.boundary.K1, cells.K1))
