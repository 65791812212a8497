"""The embedded `bulk` config (invmag/configs/bulk.toml): the magnet config's sample as the
interior of a bulk magnet, with periodic boundaries, a defect shell, the magnet's boundary phase,
thermal activation and 293–453 K; `invmag generate` and `invmag train` on a tiny version of it."""

import numpy as np
import pytest

from invmag.config import config_from_dict, embedded_names, load_config
from invmag.data.boundary import draw_sample
from invmag.data.generate import LABELLED
from invmag.data.sample_files import read_labels
from invmag.data.structures import sample_seed
from conftest import invoke, tiny_config, train_run


def tiny_bulk(**sections):
    """The bulk config on tiny_config's 16 × 16 sample, solver, data and networks (its grid
    still periodic; its boundary, temperature, shell and thermal sections kept)."""
    tiny, d = tiny_config("tinybulk", **sections).to_dict(), load_config("bulk").to_dict()
    for name in ("name", "grid", "structures", "solver", "data", "vae", "regressor"):
        d[name] = tiny[name]
    d["grid"]["periodic"] = True
    return config_from_dict(d)


def test_bulk_is_the_magnet_with_periodic_boundaries_a_shell_and_thermal_activation():
    bulk, magnet = load_config("bulk"), load_config("magnet")
    assert "bulk" in embedded_names()
    assert bulk.grid.periodic and not magnet.grid.periodic
    assert (bulk.grid.nx, bulk.grid.ny, bulk.grid.cell_size, bulk.data.labelled) == \
        (magnet.grid.nx, magnet.grid.ny, magnet.grid.cell_size, magnet.data.labelled) == \
        (40, 40, 2.0, 1600)
    assert bulk.boundary == magnet.boundary
    assert bulk.temperature.range == (293.0, 453.0)
    assert tuple(bulk.shell.thickness) == (2.0, 2.0) and tuple(bulk.shell.K1) == (0.0, 0.5)
    assert (bulk.shell.Js, bulk.shell.Tc) == (1.0, 585.0)
    assert bulk.thermal.volume_factor == 4.0 and bulk.thermal.ln_rate == 25.0
    assert (bulk.material, bulk.solver, bulk.vae, bulk.regressor) == \
        (magnet.material, magnet.solver, magnet.vae, magnet.regressor)


def test_info_shows_the_bulk_sections():
    result = invoke("info", "--config", "bulk")
    assert result.exit_code == 0, result.output
    for fragment in ("periodic", "293–453 K", "K1 × 0–0.5", "4·δ_w³"):
        assert fragment in result.output


@pytest.fixture(scope="module")
def bulk_run(tmp_path_factory):
    """`invmag generate`, then `invmag train`, of the tiny bulk config: (config, run, outputs)."""
    folder = tmp_path_factory.mktemp("bulk")
    cfg = tiny_bulk(data={"labelled": 24, "test": 4, "unlabelled": 32},
                    solver={"batch_size": 12})
    (folder / "tinybulk.toml").write_text(cfg.to_toml())
    generated = invoke("generate", "--config", folder / "tinybulk.toml", "--run", folder / "run")
    assert generated.exit_code == 0, generated.output
    _, run, trained = train_run(folder, cfg)
    return cfg, run, generated.output, trained


def test_generate_on_bulk_stores_shell_boundary_and_temperature(bulk_run):
    """The labels hold each sample's periodic structure, boundary cells and phase (thickness,
    Js_b, T in 293–453 K) and shell cells and shell_phase (2 nm or lowered, K1 × 0–0.5), as
    draw_sample draws them; generate prints the thermal HcJ beside the zero-temperature one."""
    cfg, run, generated, _ = bulk_run
    labels = read_labels(run / "labels.h5")
    s, m = labels.samples, cfg.material
    assert len(s) == 24 and labels.good.mean() > 0.9
    assert s.boundary is not None and s.shell is not None
    assert ((s.phase[:, 2] >= 293.0) & (s.phase[:, 2] <= 453.0)).all()
    assert set(np.unique(s.phase[:, 0])) <= {0.0, 2.0, 4.0}
    assert set(np.unique(s.shell_phase[:, 0])) <= {0.0, 2.0}
    assert (s.shell_phase[:, 1] == m.Js).all()
    assert ((s.shell_phase[:, 2] >= 0) & (s.shell_phase[:, 2] <= 0.5 * m.K1)).all()
    assert s.shell.mask.any() and not (s.shell.mask & s.mask).any()
    for i in range(4):
        sample, _ = draw_sample(sample_seed(cfg.seed, LABELLED, i), cfg)
        np.testing.assert_array_equal(s.phi[i], sample.phi[0])
        np.testing.assert_array_equal(s.shell.mask[i], sample.shell.mask[0])
        np.testing.assert_array_equal(s.phase[i], sample.phase[0])
    assert "thermal" in generated


def test_train_on_bulk_makes_a_model_that_sees_the_shell(bulk_run):
    """The run's surrogate takes the boundary and shell cells as image channels and the shell's
    K1 factor as a condition, and predicts finite anchors for its labels' samples."""
    import invmag
    from invmag.models.conditions import condition_names, image_channels

    cfg, run, _, trained = bulk_run
    assert (run / "surrogate.pt").is_file() and (run / "metrics.json").is_file()
    assert "20 training, 4 test curves" in trained
    assert image_channels(cfg) == 3 and "shell_K1" in condition_names(cfg)
    labels = read_labels(run / "labels.h5")
    predicted = invmag.open_run(run).surrogate.predict_samples(labels.samples.take([0, 1, 2]))
    assert predicted.shape == (3, 6) and np.isfinite(predicted).all()


def test_predict_reads_a_sample_file_with_its_boundary_and_shell(bulk_run, tmp_path):
    """A label saved as a sample file with its boundary and shell keys predicts what the model
    predicts for the label read from labels.h5; without the shell keys the prediction changes."""
    import invmag

    _, run, _, _ = bulk_run
    labels = read_labels(run / "labels.h5")
    s = labels.samples
    r = int(np.flatnonzero(s.shell.mask.any((1, 2)) & (s.shell_phase[:, 2] < 0.4e6))[0])
    one = s.take([r])
    keys = {"phi": one.phi[0], "boundary": one.mask[0], "boundary_thickness_nm": one.phase[0, 0],
            "boundary_Js_T": one.phase[0, 1]}
    np.savez(tmp_path / "bare.npz", **keys)
    np.savez(tmp_path / "s.npz", **keys, shell=one.shell.mask[0],
             shell_thickness_nm=one.shell.thickness[0], shell_Js_T=one.shell.Js[0],
             shell_K1_J_m3=one.shell.K1[0])
    T = float(one.temperature[0])
    p = invmag.predict(tmp_path / "s.npz", run=run, temperature=T)
    own = invmag.open_run(run).surrogate.predict_samples(one)[0]
    np.testing.assert_allclose(p.anchors, own, rtol=0, atol=1e-12)
    bare = invmag.predict(tmp_path / "bare.npz", run=run, temperature=T).anchors
    assert not np.allclose(bare, p.anchors)
