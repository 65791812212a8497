"""Data generation (issue 3): configs, seeded structures, resumable HDF5 runs, parallel labels.

Every run here is tiny (16 × 16 cells, 41 field steps, a few curves) so the file runs in seconds;
the physics is the quick config's.
"""

import math
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import psutil
import pytest

from invmag import ANCHORS, __version__
from invmag.data import generate as generate_module
from invmag.config import config_from_dict, load_config, parse_config
from invmag.data.generate import LABELLED, generate_data
from invmag.data.run_folder import claim_run, run_config
from invmag.data.labels import label_batch
from invmag.data.parallel import Pool
from invmag.data.sample_files import read_labels
from invmag.data.structures import draw, grain_range, sample_seed
from invmag.physics.curve import CurveSolver
from conftest import tiny_config

COLUMNS = ("phi", "params", "M", "anchors", "converged", "flagged", "done", "H")


def assert_same_file(a, b):
    """Two sample files hold identical data (bit for bit) and attributes."""
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        assert set(fa) == set(fb)
        for name in fa:
            np.testing.assert_array_equal(fa[name][()], fb[name][()], err_msg=name)
        assert dict(fa.attrs) == dict(fb.attrs)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One finished tiny run, shared by the tests that only read it."""
    cfg = tiny_config()
    run = tmp_path_factory.mktemp("runs") / "tiny"
    summary = generate_data(cfg, run)
    return cfg, run, summary


# -- configs --

def test_paper_config_is_the_papers_setup():
    p = load_config("paper")
    assert (p.grid.nx, p.grid.ny, p.grid.cell_size) == (160, 160, 2.0)
    assert grain_range(p.grid.area_nm2, p.structures.grain_density) == (16, 256)
    assert p.structures.max_misorientation == pytest.approx(math.pi)
    assert (p.data.unlabelled, p.data.labelled, p.data.labelled - p.data.test, p.data.test) == \
        (320_000, 3977, 3607, 370)
    assert (p.vae.latent, p.vae.epochs, p.vae.batch_size, p.vae.learning_rate) == \
        (512, 400, 64, 1e-4)
    assert (p.regressor.batch_size, p.regressor.learning_rate, p.regressor.folds) == (16, 1e-4, 4)
    assert not p.regressor.mirrors  # the paper fits the structures as sampled
    assert (p.material.A, p.material.Js, p.material.K1) == (8e-12, 1.61, 4.2e6)
    assert not p.solver.fast and p.solver.field_step == 0.01  # every 0.01 H_A, +H_A → −H_A


def test_quick_config_has_the_papers_physics_on_a_smaller_sample():
    q, p = load_config("quick"), load_config("paper")
    assert q.material == p.material
    assert (q.grid.cell_size, q.grid.thickness) == (p.grid.cell_size, p.grid.thickness)
    assert q.structures == p.structures  # same grain sizes: the same density of grains
    assert q.grid.area_nm2 < p.grid.area_nm2 and q.data.labelled < p.data.labelled
    for cfg in (q, p):
        assert parse_config(cfg.to_toml()) == cfg


@pytest.mark.parametrize("edit, key", [
    (lambda d: d["grid"].update(nz=3), "grid.nz"),                        # unknown key
    (lambda d: d.update(extra={"a": 1}), "[extra]"),                      # unknown section
    (lambda d: d["grid"].update(nx="40"), "grid.nx"),                     # wrong type
    (lambda d: d["solver"].update(fast=1), "solver.fast"),                # wrong type
    (lambda d: d["structures"].update(max_misorientation=4.0), "structures.max_misorientation"),
    (lambda d: d["solver"].update(field_step=0.03), "solver.field_step"),  # 1/step not integer
    (lambda d: d["data"].update(test=5000), "data.test"),                 # ≥ labelled
    (lambda d: d["vae"].pop("latent"), "vae.latent"),                     # missing key
    (lambda d: d.pop("material"), "[material]"),                          # missing section
])
def test_bad_config_names_the_key(edit, key):
    d = load_config("quick").to_dict()
    edit(d)
    with pytest.raises(ValueError) as e:
        config_from_dict(d)
    message = str(e.value)
    assert message.startswith(f"config: {key} ") and "\n" not in message


def test_a_config_from_before_lbfgs_keeps_its_pure_bb_minimizer(tmp_path):
    """Runs made before the L-BFGS keys existed were labelled by BB alone: their config.toml
    still loads, means lbfgs_torque = 0, and the new default is a change of sample keys."""
    old = "\n".join(line for line in load_config("quick").to_toml().splitlines()
                    if not line.startswith("lbfgs_"))
    assert "lbfgs" not in old
    cfg = parse_config(old)
    assert cfg.solver.lbfgs_torque == 0 and load_config("quick").solver.lbfgs_torque > 0
    (tmp_path / "config.toml").write_text(old)
    assert claim_run(cfg, tmp_path) == []
    with pytest.raises(ValueError, match=r"solver\.lbfgs_torque: 0\.0 → 0\.001"):
        claim_run(load_config("quick"), tmp_path)
    with pytest.raises(ValueError, match="solver.tau_max is missing"):
        parse_config(old.replace("tau_max = 1.0\n", ""))


def test_missing_or_malformed_config_file(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        load_config(tmp_path / "absent.toml")
    with pytest.raises(ValueError, match="no embedded config 'nonesuch'"):
        load_config("nonesuch")
    (tmp_path / "bad.toml").write_text("name = \n")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_config(tmp_path / "bad.toml")


# -- structures and labels are reproducible --

def test_same_seed_gives_bit_identical_structures():
    cfg = tiny_config()
    seeds = [sample_seed(cfg.seed, LABELLED, i) for i in range(5)]
    assert seeds == [sample_seed(cfg.seed, LABELLED, i) for i in range(5)]
    assert len(set(seeds)) == 5 and sample_seed(cfg.seed, 0, 0) != seeds[0]
    for s in seeds:
        a, pa = draw(s, cfg.grid, cfg.structures)
        b, pb = draw(s, cfg.grid, cfg.structures)
        assert a.dtype == np.float32 and a.tobytes() == b.tobytes() and pa == pb
        assert np.all(np.abs(a) <= np.pi / 2)


def test_a_batch_of_voronoi_structures_is_drawn_as_one_at_a_time():
    """voronoi_batch draws each structure as sample_structure does (the same seeds, axes and
    nearest-seed cells from the same generator state), whatever the other grain counts."""
    from invmag.data.structures import sample_structure, voronoi_batch

    for n, theta in ((1, 0.3), (5, 1.0), (16, np.pi)):
        one = sample_structure(40, 24, 2.0, n, theta, np.random.default_rng(n))
        batch = voronoi_batch(np.random.default_rng(n), 40, 24, 2.0, [n], [theta])
        assert batch.shape == (1, 24, 40) and batch[0].tobytes() == one.tobytes()
        assert len(np.unique(one)) == n  # every grain holds cells on a 40 × 24 sample
    phi = voronoi_batch(np.random.default_rng(0), 16, 16, 2.0, [1, 3, 2], [0.0, 0.5, 1.5])
    assert [len(np.unique(p)) for p in phi] == [1, 3, 2] and (phi[0] == 0).all()
    with pytest.raises(ValueError, match="n_grains"):
        voronoi_batch(np.random.default_rng(0), 16, 16, 2.0, [0], [0.1])


def test_same_structures_give_the_same_anchors(tiny_run):
    from invmag.physics.anchors import anchors

    cfg, run, _ = tiny_run
    labels = read_labels(run / "labels.h5")
    M, converged = label_batch(labels.samples.take(slice(3)), cfg.to_dict())
    values, _ = anchors(labels.H, M)
    np.testing.assert_allclose(values, labels.anchors[:3], atol=1e-6, rtol=0)
    np.testing.assert_array_equal(converged, labels.converged[:3])


# -- the run files --

def test_run_files_layout_and_attributes(tiny_run):
    cfg, run, summary = tiny_run
    assert (summary.structures, summary.labelled) == (10, 8)
    assert (summary.structures_computed, summary.labels_computed, summary.labels_failed) == \
        (10, 8, 0)
    assert parse_config((run / "config.toml").read_text()) == cfg
    with h5py.File(run / "labels.h5", "r") as f:
        assert f["phi"].shape == (8, 16, 16) and f["M"].shape == (8, 41)
        np.testing.assert_array_equal(f["H"][()], cfg.solver.fields())
        assert list(f["anchors"].attrs["names"]) == list(ANCHORS)
        assert list(f["params"].attrs["columns"]) == ["n_grains", "theta_max", "seed"]
        assert parse_config(f.attrs["config"]) == cfg
        assert f.attrs["invmag_version"] == __version__
        assert f.attrs["HA_A_per_m"] == pytest.approx(cfg.material.HA)
        assert (f.attrs["Js_T"], f.attrs["K1_J_per_m3"]) == (cfg.material.Js, cfg.material.K1)
        assert (f.attrs["config_seed"], f.attrs["seed_stream"]) == (cfg.seed, LABELLED)
    with h5py.File(run / "structures.h5", "r") as f:
        # one gzip chunk per structure: 320 000 of them are written and read piecewise
        assert f["phi"].chunks == (1, 16, 16) and f["phi"].compression == "gzip"
        assert f["phi"].maxshape[0] is None and f["done"][()].all()


def test_stored_seed_regenerates_the_structure(tiny_run):
    cfg, run, _ = tiny_run
    labels = read_labels(run / "labels.h5")
    for i in range(len(labels.done)):
        n_grains, theta, seed = labels.params[i]
        phi, params = draw(int(seed), cfg.grid, cfg.structures)
        assert phi.tobytes() == labels.samples.phi[i].tobytes()
        assert params == (n_grains, theta, seed) and int(seed) == sample_seed(cfg.seed, 1, i)


def test_labels_are_good_and_split(tiny_run):
    _, run, _ = tiny_run
    labels = read_labels(run / "labels.h5")
    assert labels.done.all() and labels.good.sum() >= 6
    good = labels.good
    assert np.isfinite(labels.anchors[good]).all()
    train, test = labels.split(2)
    assert len(test) == 2 and set(train) | set(test) == set(np.flatnonzero(good))


# -- resuming, extending, refusing --

def test_rerun_computes_nothing_and_more_extends(tiny_run, tmp_path):
    cfg, run, _ = tiny_run
    copy = tmp_path / "tiny"
    copy.mkdir()
    for name in ("config.toml", "structures.h5", "labels.h5"):
        (copy / name).write_bytes((run / name).read_bytes())
    again = generate_data(cfg, copy)
    assert (again.structures_computed, again.labels_computed) == (0, 0)
    assert_same_file(run / "labels.h5", copy / "labels.h5")
    more = generate_data(cfg, copy, labelled=11, unlabelled=12)
    assert (more.structures_computed, more.labels_computed) == (2, 3)
    before, after = read_labels(run / "labels.h5"), read_labels(copy / "labels.h5")
    assert after.done.all() and len(after.done) == 11
    np.testing.assert_array_equal(after.samples.phi[:8], before.samples.phi)  # kept as they were
    for name in ("params", "M", "anchors", "converged", "flagged"):
        np.testing.assert_array_equal(getattr(after, name)[:8], getattr(before, name))
    with h5py.File(copy / "structures.h5", "r") as f:
        assert f["done"].shape == (12,) and f["done"][()].all()


def test_different_config_is_refused_and_force_replaces(tmp_path):
    run = tmp_path / "run"
    generate_data(tiny_config(data={"labelled": 3, "unlabelled": 3}), run)
    other = tiny_config(grid={"nx": 12}, data={"labelled": 3, "unlabelled": 3})
    with pytest.raises(ValueError, match=r"different config \(grid.nx: 16 → 12\).*force"):
        generate_data(other, run)
    assert read_labels(run / "labels.h5").samples.phi.shape == (3, 16, 16)  # untouched
    with pytest.raises(ValueError, match=r"holds structures.h5, labels.h5 of other samples "
                                         r"\(grid.nx: 16 → 12\); `invmag generate --force`"):
        generate_data(other, run, force=True)  # what `train --force` asks: it deleted both files
    assert read_labels(run / "labels.h5").samples.phi.shape == (3, 16, 16)
    replaced = generate_data(other, run, force=True, replace_data=True)
    assert sorted(replaced.deleted) == ["labels.h5", "structures.h5"]
    assert read_labels(run / "labels.h5").samples.phi.shape == (3, 16, 12)
    # counts, batch size and device do not change any sample: accepted, nothing recomputed
    same = generate_data(tiny_config(grid={"nx": 12}, solver={"batch_size": 2},
                                data={"labelled": 3, "unlabelled": 3}), run)
    assert (same.labels_computed, same.deleted) == (0, [])


def test_a_deleted_config_toml_is_read_from_the_data_files(tmp_path):
    """Without config.toml a run was taken for a new one: another config's samples were added
    to its files. The files carry their config, so the change is still seen."""
    run = tmp_path / "run"
    cfg = tiny_config(data={"labelled": 3, "unlabelled": 3})
    generate_data(cfg, run)
    (run / "config.toml").unlink()
    other = tiny_config(solver={"tolerance": 2e-4}, data={"labelled": 5, "unlabelled": 3})
    with pytest.raises(ValueError, match=r"different config \(solver.tolerance: 0.0001 → 0.0002"):
        generate_data(other, run)
    assert read_labels(run / "labels.h5").done.sum() == 3
    assert generate_data(cfg, run).labels_computed == 0 and (run / "config.toml").is_file()


def test_an_invalid_config_toml_keeps_the_data_unless_replace_data(tmp_path):
    run = tmp_path / "run"
    cfg = tiny_config(data={"labelled": 3, "unlabelled": 3})
    generate_data(cfg, run)
    (run / "config.toml").write_text("seed = 'x'\n")
    with pytest.raises(ValueError, match="config.toml is not a valid config.*force"):
        generate_data(cfg, run)
    with pytest.raises(ValueError, match="holds structures.h5, labels.h5 of other samples"):
        generate_data(cfg, run, force=True)
    assert read_labels(run / "labels.h5").done.sum() == 3
    assert generate_data(cfg, run, force=True, replace_data=True).labels_computed == 3


def test_counts_given_to_generate_are_written_to_the_runs_config(tmp_path):
    run = tmp_path / "run"
    generate_data(tiny_config(data={"labelled": 3, "unlabelled": 3}), run, labelled=4, unlabelled=5)
    data = run_config(run).data
    assert (data.labelled, data.unlabelled) == (4, 5)
    with pytest.raises(ValueError, match="data.test must be < data.labelled"):
        generate_data(tiny_config(), run, labelled=2)  # the config's 2 test curves need 3


# -- failures --

def test_unconverged_curves_are_retried_and_never_good(tmp_path, monkeypatch):
    runs = []
    real_run = CurveSolver.run

    def spy(solver, phis, progress=None, states=False, cells=None):  # the real solver, counting
        runs.append((len(phis), solver.settings.tau_max, solver.settings.lbfgs_rotation))
        return real_run(solver, phis, progress, states, cells)

    monkeypatch.setattr(CurveSolver, "run", spy)
    cfg = tiny_config(solver={"max_iterations": 2}, data={"labelled": 3, "unlabelled": 1})
    summary = generate_data(cfg, tmp_path / "run")
    # one batch, retried once with half the step bounds (BB and, tied to it, L-BFGS)
    assert runs == [(3, 1.0, 1e-3), (3, 0.5, 5e-4)]
    labels = read_labels(tmp_path / "run" / "labels.h5")
    assert labels.done.all() and not labels.converged.any() and not labels.good.any()
    assert summary.labels_failed == 0 and len(labels.split(1)[1]) == 0


@pytest.mark.parametrize("stop", [RuntimeError, KeyboardInterrupt])
def test_pool_ends_its_workers_at_once_on_an_error_or_ctrl_c(stop):
    """Two workers sleep 60 s each when the caller stops (an error while writing, Ctrl-C): the
    pool used to wait for them; now they end with it."""
    def tasks():
        yield from (((i,), (60,)) for i in range(2))
        time.sleep(3)  # both workers started and asleep
        raise stop()

    started = time.monotonic()
    with pytest.raises(stop), Pool(2) as pool:
        workers = pool.executor._processes
        for _ in pool.unordered(time.sleep, tasks()):
            pass
    assert time.monotonic() - started < 20
    assert not any(p.is_alive() for p in workers.values())


NAPPING_POOL = """
import os, sys, time
from invmag.data.parallel import Pool

def nap(path):  # writes its process id to path, then sleeps
    with open(path + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(path + ".tmp", path)
    time.sleep(60)

if __name__ == "__main__":
    with Pool(2) as pool:
        for _ in pool.unordered(nap, ((i, (f"{sys.argv[1]}/{i}.pid",)) for i in range(2))):
            pass
"""


def test_pool_workers_end_when_their_caller_is_killed(tmp_path):
    """SIGKILL of the calling process (as by the OOM killer) left its workers alive for good,
    waiting for tasks from a dead parent; now each worker ends when its parent does."""
    (tmp_path / "pool.py").write_text(NAPPING_POOL)
    proc = subprocess.Popen([sys.executable, tmp_path / "pool.py", tmp_path])
    workers = []
    try:
        deadline = time.monotonic() + 120
        while len(pids := list(tmp_path.glob("*.pid"))) < 2:  # both workers in a task
            assert proc.poll() is None and time.monotonic() < deadline, "no workers started"
            time.sleep(0.1)
        workers = [psutil.Process(int(pid.read_text())) for pid in pids]
        proc.kill()
        assert proc.wait(10) == -signal.SIGKILL
        _, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive
    finally:
        proc.kill()
        for worker in workers:
            try:
                worker.kill()
            except psutil.Error:  # ended
                pass


def test_failed_batches_are_retried_once_then_recorded(tmp_path, monkeypatch):
    calls = []

    def flaky(phis, config, progress=None):
        calls.append(len(phis))
        if len(calls) in (1, 3, 4):  # batch 0 fails once, batch 1 twice
            raise MemoryError("out of memory\nsecond line")
        return label_batch(phis, config, progress)

    monkeypatch.setattr(generate_module, "label_batch", flaky)
    cfg = tiny_config(data={"labelled": 8, "unlabelled": 1})
    summary = generate_data(cfg, tmp_path / "run")
    assert calls == [3, 3, 3, 3, 2]
    assert (summary.labels_computed, summary.labels_failed) == (8, 3)
    assert summary.errors == ["MemoryError: out of memory"]
    labels = read_labels(tmp_path / "run" / "labels.h5")
    assert labels.done.all()
    failed = np.arange(3, 6)
    assert not labels.converged[failed].any() and labels.flagged[failed].all()
    assert np.isnan(labels.M[failed]).all() and np.isnan(labels.anchors[failed]).all()
    assert not labels.good[failed].any() and labels.converged[[0, 1, 2, 6, 7]].all()


# -- beyond this process --

def test_dask_local_cluster_gives_the_same_labels(tiny_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    cfg, run, _ = tiny_run
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        summary = generate_data(cfg, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert (summary.labels_computed, summary.labels_failed) == (8, 0)
    assert_same_file(run / "structures.h5", tmp_path / "dask" / "structures.h5")
    local, remote = read_labels(run / "labels.h5"), read_labels(tmp_path / "dask" / "labels.h5")
    np.testing.assert_array_equal(remote.samples.phi, local.samples.phi)
    for name in ("params", "converged", "flagged", "done"):
        np.testing.assert_array_equal(getattr(remote, name), getattr(local, name))
    np.testing.assert_allclose(remote.anchors, local.anchors, atol=1e-6, rtol=0)
