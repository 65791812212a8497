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

from ..data.boundary import edge_distances
from ..data.holdout import inside
from ..data.sample import Samples
from ..data.shell import voronoi_regions
from ..data.sample_files import VERIFIED, read_labels
from ..data.structures import grain_axes, grain_range, voronoi_batch, voronoi_draws
from ..physics.temperature import T_ROOM
from .phases import thickness_levels
from .polish import ranked, score
from .targets import Goal

DATA_FILES = ("labels.h5", VERIFIED)
POOL_STREAM = 3  # seed stream of pool structures (0, 1: unlabelled, labelled; 2: verified.h5)
DATA_KELVIN = 2.0  # K: a label this close to the design temperature counts as simulated at it
# (12 magnet labels simulated 2 K off: every anchor within 1.2e-3 but one hc at a reversal
# bifurcation, which took the other branch: 0.026)


@dataclass
class Candidates:
    """Structures for a design, best first: samples (Samples of K), anchors (K, 6) simulated
    (NaN: not yet), source (K,) where each comes from (a data file's name in the run folder,
    "pool", "random" or "search") and row (K,) its row in that file (-1: new); z (K, L) their
    codes and predicted (K, 6) the surrogate's anchors of z, or None before coded()."""

    samples: Samples
    anchors: np.ndarray
    source: np.ndarray
    row: np.ndarray
    z: np.ndarray | None = None
    predicted: np.ndarray | None = None

    def __len__(self):
        return len(self.anchors)

    def take(self, rows) -> "Candidates":
        return Candidates(self.samples.take(rows), *(None if (v := getattr(self, f)) is None
                                                     else v[rows] for f in FIELDS))

    @classmethod
    def join(cls, parts: list["Candidates"]) -> "Candidates":
        return cls(Samples.join([p.samples for p in parts]),
                   *(None if getattr(parts[0], f) is None else
                     np.concatenate([getattr(p, f) for p in parts]) for f in FIELDS))

    @classmethod
    def new(cls, samples: Samples, source: str) -> "Candidates":
        """Unsimulated samples of one source."""
        n = len(samples)
        return cls(samples, np.full((n, 6), np.nan), np.full(n, source, dtype=object),
                   np.full(n, -1))

    def coded(self, surrogate, z=None) -> "Candidates":
        """These with their codes z (default: encoded) and the surrogate's prediction."""
        z = surrogate.encode(self.samples) if z is None else z
        return Candidates(self.samples, self.anchors, self.source, self.row, z,
                          surrogate.predict(z, self.samples))


FIELDS = ("anchors", "source", "row", "z", "predicted")


def known_structures(run, shape: tuple[int, int], hold_out=(),
                     temperature: float = T_ROOM) -> Candidates | None:
    """The good rows of the run's labels.h5 (without those inside the hold-out boxes) and
    verified.h5 (the run's own simulations for earlier designs) of grid shape (ny, nx) that
    were simulated at `temperature` K (within DATA_KELVIN; a file without phases is at
    300 K); None where the run has no such file."""
    parts = []
    for name in DATA_FILES:
        path = Path(run) / name
        if not path.is_file():
            continue
        labels = read_labels(path)
        at = np.abs(labels.samples.temperature - temperature) <= DATA_KELVIN
        rows = np.flatnonzero(labels.good & at)
        if name == "labels.h5":
            rows = rows[~inside(labels.anchors[rows], hold_out)]
        if labels.samples.grid != tuple(shape):
            raise ValueError(f"{path} holds structures of {labels.samples.grid} cells, the "
                             f"model takes {tuple(shape)}")
        parts.append(Candidates(labels.samples.take(rows), labels.anchors[rows],
                                np.full(len(rows), name, dtype=object), rows))
    return Candidates.join(parts) if parts else None


def draw_pool(cfg, n: int, seed: int, temperature: float = T_ROOM) -> Samples:
    """n fresh samples of the run's generator (cfg's grid and structures sections: grain counts
    uniform over their range, maximum misorientations uniform; with a [boundary] section its
    thickness and Js drawn uniformly as the data's, capped where a grain would lose its
    interior; with a [shell] section its thickness and K1 likewise, data.shell), at
    `temperature` K, seeded by (cfg.seed, POOL_STREAM, seed): never the run's own samples."""
    g, st = cfg.grid, cfg.structures
    rng = np.random.default_rng([cfg.seed, POOL_STREAM, seed])
    lo, hi = grain_range(g.nx * g.ny * g.cell_size ** 2, st.grain_density)
    n_grains = rng.integers(lo, hi + 1, n)
    theta = rng.uniform(0, st.max_misorientation, n)
    if cfg.boundary is None and cfg.shell is None:
        return Samples(voronoi_batch(rng, g.nx, g.ny, g.cell_size, n_grains, theta,
                                     periodic=g.periodic), temperature)
    seeds, axes = voronoi_draws(rng, g.nx, g.ny, g.cell_size, n_grains, theta)
    grain, dist = edge_distances(seeds, n_grains, g.nx, g.ny, g.cell_size, g.periodic)
    thickness = js = shell_u = None  # drawn in this order: the pools of earlier runs stay
    if cfg.boundary is not None:
        thickness = rng.choice(thickness_levels(cfg), n)
        js = rng.uniform(*cfg.boundary.Js, n)
    if cfg.shell is not None:
        shell_u = rng.uniform(size=(n, 2))
    return Samples(grain_axes(axes, grain, g.ny, g.nx), temperature,
                   voronoi_regions(cfg, grain, dist, thickness, js, shell_u))


def distinct_first(phi: np.ndarray, distance: float) -> np.ndarray:
    """Indices of structures phi (K, ny, nx), in their order, that differ from every one taken
    before by a mean |Δkx| of at least distance."""
    kx = np.sin(phi).reshape(len(phi), -1) if len(phi) else np.zeros((0, 1))
    taken = []
    for i in range(len(kx)):
        if all(np.abs(kx[i] - kx[j]).mean() >= distance for j in taken):
            taken.append(i)
    return np.array(taken, int)


def expected_order(surrogate, goal: Goal, z: np.ndarray, window: float,
                   samples: Samples) -> np.ndarray:
    """Indices of codes z (N, L) of Samples best first by the surrogate's ensemble: for targets
    and bounds by the members' mean score, the expected misfit ((mean − target)² plus the
    members' variance, over window²), which puts candidates the members disagree on later; for
    objectives alone as polish.ranked orders the mean prediction."""
    if not (goal.targets or goal.n_constraints):
        return ranked(goal, surrogate.predict(z, samples), np.ones(len(z), bool), window)
    members = surrogate.predict_members(z, samples)
    good = np.ones(len(z), bool)
    return np.argsort(np.mean([score(goal, m, good, window) for m in members], 0), kind="stable")


def pool_starts(surrogate, cfg, goal: Goal, settings, n: int, ranked_by_model: bool,
                temperature: float = T_ROOM) -> Candidates:
    """n distinct starts from settings.pool fresh generator samples at `temperature` K: those
    the surrogate predicts best for goal (virtual screening), or the first n drawn (random)."""
    pool = draw_pool(cfg, settings.pool if ranked_by_model else 4 * n, settings.seed,
                     temperature)
    if ranked_by_model:
        z = surrogate.encode(pool)
        order = expected_order(surrogate, goal, z, settings.window, pool)
        take = order[distinct_first(pool.phi[order[:8 * n]], settings.distinct)][:n]
        return Candidates.new(pool.take(take), "pool").coded(surrogate, z[take])
    take = distinct_first(pool.phi, settings.distinct)[:n]
    return Candidates.new(pool.take(take), "random").coded(surrogate)
