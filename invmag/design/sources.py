"""Where a design's structures come from, besides the latent search (docs/design.md):

- data: the run's simulated structures (labels.h5, then verified.h5), without the labels its
  model holds out. Rows that already meet the goal are designs at zero simulations; the nearest
  others are polish starts whose anchors are known (no screening simulation).
- pool: fresh Voronoi structures of the run's generator (its grain counts and misorientations),
  predicted by the surrogate (virtual screening): structures like the training data, so their
  prediction is about as good as the test error; the best distinct ones are screened by
  simulation.
- random: fresh generator structures, unranked: what a user who only simulates would try.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.boundary import boundary_band, edge_distances, plain_phase
from ..data.holdout import inside
from ..data.samples import VERIFIED, read_labels
from ..data.structures import grain_axes, grain_range, voronoi_batch, voronoi_draws
from ..physics.temperature import T_ROOM
from .phases import thickness_levels

DATA_FILES = ("labels.h5", VERIFIED)
POOL_STREAM = 3  # seed stream of pool structures (0, 1: unlabelled, labelled; 2: verified.h5)
DATA_KELVIN = 2.0  # K: a label this close to the design temperature counts as simulated at it
# (12 magnet labels simulated 2 K off: every anchor within 1.2e-3 but one hc at a reversal
# bifurcation, which took the other branch: 0.026)


@dataclass
class Known:
    """Simulated structures of a run: phi (N, ny, nx) rad, anchors (N, 6) (Ms, H_A), and where
    each comes from: file (N,) name in the run folder, row (N,) in that file; phase (N, 3)
    (boundary thickness nm, boundary Js T, T K) and boundary cells mask (N, ny, nx) bool (None:
    a run without a boundary phase)."""

    phi: np.ndarray
    anchors: np.ndarray
    file: np.ndarray
    row: np.ndarray
    phase: np.ndarray
    mask: np.ndarray | None = None

    def __len__(self):
        return len(self.anchors)


def known_structures(run, shape: tuple[int, int], hold_out=(),
                     temperature: float = T_ROOM) -> Known:
    """The good rows of the run's labels.h5 (without those inside the hold-out boxes) and
    verified.h5 (the run's own simulations for earlier designs) of grid shape (ny, nx) that
    were simulated at `temperature` K (within DATA_KELVIN; a file without phases is at
    300 K)."""
    parts, boundary = [], False
    for name in DATA_FILES:
        path = Path(run) / name
        if not path.is_file():
            continue
        labels = read_labels(path)
        phase = plain_phase(len(labels.anchors)) if labels.phase is None else labels.phase
        rows = np.flatnonzero(labels.good & (np.abs(phase[:, 2] - temperature) <= DATA_KELVIN))
        if name == "labels.h5":
            rows = rows[~inside(labels.anchors[rows], hold_out)]
        if labels.phi.shape[1:] != tuple(shape):
            raise ValueError(f"{path} holds structures of {labels.phi.shape[1:]} cells, the "
                             f"model takes {tuple(shape)}")
        boundary |= labels.boundary is not None
        parts.append((Known(labels.phi[rows], labels.anchors[rows],
                            np.full(len(rows), name, dtype=object), rows, phase[rows]),
                      labels.boundary))
    if not parts:
        return Known(np.zeros((0, *shape), np.float32), np.zeros((0, 6)),
                     np.zeros(0, dtype=object), np.zeros(0, int), plain_phase(0))
    if boundary:
        for k, b in parts:
            k.mask = np.zeros(k.phi.shape, bool) if b is None else b[k.row]
    return Known(*(np.concatenate([getattr(k, f) for k, _ in parts])
                   for f in ("phi", "anchors", "file", "row", "phase")),
                 np.concatenate([k.mask for k, _ in parts]) if boundary else None)


def draw_pool(cfg, n: int, seed: int, temperature: float = T_ROOM):
    """n fresh samples of the run's generator (cfg's grid and structures sections: grain counts
    uniform over their range, maximum misorientations uniform; with a [boundary] section its
    thickness and Js drawn uniformly as the data's, capped where a grain would lose its
    interior), at `temperature` K, seeded by (cfg.seed, POOL_STREAM, seed): never the run's own
    samples. Returns (phi (n, ny, nx) rad, mask (n, ny, nx) bool or None, phase (n, 3))."""
    g, st = cfg.grid, cfg.structures
    rng = np.random.default_rng([cfg.seed, POOL_STREAM, seed])
    lo, hi = grain_range(g.nx * g.ny * g.cell_size ** 2, st.grain_density)
    n_grains = rng.integers(lo, hi + 1, n)
    theta = rng.uniform(0, st.max_misorientation, n)
    phase = plain_phase(n, temperature)
    if cfg.boundary is None:
        return voronoi_batch(rng, g.nx, g.ny, g.cell_size, n_grains, theta), None, phase
    seeds, axes = voronoi_draws(rng, g.nx, g.ny, g.cell_size, n_grains, theta)
    grain, dist = edge_distances(seeds, n_grains, g.nx, g.ny, g.cell_size)
    phase[:, 0], mask = boundary_band(grain, dist, rng.choice(thickness_levels(cfg), n),
                                      g.cell_size, g.ny, g.nx)
    phase[:, 1] = rng.uniform(*cfg.boundary.Js, n)
    return grain_axes(axes, grain, g.ny, g.nx), mask, phase
