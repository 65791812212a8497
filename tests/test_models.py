"""Models (docs/learning.md): paper Tables 1–2 parameter counts, shapes for other grids, the regressor's
training loop on a known function, streaming, model files, resumable VAE training, morphing."""

import math

import numpy as np
import pytest
import torch

from invmag import ANCHORS
from invmag.config import load_config
from invmag.runtime import one_thread
from invmag.data.sample import Samples
from invmag.data.sample_files import SampleStore, structure_layout
from invmag.models.layers import n_params
from invmag.models.morph import interpolate
from invmag.models.regressor import Ensemble, Regressor
from invmag.models.stream import StructureStream
from invmag.models.surrogate import (Surrogate, build_ensemble, build_regressor, build_vae,
                                     load_surrogate, mirror, seeded)
from invmag.models.fitting import fit_regressor, train_vae
from invmag.models.vae import VAE, conv_levels
from conftest import tiny_config


@pytest.fixture(autouse=True)
def single_thread():
    """As `invmag train` on the CPU: small layers run faster on one thread."""
    with one_thread():
        yield


def small_config(name="small", **sections):
    """conftest.tiny_config with more structures (192 unlabelled, 16 labelled, 4 test) and
    batches of 8; `sections` update its sections, e.g. small_config(vae={"epochs": 2})."""
    return tiny_config(name, **{"solver": {"batch_size": 8},
                                "data": {"unlabelled": 192, "labelled": 16, "test": 4},
                                **sections})


def test_paper_tables_parameter_counts():
    cfg = load_config("paper")
    vae, regressor = build_vae(cfg), build_regressor(cfg)
    assert n_params(vae) - n_params(vae.decoder) == 15_382_256  # encoder, Table 1
    assert n_params(vae.decoder) == 14_338_801
    assert n_params(regressor) == 1_502_006  # Table 2
    rows = vae.tables()
    assert [r.params for r in rows["Encoder"]] == [0, 272, 2080, 8256, 32896, 131328, 0,
                                                   13109248, 1049088, 1049088]
    assert [r.shape for r in rows["Decoder"]][-1] == "160 × 160 × 1"
    assert sum(r.params for r in regressor.tables()["Regression head (×6)"]) == 2793


@pytest.mark.parametrize("grid, latent, dense, levels", [(160, 512, 2048, 5), (40, 64, 512, 3)])
def test_encode_decode_shapes(grid, latent, dense, levels):
    assert conv_levels(grid, grid) == levels
    vae = VAE(grid, grid, latent, dense, 16)
    kx = torch.rand(2, 1, grid, grid) * 2 - 1
    mu, logvar = vae.encode(kx)
    assert mu.shape == logvar.shape == (2, latent)
    assert vae.decode(mu).shape == kx.shape
    recon, _, _ = vae(kx)
    assert recon.shape == kx.shape
    with torch.no_grad():  # hand-set decoder: every parameter 0 but the last layer's bias, 2
        for p in vae.decoder.parameters():
            p.zero_()
        vae.decoder.layers[f"convtr_{levels}"].bias.fill_(2.0)
    # kx = sin(phi) comes out of a tanh: tanh(2) = 0.96403 in every cell, for any z
    np.testing.assert_allclose(vae.decode(mu).detach().numpy(), math.tanh(2.0), rtol=1e-6)


def test_bad_layouts_are_refused():
    assert conv_levels(40, 20) == 2 and conv_levels(16, 16) == 1
    for ny, nx in ((9, 9), (8, 8), (40, 41)):
        with pytest.raises(ValueError, match="halves to ≥ 5 cells"):
            VAE(ny, nx, 8, 32, 4)
    with pytest.raises(ValueError, match="latent ≤ vae.dense"):
        VAE(40, 40, 64, 32, 4)
    with pytest.raises(ValueError, match="must end with 1"):
        Regressor(8, [16], [4, 2])


def test_regressor_learns_a_known_function():
    """y = smooth nonlinear functions of z: the held-out MAE ends far below a constant
    predictor's (≈ 0.8 in these standardized units)."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(320, 6)).astype(np.float32)
    w = rng.normal(size=(6, 6)) / np.sqrt(6)
    y = np.tanh(z @ w) + 0.3 * (z[:, :1] ** 2 - 1)
    y = (y - y.mean(0)) / y.std(0)
    regressor = seeded(0, lambda: Regressor(6, [32, 32], [8, 1]))
    losses = fit_regressor(regressor, z[:256], y[:256], epochs=30, batch_size=32,
                           learning_rate=1e-2, seed=0)
    assert losses[-1] < 0.2 * losses[0]
    with torch.no_grad():
        pred = regressor(torch.from_numpy(z[256:])).numpy()
    test_mae = np.abs(pred - y[256:]).mean()
    assert test_mae < 0.2, test_mae
    stopped = seeded(0, lambda: Regressor(6, [32, 32], [8, 1]))
    val = fit_regressor(stopped, z[:256], y[:256], epochs=30, batch_size=32, learning_rate=3e-2,
                        seed=0, validation=(z[256:], y[256:]))
    assert len(val) == 30 and min(val) < val[0]
    assert np.argmin(val) < 29  # the validation MSE rose again at this rate: stopping matters
    with torch.no_grad():  # early stopping: it ends with the weights of its best epoch
        kept = torch.nn.functional.mse_loss(stopped(torch.from_numpy(z[256:])),
                                            torch.from_numpy(y[256:])).item()
    assert kept == pytest.approx(min(val), rel=1e-6) and kept < val[-1]


def test_ensemble_predicts_the_mean_of_its_members():
    members = [seeded(k, lambda: Regressor(6, [16], [4, 1])) for k in range(3)]
    z = torch.randn(5, 6)
    ensemble = Ensemble(members)
    with torch.no_grad():
        outputs = torch.stack([m(z) for m in members])
        assert torch.allclose(ensemble(z), outputs.mean(0))
        assert torch.equal(ensemble.outputs(z), outputs)
    assert n_params(ensemble) == 3 * n_params(members[0])
    with pytest.raises(ValueError, match="at least one regressor"):
        Ensemble([])


def test_mirrors_form_the_symmetry_group_of_the_protocol():
    """Each image is its own inverse, the two mirrors compose to the half turn, a per-sample
    choice acts sample by sample, and kx → −kx under a mirror (the axis turns to −phi)."""
    kx = torch.rand(3, 1, 5, 7) * 2 - 1
    for k in range(4):
        assert torch.equal(mirror(mirror(kx, k), k), kx)
    assert torch.equal(mirror(mirror(kx, 1), 2), mirror(kx, 3))
    assert torch.equal(mirror(kx, 1)[0, 0, 2], -kx[0, 0, 2].flip(0))
    assert torch.equal(mirror(kx, 2)[0, 0, :, 3], -kx[0, 0, :, 3].flip(0))
    per_sample = mirror(kx, torch.tensor([0, 1, 3]))
    for b, k in enumerate([0, 1, 3]):
        assert torch.equal(per_sample[b], mirror(kx[b:b + 1], k)[0])


def test_cross_validation_keeps_all_images_of_a_structure_in_one_fold(monkeypatch):
    """With codes of four images per structure, a fold validates on structures none of whose
    images it trained on, and trains on every image of the others."""
    import invmag.models.fitting as training

    seen = []

    def record(model, z, y, epochs, batch_size, learning_rate, seed, progress, validation):
        seen.append((z[:, 0].copy(), validation[0][:, 0].copy(), y, validation[1]))
        return [0.0] * epochs

    monkeypatch.setattr(training, "fit_regressor", record)
    cfg = small_config()
    n = 12
    z = np.stack([np.arange(n) + 100 * c for c in range(4)]).astype(np.float32)[..., None]
    z = np.repeat(z, cfg.vae.latent, axis=2)           # code[c, i] tells image c of structure i
    y = np.repeat(np.arange(n, dtype=float)[:, None], 6, axis=1)
    training.cross_validate(cfg, z, y, "cpu")
    assert len(seen) == cfg.regressor.folds
    for train, val, y_train, y_val in seen:
        assert set(train % 100).isdisjoint(val % 100)
        assert sorted(train % 100) == sorted(np.tile(np.unique(train % 100), 4))
        assert len(train) + len(val) == 4 * n
        assert np.array_equal(y_train[:, 0], train % 100)  # every image with its own anchors
        assert np.array_equal(y_val[:, 0], val % 100)


def write_structures(path, n, ny=16, nx=16, seed=0):
    phi = np.random.default_rng(seed).uniform(-1.5, 1.5, (n, ny, nx)).astype(np.float32)
    with SampleStore(path, structure_layout(ny, nx), n) as store:
        store.write(np.arange(n), phi=phi, params=np.zeros((n, 3)))
    return phi


def test_stream_visits_every_structure_once_per_epoch(tmp_path):
    phi = write_structures(tmp_path / "structures.h5", 50)
    stream = StructureStream(tmp_path / "structures.h5", batch_size=8, memory=12 * 16 * 16 * 4)
    assert len(stream.blocks) == 5 and len(stream) == 7
    batches = list(stream.epoch(torch.Generator().manual_seed(1)))
    assert [len(b) for b in batches] == [8] * 6 + [2]
    seen = np.sort(torch.cat(batches)[:, 0].numpy().reshape(50, -1), axis=0)
    np.testing.assert_allclose(seen, np.sort(np.sin(phi).reshape(50, -1), axis=0), atol=1e-6)
    again = torch.cat(list(stream.epoch(torch.Generator().manual_seed(1))))
    assert torch.equal(again, torch.cat(batches))  # the order is the generator's


def test_interrupted_vae_training_resumes_as_if_uninterrupted(tmp_path):
    write_structures(tmp_path / "structures.h5", 64)
    two = small_config(vae={"epochs": 2})
    straight, history, start, _ = train_vae(two, tmp_path / "structures.h5", tmp_path / "a.pt",
                                            "cpu")
    assert start == 0 and [h["session"] for h in history] == [1, 1]

    class Stop(Exception):
        pass

    def stop_after_first_epoch(stage, completed, total, **fields):
        if completed == 1 and fields:
            raise Stop

    with pytest.raises(Stop):
        train_vae(two, tmp_path / "structures.h5", tmp_path / "b.pt", "cpu",
                  progress=stop_after_first_epoch)
    resumed, history_b, start, dropped = train_vae(two, tmp_path / "structures.h5",
                                                   tmp_path / "b.pt", "cpu")
    assert start == 1 and dropped is None and [h["epoch"] for h in history_b] == [1, 2]
    assert [h["session"] for h in history_b] == [1, 2]
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    other = small_config(vae={"epochs": 2, "dense": 16})  # another VAE: starts over, and says so
    _, _, start, dropped = train_vae(other, tmp_path / "structures.h5", tmp_path / "b.pt", "cpu")
    assert start == 0 and "b.pt is of another training (vae.dense: 32 → 16)" in dropped
    fewer = small_config(vae={"epochs": 1, "dense": 16})
    dropped = train_vae(fewer, tmp_path / "structures.h5", tmp_path / "b.pt", "cpu")[3]
    assert "holds 2 epochs, more than vae.epochs = 1" in dropped


def untrained(cfg):
    rng = np.random.default_rng(0)
    return Surrogate(cfg, build_vae(cfg), build_ensemble(cfg, 2), rng.normal(size=6),
                     rng.uniform(0.5, 1, 6), np.zeros(6), np.ones(6))


def test_model_file_round_trip_and_checks(tmp_path):
    cfg = small_config()
    surrogate = untrained(cfg)
    phi = np.random.default_rng(1).uniform(-1.5, 1.5, (3, 16, 16)).astype(np.float32)
    with pytest.raises(ValueError, match="has no trained model"):
        load_surrogate(tmp_path, cfg)
    surrogate.save(tmp_path / "surrogate.pt")
    loaded = load_surrogate(tmp_path, cfg)
    samples = Samples.plain(phi)
    np.testing.assert_allclose(loaded.predict_samples(samples), surrogate.predict_samples(samples),
                               rtol=1e-6)
    assert loaded.config == cfg and loaded.predict_samples(samples).shape == (3, len(ANCHORS))
    assert loaded.decode(loaded.encode(samples)).shape == phi.shape
    load_surrogate(tmp_path, small_config(name="renamed", design={"population": 8}))
    with pytest.raises(ValueError, match="different config.*vae.latent"):
        load_surrogate(tmp_path, small_config(vae={"latent": 4}))
    with pytest.raises(ValueError, match="16 × 16 cells"):
        loaded.encode(Samples.plain(phi[:, :8]))
    (tmp_path / "surrogate.pt").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="surrogate.pt cannot be read: truncated or not a model"):
        load_surrogate(tmp_path)


def test_morph_walks_the_latent_line():
    surrogate = untrained(small_config())
    rng = np.random.default_rng(2)
    a, b = rng.uniform(-1.5, 1.5, (2, 16, 16)).astype(np.float32)
    result = interpolate(surrogate, Samples.plain(a), Samples.plain(b), steps=5)
    np.testing.assert_allclose(result.alphas, [0, 0.25, 0.5, 0.75, 1])
    z_a, z_b = surrogate.encode(Samples.plain(np.stack([a, b])))
    np.testing.assert_allclose(result.z[[0, -1]], [z_a, z_b], rtol=1e-6)
    np.testing.assert_allclose(result.z[2], (z_a + z_b) / 2, rtol=1e-5, atol=1e-6)
    assert result.samples.phi.shape == (5, 16, 16) and result.anchors.shape == (5, 6)
    assert result.csv().splitlines()[0] == "alpha,m1,mr,hk90,hk80,hk70,hc"
    with pytest.raises(ValueError, match="steps must be ≥ 2"):
        interpolate(surrogate, Samples.plain(a), Samples.plain(b), steps=1)
