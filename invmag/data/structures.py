"""Grain structures (docs/conventions.md): seeded 2D Voronoi samples, the kx encoding, .npy files.

A structure is ``phi[iy, ix]`` (float32, rad): the easy-axis angle of each cell, measured from +y
towards +x, in the canonical range [−π/2, π/2] (phi and phi ± π are the same axis).
"""

from pathlib import Path

import numpy as np

from .. import BadParameter

HALF_PI = np.pi / 2


def canonical(phi):
    """Map axis angles (rad) to the canonical range [−π/2, π/2)."""
    return (np.asarray(phi) + HALF_PI) % np.pi - HALF_PI


def sample_structure(nx: int, ny: int, cell_size_nm: float, n_grains: int, theta_max: float,
                     seed) -> np.ndarray:
    """Voronoi structure of nx × ny square cells: n_grains seeds uniform in the sample, each cell
    takes the grain of its nearest seed (open boundaries), each grain an axis angle uniform in
    [−theta_max, theta_max] (rad). seed: int or numpy Generator. Returns phi (ny, nx) float32."""
    return voronoi(nx, ny, cell_size_nm, n_grains, theta_max, seed)[0]


def voronoi(nx: int, ny: int, cell_size_nm: float, n_grains: int, theta_max: float, seed,
            periodic: bool = False):
    """sample_structure with its Voronoi seeds: (phi (ny, nx) float32, seeds (n_grains, 2) nm,
    (x, y) from the sample's corner); periodic: distances to the seeds' nearest periodic images
    (grains run across the edges)."""
    from scipy.spatial import cKDTree  # imported when used: `invmag --help` needs no scipy

    if n_grains < 1:
        raise ValueError(f"n_grains must be ≥ 1, got {n_grains}")
    rng = np.random.default_rng(seed)
    size = np.array([nx, ny]) * cell_size_nm
    seeds = rng.uniform(0, 1, (n_grains, 2)) * size
    angles = rng.uniform(-theta_max, theta_max, n_grains)
    iy, ix = np.mgrid[0:ny, 0:nx]
    centres = np.c_[ix.ravel() + 0.5, iy.ravel() + 0.5] * cell_size_nm
    _, grain = cKDTree(seeds, boxsize=size if periodic else None).query(centres)
    return canonical(angles[grain]).reshape(ny, nx).astype(np.float32), seeds


def voronoi_batch(rng, nx: int, ny: int, cell_size_nm: float, n_grains, theta_max,
                  chunk: int = 256, periodic: bool = False) -> np.ndarray:
    """Many Voronoi structures at once, each as sample_structure draws one (seeds uniform in
    the sample, nearest-seed cells, axes uniform in [−θ, θ]) from one generator rng:
    n_grains (N,) ints ≥ 1, theta_max (N,) rad; periodic as voronoi. Returns phi (N, ny, nx)
    float32."""
    n_grains, theta_max = np.asarray(n_grains, int), np.asarray(theta_max, float)
    if len(n_grains) and n_grains.min() < 1:
        raise ValueError(f"n_grains must be ≥ 1, got {n_grains.min()}")
    seeds, angles = voronoi_draws(rng, nx, ny, cell_size_nm, n_grains, theta_max)
    grain = nearest_grain(seeds, n_grains, nx, ny, cell_size_nm, chunk, periodic)
    return grain_axes(angles, grain, ny, nx)


def voronoi_draws(rng, nx: int, ny: int, cell_size_nm: float, n_grains, theta_max):
    """The draws of voronoi_batch: (seeds (N, G, 2) nm uniform in the sample, axes (N, G) rad
    uniform in [−θ, θ]), G the largest grain count (structure i uses its first n_grains[i])."""
    n_grains, theta_max = np.asarray(n_grains, int), np.asarray(theta_max, float)
    N, G = len(n_grains), int(n_grains.max(initial=1))
    seeds = rng.uniform(0, 1, (N, G, 2)) * (np.array([nx, ny]) * cell_size_nm)
    return seeds, rng.uniform(-1, 1, (N, G)) * theta_max[:, None]


def grain_axes(axes, grain, ny: int, nx: int) -> np.ndarray:
    """Structures phi (N, ny, nx) float32 of grain axes (N, G) rad and each cell's grain
    (N, ny·nx)."""
    return canonical(np.take_along_axis(axes, grain, 1)).astype(np.float32).reshape(-1, ny, nx)


def nearest_grain(seeds, n_grains, nx: int, ny: int, cell_size_nm: float,
                  chunk: int = 256, periodic: bool = False) -> np.ndarray:
    """Voronoi cells: for seeds (N, G, 2) in nm, of which structure i uses its first
    n_grains[i], the index of the nearest seed of each cell (open boundaries, or periodic:
    the nearest periodic image). Returns (N, ny·nx) ints, row-major (iy, ix)."""
    n_grains = np.asarray(n_grains, int)
    N, G = seeds.shape[:2]
    iy, ix = np.mgrid[0:ny, 0:nx]
    centres = np.c_[ix.ravel() + 0.5, iy.ravel() + 0.5] * cell_size_nm
    absent = np.arange(G) >= n_grains[:, None]  # (N, G): seeds beyond a structure's count
    size = np.array([nx, ny]) * cell_size_nm
    out = np.empty((N, ny * nx), np.int64)
    for i in range(0, N, chunk):
        diff = centres[None, :, None, :] - seeds[i:i + chunk, None]
        if periodic:  # minimum images
            diff -= size * np.round(diff / size)
        d2 = (diff ** 2).sum(-1)
        d2[np.broadcast_to(absent[i:i + chunk, None], d2.shape)] = np.inf
        out[i:i + chunk] = d2.argmin(-1)
    return out


def grain_range(area_nm2: float, grain_density) -> tuple[int, int]:
    """Smallest and largest grain count for a sample of area_nm2 at grain_density (lo, hi) in
    grains per µm² (paper: 16–256 grains in 320 × 320 nm²); at least one grain."""
    lo, hi = (max(1, round(d * area_nm2 * 1e-6)) for d in grain_density)
    return lo, max(lo, hi)


def sample_parameters(rng, area_nm2: float, grain_density, max_misorientation: float):
    """Generator parameters of one structure (paper 2.2): n_grains uniform over grain_range,
    maximum misorientation |θ| uniform in [0, max_misorientation] (rad). Returns (n_g, θ)."""
    lo, hi = grain_range(area_nm2, grain_density)
    return int(rng.integers(lo, hi + 1)), float(rng.uniform(0, max_misorientation))


def sample_seed(config_seed: int, stream: int, index: int) -> int:
    """Seed of sample `index` of a stream (0: unlabelled, 1: labelled) of a config, derived with
    numpy's SeedSequence; < 2**53 so it is exact in a float64 params column."""
    state = np.random.SeedSequence(config_seed, spawn_key=(stream, index)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(11))


def draw(seed: int, grid, structures):
    """The structure a sample seed stands for, under a config's grid and structures sections.
    Returns (phi (ny, nx) float32, params (n_grains, theta_max, seed))."""
    return draw_seeds(seed, grid, structures)[:2]


def draw_seeds(seed: int, grid, structures):
    """draw with the structure's Voronoi seeds: (phi, params, seeds (n_grains, 2) nm); periodic
    (minimum-image) grains where the grid is periodic."""
    rng = np.random.default_rng(seed)
    area = grid.nx * grid.ny * grid.cell_size ** 2
    n_grains, theta = sample_parameters(rng, area, structures.grain_density,
                                        structures.max_misorientation)
    phi, seeds = voronoi(grid.nx, grid.ny, grid.cell_size, n_grains, theta, rng, grid.periodic)
    return phi, (n_grains, theta, seed), seeds


def draw_batch(seeds, grid, structures):
    """Structures of many seeds: (phis (N, ny, nx) float32, params (N, 3) float64)."""
    drawn = [draw(int(s), grid, structures) for s in seeds]
    phis = np.stack([d[0] for d in drawn]) if drawn else np.zeros((0, grid.ny, grid.nx), np.float32)
    return phis, np.array([d[1] for d in drawn], dtype=np.float64).reshape(-1, 3)


def kx_from_phi(phi):
    """VAE encoding kx = sin(phi), the x-component of the easy axis, in [−1, 1]."""
    return np.sin(phi)


def phi_from_kx(kx):
    """Inverse of kx_from_phi: phi = arcsin(kx) in [−π/2, π/2] (kx clipped to [−1, 1])."""
    return np.arcsin(np.clip(kx, -1.0, 1.0))


def validate_structure(phi, name="structure") -> np.ndarray:
    """Check a structure array (2D, float32/64, finite); returns it as float32."""
    phi = np.asarray(phi)
    if phi.dtype not in (np.float32, np.float64):
        raise ValueError(f"{name}: angles must be float32 or float64, got dtype {phi.dtype}")
    if phi.ndim != 2:
        raise ValueError(f"{name}: a structure must be a 2D array phi[iy, ix], got shape "
                         f"{phi.shape}")
    if min(phi.shape) < 1:
        raise ValueError(f"{name}: empty structure of shape {phi.shape}")
    if not np.isfinite(phi).all():
        raise ValueError(f"{name}: contains NaN or infinite angles")
    return phi.astype(np.float32)


def load_structure(path, shape: tuple[int, int] | None = None,
                   cell_size: float | None = None) -> np.ndarray:
    """Read a structure from .npy (phi[iy, ix], rad) or from an OVF 2.0 easy-axis field
    (invmag.data.ovf; axis angles made canonical), returned as float32; shape: the (ny, nx) the
    caller takes, if it takes one grid only; cell_size (nm): the cell size the caller simulates,
    checked against an OVF file's."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such structure file: {path}")
    if path.suffix.lower() == ".ovf":
        from .ovf import read_ovf

        phi, size = read_ovf(path)
        if cell_size is not None and not np.isclose(size * 1e9, cell_size, rtol=1e-6):
            raise BadParameter(f"{path}: cells of {size * 1e9:g} nm, but {cell_size:g} nm are "
                               "simulated (set {} or the config's grid.cell_size)", 'cell_size')
        phi = canonical(phi)
    else:
        try:
            phi = np.load(path, allow_pickle=False)
        except ValueError as e:  # pickled object arrays, or not a .npy file at all
            raise ValueError(f"{path}: not a numeric .npy array ({e})") from None
    if not isinstance(phi, np.ndarray):
        raise ValueError(f"{path}: holds several arrays, expected one phi array")
    phi = validate_structure(phi, str(path))
    if shape is not None and phi.shape != tuple(shape):
        raise ValueError(f"{path}: {phi.shape[0]} × {phi.shape[1]} cells, but the model takes "
                         f"structures of {shape[0]} × {shape[1]} cells (ny × nx)")
    return phi


def save_structure(path, phi):
    """Write a structure to .npy as float32 (validated as load_structure does)."""
    np.save(Path(path), validate_structure(phi))
