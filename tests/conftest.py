import pathlib
import sys

import numpy as np
import pytest
import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))  # benchmarks.peers is shared by tests and benchmarks

torch.set_num_threads(2)


def reference(name):
    """A fidimag reference structure and its curve (H, M) from tests/data."""
    phi = np.load(DATA / f"{name}.npy")
    curve = np.loadtxt(DATA / f"{name}.curve.csv", delimiter=",", skiprows=1)
    return phi, curve[:, 0], curve[:, 1]


@pytest.fixture
def voronoi():
    """Small deterministic Voronoi structure: voronoi(n, n_grains, theta_max, seed) -> phi."""
    from scipy.spatial import cKDTree

    def make(n, n_grains, theta_max, seed):
        rng = np.random.default_rng(seed)
        seeds = rng.uniform(0, n, (n_grains, 2))
        angles = rng.uniform(-theta_max, theta_max, n_grains)
        yy, xx = np.mgrid[0:n, 0:n] + 0.5
        _, grain = cKDTree(seeds).query(np.c_[xx.ravel(), yy.ravel()])
        phi = (angles[grain].reshape(n, n) + np.pi / 2) % np.pi - np.pi / 2
        return phi.astype(np.float32)

    return make
