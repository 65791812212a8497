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

from ..data.holdout import inside
from ..data.samples import VERIFIED, read_labels
from ..data.structures import grain_range, voronoi_batch

DATA_FILES = ("labels.h5", VERIFIED)
POOL_STREAM = 3  # seed stream of pool structures (0, 1: unlabelled, labelled; 2: verified.h5)


@dataclass
class Known:
    """Simulated structures of a run: phi (N, ny, nx) rad, anchors (N, 6) (Ms, H_A), and where
    each comes from: file (N,) name in the run folder, row (N,) in that file."""

    phi: np.ndarray
    anchors: np.ndarray
    file: np.ndarray
    row: np.ndarray

    def __len__(self):
        return len(self.anchors)


def known_structures(run, shape: tuple[int, int], hold_out=()) -> Known:
    """The good rows of the run's labels.h5 (without those inside the hold-out boxes) and
    verified.h5 (the run's own simulations for earlier designs) of grid shape (ny, nx)."""
    parts = []
    for name in DATA_FILES:
        path = Path(run) / name
        if not path.is_file():
            continue
        labels = read_labels(path)
        rows = np.flatnonzero(labels.good)
        if name == "labels.h5":
            rows = rows[~inside(labels.anchors[rows], hold_out)]
        if labels.phi.shape[1:] != tuple(shape):
            raise ValueError(f"{path} holds structures of {labels.phi.shape[1:]} cells, the "
                             f"model takes {tuple(shape)}")
        parts.append(Known(labels.phi[rows], labels.anchors[rows],
                           np.full(len(rows), name, dtype=object), rows))
    if not parts:
        return Known(np.zeros((0, *shape), np.float32), np.zeros((0, 6)),
                     np.zeros(0, dtype=object), np.zeros(0, int))
    return Known(*(np.concatenate([getattr(p, f) for p in parts])
                   for f in ("phi", "anchors", "file", "row")))


def draw_pool(cfg, n: int, seed: int) -> np.ndarray:
    """n fresh structures (n, ny, nx) rad of the run's generator (cfg's grid and structures
    sections: grain counts uniform over their range, maximum misorientations uniform), seeded
    by (cfg.seed, POOL_STREAM, seed): never the run's own samples."""
    g, st = cfg.grid, cfg.structures
    rng = np.random.default_rng([cfg.seed, POOL_STREAM, seed])
    lo, hi = grain_range(g.nx * g.ny * g.cell_size ** 2, st.grain_density)
    n_grains = rng.integers(lo, hi + 1, n)
    theta = rng.uniform(0, st.max_misorientation, n)
    return voronoi_batch(rng, g.nx, g.ny, g.cell_size, n_grains, theta)
