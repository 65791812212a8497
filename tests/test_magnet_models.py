"""Every command on a real magnet's run: `predict` and `morph` of sample files with their
boundary cells at a temperature, and `optimize --learn`, on the session's small magnet run
(conftest.magnet_trained)."""

import json
import shutil

import numpy as np
import pytest

import invmag
from invmag import ANCHORS
from invmag.data.sample_files import read_labels
from invmag.physics.material import MU0
from invmag.physics.temperature import material_at
from conftest import assert_user_error, invoke

HC = ANCHORS.index("hc")


def _sample_file(path, labels, row):
    """Label `row` of a magnet run as a sample file: phi, its boundary cells, thickness and Js."""
    s = labels.samples.take([row])
    np.savez(path, phi=s.phi[0], boundary=s.mask[0], boundary_thickness_nm=s.phase[0, 0],
             boundary_Js_T=s.phase[0, 1])
    return path


@pytest.fixture(scope="module")
def labels(magnet_trained):
    return read_labels(magnet_trained[1] / "labels.h5")


@pytest.fixture(scope="module")
def with_boundary(labels):
    """A test label with boundary cells (its row)."""
    rows = np.flatnonzero(labels.good & (labels.samples.phase[:, 0] > 0)
                          & labels.samples.mask.any((1, 2)))
    return int(rows[-1])


def test_predict_reads_the_boundary_of_a_sample_file_at_the_temperature(magnet_trained, labels,
                                                                        with_boundary, tmp_path):
    """`invmag predict s.npz --temperature T` on a magnet run predicts what the model predicts
    for that label's own sample read from labels.h5 at T; the SI table is in the material at T
    (µ0Hc = hc·µ0H_A(T)); the boundary cells and T change the prediction."""
    cfg, run, _ = magnet_trained
    path = _sample_file(tmp_path / "s.npz", labels, with_boundary)
    model = invmag.open_run(run)
    own = labels.samples.take([with_boundary])
    for T in (300.0, 423.0):
        p = invmag.predict(path, run=run, temperature=T)
        np.testing.assert_allclose(p.anchors, model.surrogate.predict_samples(own.at(T))[0],
                                   rtol=0, atol=1e-12)
        assert p.material.HA == pytest.approx(material_at(T).HA, rel=1e-12)
    hot, cold = (invmag.predict(path, run=run, temperature=T).anchors for T in (423.0, 300.0))
    assert not np.allclose(hot, cold)
    np.savez(tmp_path / "bare.npz", phi=own.phi[0])
    bare = invmag.predict(tmp_path / "bare.npz", run=run, temperature=423.0).anchors
    assert not np.allclose(bare, hot)
    result = invoke("predict", path, "--run", run, "--temperature", 423)
    assert result.exit_code == 0, result.output
    mu0_hc = hot[HC] * MU0 * material_at(423.0).HA
    assert "at 423 K" in result.output and f"{mu0_hc:.3f}" in result.output


@pytest.mark.parametrize("args, fragment", [
    (("--temperature", 500), "outside the run's trained range"),
    (("--temperature", 20), "outside the run's trained range"),
])
def test_predict_refuses_a_temperature_the_model_never_saw(magnet_trained, labels, with_boundary,
                                                          tmp_path, args, fragment):
    path = _sample_file(tmp_path / "s.npz", labels, with_boundary)
    assert_user_error(invoke("predict", path, "--run", magnet_trained[1], *args), fragment)


def test_a_sample_file_with_half_a_boundary_is_one_line(magnet_trained, labels, tmp_path):
    s = labels.samples.take([0])
    np.savez(tmp_path / "half.npz", phi=s.phi[0], boundary=s.mask[0])
    assert_user_error(invoke("predict", tmp_path / "half.npz", "--run", magnet_trained[1]),
                      "half.npz", "a boundary needs all of")


def test_morph_between_two_magnet_samples(magnet_trained, labels, with_boundary, tmp_path):
    """The line from a sample with boundary cells to one without, at 423 K: the ends' codes are
    the samples' codes, every sample on the line is at 423 K, and the boundary's Js goes
    linearly from A's to B's; the table prints one row per α."""
    cfg, run, _ = magnet_trained
    a = _sample_file(tmp_path / "a.npz", labels, with_boundary)
    none = int(np.flatnonzero(labels.good & ~labels.samples.mask.any((1, 2)))[0])
    b = _sample_file(tmp_path / "b.npz", labels, none)
    m = invmag.morph(a, b, steps=5, run=run, temperature=423.0)
    model = invmag.open_run(run).surrogate
    ends = labels.samples.take([with_boundary, none]).at(423.0)
    np.testing.assert_allclose(m.z[[0, -1]], model.encode(ends), rtol=0, atol=1e-6)
    assert (m.samples.temperature == 423.0).all()
    js_a, js_b = np.nan_to_num(labels.samples.phase[[with_boundary, none], 1])
    np.testing.assert_allclose(m.samples.boundary.Js, js_a + (js_b - js_a) * m.alphas,
                               rtol=1e-12)
    result = invoke("morph", a, b, "--run", run, "--temperature", 423, "--steps", 3,
                    "--out", tmp_path / "m.png")
    assert result.exit_code == 0, result.output
    assert result.output.count("0.50") >= 1 and (tmp_path / "m.png").is_file()


def test_optimize_learn_trains_a_real_magnets_regressor_on_its_designs(magnet_trained,
                                                                       tmp_path):
    """`optimize --temperature 423 --learn 3` on a magnet run: the designs' simulations join
    verified.h5 with their boundary and T, the regressor trains 3 epochs on them with its
    conditions, the first model is kept, and the test MAE is measured again with the
    conditions (metrics.json)."""
    run = shutil.copytree(magnet_trained[1], tmp_path / "run")
    before = json.loads((run / "metrics.json").read_text())["mae_test"]
    result = invoke("optimize", "--run", run, "--temperature", 423, "--target-hc", 0.3,
                    "--simulations", 4, "--learn", 3, "--population", 8, "--generations", 2,
                    "--top", 1, "--pool", 100)
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    verified = read_labels(run / "verified.h5")
    assert metrics["learned"] == {"epochs": 3, "verified_rows": int(verified.good.sum())}
    assert (verified.samples.temperature == 423.0).all() and verified.samples.mask is not None
    assert (run / "surrogate.initial.pt").is_file()
    assert metrics["mae_test"] != before  # measured again by the retrained regressor
    assert invmag.open_run(run).surrogate.conditions == ["boundary_Js_T", "temperature_K", "sw_remanence",
                                  "sw_switching"]
