"""`invmag info`, `train`, `predict`, `morph`: a small end-to-end run, resuming after a change of
epochs, and bad input that ends in one line on stderr with exit code 2."""

import json
import shutil

import numpy as np
import pytest

from invmag import ANCHORS
from invmag.data.structures import save_structure
from conftest import assert_user_error, invoke
from test_models import small_config

PNGS = ("losses.png", "parity.png", "reconstructions.png")






def write_config(path, **sections):
    path.write_text(small_config(**sections).to_toml())
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small run trained by `invmag train` (data generated on the way): (config, run)."""
    tmp = tmp_path_factory.mktemp("trained")
    config, run = write_config(tmp / "small.toml"), tmp / "run"
    result = invoke("train", "--config", config, "--run", run, "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert "test MAE" in result.output and "0.0206" in result.output  # beside paper Table 3
    return config, run


@pytest.fixture
def structures(tmp_path):
    rng = np.random.default_rng(3)
    paths = []
    for name, theta in (("a", 1.5), ("b", 0.1)):
        save_structure(tmp_path / f"{name}.npy", rng.uniform(-theta, theta, (16, 16)))
        paths.append(tmp_path / f"{name}.npy")
    return paths


def test_info_prints_the_paper_tables():
    result = invoke("info", "--config", "paper")
    assert result.exit_code == 0, result.output
    for count in ("15 382 256", "14 338 801", "1 502 006", "13 109 248", "Conv2DTrans"):
        assert count in result.output


def test_train_writes_model_metrics_and_plots(trained):
    _, run = trained
    assert (run / "surrogate.pt").is_file() and (run / "checkpoints" / "vae.pt").is_file()
    metrics = json.loads((run / "metrics.json").read_text())
    assert set(metrics["mae_test"]) == set(ANCHORS) == set(metrics["mae_paper"])
    assert metrics["mae_paper"]["hc"] == 0.0206
    assert all(np.isfinite(v) for v in metrics["mae_test"].values())
    assert metrics["labelled"]["test"] == 4 and 1 <= metrics["regressor"]["epochs"] <= 4
    for png in PNGS:
        assert (run / "plots" / png).stat().st_size > 1000


def test_predict_and_morph(trained, structures, tmp_path):
    config, run = trained
    a, b = structures
    result = invoke("predict", a, "--config", config, "--run", run, "--plot", tmp_path / "p.png")
    assert result.exit_code == 0, result.output
    assert "Predicted anchors of a.npy" in result.output and "hk90" in result.output
    assert (tmp_path / "p.png").stat().st_size > 1000
    out = tmp_path / "strip.png"
    result = invoke("morph", a, b, "--steps", 3, "--config", config, "--run", run, "--out", out)
    assert result.exit_code == 0, result.output
    rows = out.with_suffix(".csv").read_text().splitlines()
    assert rows[0] == "alpha,m1,mr,hk90,hk80,hk70,hc" and len(rows) == 4
    assert rows[1].startswith("0,") and rows[3].startswith("1,")
    assert out.stat().st_size > 1000


def test_missing_or_untrained_run(tmp_path, structures):
    config = write_config(tmp_path / "small.toml")
    a, b = structures
    for args in (("predict", a), ("morph", a, b)):
        result = invoke(*args, "--config", config, "--run", tmp_path / "none")
        assert_user_error(result, "has no trained model", "invmag train")
    (tmp_path / "file").write_text("")
    assert_user_error(invoke("train", "--config", config, "--run", tmp_path / "file"), "is a file")
    odd = write_config(tmp_path / "odd.toml", grid={"nx": 9, "ny": 9})
    assert_user_error(invoke("train", "--config", odd, "--run", tmp_path / "odd"),
                      "halves to ≥ 5 cells")
    assert not (tmp_path / "odd").exists()  # refused before any data is generated


def test_bad_input_to_a_trained_run(trained, tmp_path):
    config, run = trained
    save_structure(tmp_path / "big.npy", np.zeros((20, 20)))
    assert_user_error(invoke("predict", tmp_path / "big.npy", "--config", config, "--run", run),
                      "16 × 16 cells")
    assert_user_error(invoke("predict", tmp_path / "no.npy", "--config", config, "--run", run),
                      "no such structure file")
    other = write_config(tmp_path / "other.toml", vae={"latent": 4})
    assert_user_error(invoke("predict", tmp_path / "big.npy", "--config", other, "--run", run),
                      "trained with a different config", "vae.latent")
    assert_user_error(invoke("train", "--config", config, "--run", run),
                      "already has a trained model", "--force")
    assert_user_error(invoke("train", "--config", other, "--run", run),
                      "already has a trained model")


def test_train_force_never_deletes_data(trained, tmp_path):
    """`train --force` passed its force on to generate, which deleted the data files of a run
    whose sample keys changed: hours of simulations gone on a flag that reads as "retrain"."""
    run = tmp_path / "run"
    shutil.copytree(trained[1], run)
    before = {name: (run / name).read_bytes() for name in ("structures.h5", "labels.h5")}
    other = write_config(tmp_path / "other.toml", solver={"tolerance": 2e-4})
    assert_user_error(invoke("train", "--config", other, "--run", run, "--force"),
                      "of other samples", "solver.tolerance", "invmag generate --force")
    assert {name: (run / name).read_bytes() for name in before} == before


def test_more_epochs_resume_from_the_checkpoint(trained, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(trained[1], run)  # trained for 1 VAE epoch
    two = write_config(tmp_path / "two.toml", vae={"epochs": 2})
    assert_user_error(invoke("train", "--config", two, "--run", run), "--force")
    result = invoke("train", "--config", two, "--run", run, "--force")
    assert result.exit_code == 0, result.output
    assert "resumed from its checkpoint at epoch 1" in result.output
    history = json.loads((run / "metrics.json").read_text())["vae"]["history"]
    assert [(h["epoch"], h["session"]) for h in history] == [(1, 1), (2, 2)]
