import pathlib
import sys

import numpy as np
import pytest
import torch

from invmag.data.structures import sample_structure

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))  # benchmarks.peers is shared by tests and benchmarks

torch.set_num_threads(1)  # as the solver runs in production (small FFTs: threads cost more than they gain)


def reference(name):
    """A fidimag reference structure and its curve (H, M) from tests/data."""
    phi = np.load(DATA / f"{name}.npy")
    curve = np.loadtxt(DATA / f"{name}.curve.csv", delimiter=",", skiprows=1)
    return phi, curve[:, 0], curve[:, 1]


def invoke(*args):
    """Run the invmag command line in this process; `generate` in process unless --workers."""
    from typer.testing import CliRunner

    from invmag.cli.app import _register, app

    _register()
    if args[0] == "generate" and "--workers" not in args:
        args += ("--workers", 1)  # no start-up of worker processes per test
    return CliRunner().invoke(app, [str(a) for a in args])


def assert_user_error(result, *fragments):
    """Exit code 2, one line on stderr naming the problem, no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def voronoi():
    """Seeded Voronoi structure of n × n 2-nm cells (docs/conventions.md): voronoi(n, n_grains, theta_max, seed)
    -> phi (n, n) float32, rad."""

    def make(n, n_grains, theta_max, seed):
        return sample_structure(n, n, 2.0, n_grains, theta_max, seed)

    return make
