import pathlib
import shutil
import sys

import numpy as np
import pytest
import torch

from invmag.config import config_from_dict, load_config
from invmag.data.structures import sample_structure
from invmag.physics.curve import CurveSolver
from invmag.physics.material import Material
from invmag.physics.solver_settings import SolverSettings

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))  # benchmarks.peers is shared by tests and benchmarks

torch.set_num_threads(1)  # as the solver runs in production (small FFTs: threads cost more than they gain)


def curves(phis, settings=SolverSettings(), cells=None):
    """The engine's own curves (CurveSolver, no retry) of structures (N, ny, nx) or one (ny, nx)
    rad of Nd2Fe14B, 2-nm cells 36 µm thick; cells: per-cell material (Cells)."""
    phis = np.asarray(phis, dtype=np.float64)
    phis = phis[None] if phis.ndim == 2 else phis
    return CurveSolver(Material(), phis.shape[2], phis.shape[1], 2e-9, 36e-6, settings).run(
        phis, cells=cells)


def against_magnumnp(phi, cells):
    """One structure phi (ny, nx) rad with per-cell material cells (Cells of one) by the engine
    (the paper's full protocol, float32) and by magnum.np (float64): (anchors (6,), magnum.np's
    anchors, M (n,), magnum.np's M), after checking that neither curve is flagged and ours
    converged."""
    from benchmarks.peers import magnumnp_curve
    from invmag.physics.anchors import anchors

    ours = curves(phi, SolverSettings(), cells)
    H, M = magnumnp_curve(phi, settings=SolverSettings(dtype="float64"),
                          **{k: getattr(cells, k)[0] for k in ("Js", "A", "K1")})
    a, flagged = anchors(ours.H, ours.M)
    a_ref, flagged_ref = anchors(H, M[None])
    assert not (flagged[0] or flagged_ref[0]) and ours.converged[0]
    return a[0], a_ref[0], ours.M[0], M


def tiny_config(name="tiny", **sections):
    """The quick config on a 16 × 16 sample (1–3 grains) with a coarse field axis (0.05 H_A) on
    the CPU, small networks and few samples; `sections` update its sections, e.g.
    tiny_config(data={"labelled": 4})."""
    d = load_config("quick").to_dict()
    d["name"] = name
    tiny = {"grid": {"nx": 16, "ny": 16},
            "solver": {"field_step": 0.05, "batch_size": 3, "device": "cpu"},
            "data": {"unlabelled": 10, "labelled": 8, "test": 2},
            "vae": {"latent": 8, "dense": 32, "channels": 4, "epochs": 1, "batch_size": 32},
            "regressor": {"shared": [32, 16], "head": [8, 1], "max_epochs": 4, "batch_size": 8,
                          "learning_rate": 1e-3, "folds": 2}}
    for section, values in (*tiny.items(), *sections.items()):
        d[section].update(values)
    return config_from_dict(d)


# enough data and epochs for the tiny config's model to learn: test MAE well below the training
# mean's on every anchor, hc falling with the misorientation
LEARNS = {"data": {"labelled": 200, "test": 16, "unlabelled": 256}, "vae": {"epochs": 10},
          "solver": {"batch_size": 16},
          "regressor": {"max_epochs": 60, "batch_size": 16, "learning_rate": 3e-3}}


def learning_config(name="small", **sections):
    """tiny_config with LEARNS, updated by `sections` (e.g. vae={"latent": 4})."""
    merged = {k: {**LEARNS.get(k, {}), **sections.get(k, {})} for k in {*LEARNS, *sections}}
    return tiny_config(name, **merged)


def tiny_magnet(boundary=None, temperature=None, **sections):
    """tiny_config with [boundary] and [temperature] sections (the magnet config's by default;
    False leaves one out)."""
    d = tiny_config("tinymagnet", **sections).to_dict()
    magnet = load_config("magnet").to_dict()
    for name, given in (("boundary", boundary), ("temperature", temperature)):
        if given is not False:
            d[name] = given or magnet[name]
    return config_from_dict(d)


def reference(name):
    """A fidimag reference structure and its curve (H, M) from tests/data."""
    phi = np.load(DATA / f"{name}.npy")
    curve = np.loadtxt(DATA / f"{name}.curve.csv", delimiter=",", skiprows=1)
    return phi, curve[:, 0], curve[:, 1]


def train_run(folder, cfg) -> tuple:
    """`invmag train` of config cfg into folder/run on the CPU (its TOML written beside it);
    returns (cfg, the run folder, the command's output)."""
    (folder / f"{cfg.name}.toml").write_text(cfg.to_toml())
    result = invoke("train", "--config", folder / f"{cfg.name}.toml", "--run", folder / "run",
                    "--device", "cpu")
    assert result.exit_code == 0, result.output
    return cfg, folder / "run", result.output


def invoke(*args):
    """Run the invmag command line in this process; `generate` in process unless --workers."""
    from typer.testing import CliRunner

    from invmag.cli.app import app

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


# the tiny surrogate of the design tests (tiny_model): latent size, its config's sections (its
# solver in batches of 16, faster than 4: a curve does not depend on its batch)
LATENT = 8
DESIGN = {"vae": {"latent": LATENT}, "data": {"unlabelled": 32, "labelled": 8, "test": 2},
          "regressor": {"batch_size": 32, "learning_rate": 3e-3},
          "design": {"population": 24, "generations": 20},
          "solver": {"tolerance": 1e-3, "batch_size": 16}}


def truth(z):
    """The anchors the tiny regressor learns: hc = 0.1 + 0.5 σ(z0), mr = 0.6 + 0.3 σ(z1), …"""
    s = 1 / (1 + np.exp(-z))
    hc = 0.1 + 0.5 * s[:, 0]
    return np.stack([0.95 + 0.04 * s[:, 2], 0.6 + 0.3 * s[:, 1], 0.6 * hc, 0.75 * hc,
                     0.85 * hc, hc], axis=1)


def optimize(run, *args):
    """`invmag optimize` on the run; the latent route alone unless --pool is given (the tiny
    VAE is untrained: it ranks a pool of generator structures at random)."""
    if "--pool" not in args:
        args = ("--pool", 0, *args)
    result = invoke("optimize", "--run", run, "--seed", 1, *args)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="session")
def default_curve():
    """curves(phi) of one structure (ny, nx) at the default settings, computed once per
    session per structure (the fidimag references, read by several tests): default_curve(phi)."""
    done = {}

    def get(phi):
        phi = np.asarray(phi, dtype=np.float64)
        key = (phi.shape, phi.tobytes())
        if key not in done:
            done[key] = curves(phi)
        return done[key]

    return get


@pytest.fixture
def voronoi():
    """Seeded Voronoi structure of n × n 2-nm cells (docs/conventions.md):
    voronoi(n, n_grains, theta_max, seed) -> phi (n, n) float32, rad."""

    def make(n, n_grains, theta_max, seed):
        return sample_structure(n, n, 2.0, n_grains, theta_max, seed)

    return make


@pytest.fixture(scope="session")
def small_trained(tmp_path_factory):
    """A 16 × 16 run (1–3 grains) of learning_config() trained by `invmag train` on 184 curves,
    once per session; its model has learned: (config, run folder, train's output)."""
    return train_run(tmp_path_factory.mktemp("small"), learning_config())


@pytest.fixture(scope="session")
def magnet_trained(tmp_path_factory):
    """A 16 × 16 real-magnet run (1–3 grains, boundary and T drawn per label) trained by
    `invmag train` on 192 curves, once per session: (config, run folder, train's output)."""
    return train_run(tmp_path_factory.mktemp("magnet"), tiny_magnet(
        data={"labelled": 192, "test": 24, "unlabelled": 256}, vae={"epochs": 10},
        solver={"batch_size": 16},
        regressor={"max_epochs": 60, "batch_size": 16, "learning_rate": 3e-3}))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A run folder with config.toml and surrogate.pt of tiny_config(**DESIGN), once per
    session: untrained VAE, regressor fitted to truth(z) on prior draws."""
    from invmag.models.fitting import fit_regressor
    from invmag.models.regressor import Ensemble
    from invmag.models.surrogate import Surrogate, build_regressor, build_vae, seeded
    from invmag.runtime import one_thread

    cfg = tiny_config(**DESIGN)
    vae = seeded(0, lambda: build_vae(cfg))
    regressor = seeded(1, lambda: build_regressor(cfg))
    z = np.random.default_rng(0).standard_normal((1024, LATENT)) * 1.5
    y = truth(z)
    mean, std = y.mean(0), y.std(0)
    with one_thread():  # small ops: threads only contend
        fit_regressor(regressor, z, (y - mean) / std, 60, 128, 1e-2, seed=0)
    run = tmp_path_factory.mktemp("tiny") / "run"
    run.mkdir()
    (run / "config.toml").write_text(cfg.to_toml())
    Surrogate(cfg, vae, Ensemble([regressor]), mean, std, y.min(0), y.max(0)).save(
        run / "surrogate.pt")
    return run


@pytest.fixture
def run(tiny_model, tmp_path):
    """A fresh copy of the tiny run (tiny_model) for one test; modules on another run define
    their own `run`."""
    return shutil.copytree(tiny_model, tmp_path / "run")


@pytest.fixture(scope="session")
def tiny_toml_file(tmp_path_factory):
    """The tiny config (16 × 16 cells, 0.05 H_A steps) as a TOML file outside any test's
    folder."""
    path = tmp_path_factory.mktemp("config") / "tiny.toml"
    path.write_text(tiny_config().to_toml())
    return path


@pytest.fixture
def structure(tmp_path, voronoi):
    """A 16 × 16 Voronoi structure of 3 grains (θ ≤ 0.3 rad), also as tmp_path/s.npy."""
    phi = voronoi(16, 3, 0.3, 4)
    np.save(tmp_path / "s.npy", phi)
    return phi
