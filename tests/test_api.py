"""The Python API (invmag.generate, simulate, open_run, optimize, verify, …): the calls the
commands make, one solver under all of them."""

from dataclasses import replace
import subprocess
import sys

import numpy as np
import pytest

import invmag
from invmag.physics.simulation import build_solver
from conftest import invoke, tiny_config


def test_import_invmag_stays_light():
    """`import invmag` (and so `invmag --help`) must not pay for torch: the API loads on use."""
    code = "import sys, invmag; print('torch' in sys.modules, invmag.ANCHORS[0])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "m1"]
    with pytest.raises(AttributeError):
        invmag.no_such_call


def test_simulate_follows_the_configs_protocol(voronoi):
    """The quick config's solver.fast stops past Hc (NaN after it), as its labels do; fast=False
    gives the full paper protocol, equal to the engine's own full curve; the anchors of the two
    protocols agree within the fast protocol's promise (0.005)."""
    phi = voronoi(16, 4, 0.6, 1)
    fast = invmag.simulate(phi)
    full = invmag.simulate(phi, fast=False)
    assert np.isnan(fast.M[0, -1]) and np.isfinite(full.M).all()
    quick = invmag.resolve_run("quick")[0]
    reference = build_solver(quick, 16, 16, replace(quick.solver, fast=False)).run(phi[None])
    assert full.M == pytest.approx(reference.M, abs=1e-6)
    assert np.abs(fast.anchors - full.anchors).max() <= 0.005
    batch = invmag.simulate(np.stack([phi, phi[::-1]]), tiny_config())
    assert batch.anchors.shape == (2, 6) and batch.converged.all()


def test_simulate_gives_the_anchors_generate_stored_where_the_retry_decides(tmp_path):
    """One solver with one retry under every command: structures whose first pass hits the
    iteration cap are computed again with half the step bounds, by `generate` as by
    `simulate`; the retry moves their anchors by up to 2e-3 (measured), so a simulate without
    it would not give the stored labels."""
    from invmag.data.sample_files import read_labels

    cfg = tiny_config(solver={"max_iterations": 150}, data={"labelled": 6, "unlabelled": 1})
    invmag.generate(cfg, tmp_path / "run", workers=1)
    labels = read_labels(tmp_path / "run" / "labels.h5")
    phi = labels.samples.phi
    first = build_solver(cfg, 16, 16).run(phi)
    retried = np.flatnonzero(~first.converged)
    assert len(retried) >= 1  # the case this test is about
    for row in retried:
        np.save(tmp_path / "s.npy", phi[row])
        result = invoke("simulate", tmp_path / "s.npy", "--config", tmp_path / "run" /
                        "config.toml", "--out", tmp_path / "c.csv")
        assert result.exit_code == 0, result.output
        curve = invmag.simulate(phi[row], cfg)
        np.testing.assert_allclose(curve.anchors[0], labels.anchors[row], rtol=0, atol=1e-5)
        M = np.loadtxt(tmp_path / "c.csv", delimiter=",", skiprows=1)[:, 1]
        np.testing.assert_allclose(M, curve.M[0][np.isfinite(curve.M[0])], rtol=0, atol=1e-6)


def test_design_and_verify_from_python(tiny_model, tmp_path):
    import shutil

    run = shutil.copytree(tiny_model, tmp_path / "run")
    d = invmag.optimize(run, target={"hc": 0.3}, top=2, seed=1, simulations=48)
    assert d.path.parent == run / "designs" and np.abs(d.simulated[:, 5] - 0.3).max() <= 0.02
    v = invmag.verify(run, d.id)
    assert v.hit.all() and v.simulated == pytest.approx(d.simulated, abs=2e-3)
    with pytest.raises(ValueError, match="unknown design setting"):
        invmag.optimize(run, target={"hc": 0.3}, populaton=8)
    assert invmag.open_run(run).predict(d.samples).shape == (len(d.samples), 6)


def test_the_worked_example_runs(tiny_model, tmp_path, monkeypatch, capsys):
    """examples/design_a_magnet.py, as docs/example.md tells a user to run it, on the tiny run."""
    import runpy
    import shutil

    from conftest import ROOT

    run = shutil.copytree(tiny_model, tmp_path / "run")
    monkeypatch.setattr(sys, "argv", ["design_a_magnet.py", str(run)])
    runpy.run_path(str(ROOT / "examples" / "design_a_magnet.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "simulated" in out and "verified:" in out and (run / "designs" / "001").is_dir()
