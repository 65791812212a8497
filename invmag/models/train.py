"""`train_run`: a run's whole training (paper 3.3) — data, VAE, latent codes, cross-validated
regressor, test metrics (paper Table 3), model file and plots."""

from contextlib import nullcontext
from dataclasses import dataclass
import json
from pathlib import Path
import time

import numpy as np
import torch

from .. import ANCHORS, BadParameter
from ..config import Config
from ..data.generate import generate_data
from ..runtime import one_thread
from ..data.parallel import default_workers
from ..physics.anchors import UNITS, si_factor
from ..physics.merit import bhmax_error
from ..data.holdout import describe, inside
from ..files import replacing
from ..plots import save_figure
from .plots import loss_figure, parity_figure, reconstruction_figure
from .regressor import Ensemble
from .conditions import image_layers, inputs, structure_images
from .surrogate import Surrogate, build_regressor, build_vae, decode, encode_mirrors
from .fitting import cross_validate, no_progress, train_vae

PAPER_MAE = {"m1": 0.0030, "mr": 0.0152, "hk90": 0.0184, "hk80": 0.0245, "hk70": 0.0234,
             "hc": 0.0206}  # paper Table 3, Ms and H_A units
EXAMPLES = 4  # test samples in the reconstruction figure


@dataclass
class AnchorFit:
    """The regressors of a cross-validation as an Ensemble: normalization (6,), each fold's
    validation MSE per epoch (k, max_epochs) and the epoch each member stopped at (k,)."""

    regressor: Ensemble
    y_mean: np.ndarray
    y_std: np.ndarray
    cv_curves: np.ndarray

    @property
    def epochs(self) -> list[int]:
        return [int(e) + 1 for e in np.argmin(self.cv_curves, axis=1)]


def fit_anchors(cfg: Config, z, y, device, progress=no_progress) -> AnchorFit:
    """Standardize anchors y (N, 6) per anchor and cross-validate the regressor on (z, y); its
    k fold regressors, each at its best validation epoch, are the ensemble. z (C, N, latent):
    codes of C images of each structure (encode_mirrors)."""
    y_mean, y_std = y.mean(0), y.std(0)
    y_std = np.where(y_std > 0, y_std, 1.0)
    members, curves = cross_validate(cfg, z, (y - y_mean) / y_std, device, progress)
    return AnchorFit(Ensemble(members), y_mean, y_std, curves)


def mae(predicted, computed) -> dict[str, float]:
    """Mean absolute error per anchor."""
    return dict(zip(ANCHORS, np.abs(predicted - computed).mean(0).tolist()))


def write_json(path: Path, data: dict):
    """A JSON file, replaced atomically."""
    with replacing(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")


def train_run(cfg: Config, run_dir, device="cpu", force: bool = False,
              progress=no_progress, hold_out=()) -> dict:
    """Train the surrogate of a run: generate (or complete) its data, train the VAE (resuming
    from checkpoints/vae.pt), encode the labelled set, cross-validate and fit the regressor on
    the training split, evaluate on the test split. Writes surrogate.pt, metrics.json and
    plots/; returns the metrics. A run with a trained model is refused unless force.
    hold_out: boxes (data.holdout) whose labels are left out of training and test; kept in
    the model file, so the run's design searches treat them as absent too.
    progress(stage, completed, total, **fields). On the CPU torch runs on one thread."""
    device = torch.device(device)
    with torch_threads(device):
        return _train_run(cfg, run_dir, device, force, progress, tuple(hold_out))


def held_out_split(cfg: Config, labels, hold_out) -> tuple[np.ndarray, np.ndarray, int]:
    """(train, test, held): the label split without the rows inside the hold-out boxes, and how
    many good rows the boxes hold. ValueError when the boxes leave too few to train: under half
    of the training split, under 2 per cross-validation fold, or no test label."""
    train, test = labels.split(cfg.data.test)
    kept_train, kept_test = labels.split(cfg.data.test, hold_out)
    if hold_out and (len(kept_train) < max(len(train) / 2, 2 * cfg.regressor.folds)
                     or not len(kept_test)):
        raise BadParameter(f"{{}} {' '.join(map(describe, hold_out))} leaves "
                           f"{len(kept_train)} of {len(train)} training and {len(kept_test)} of "
                           f"{len(test)} test labels: too few to train (at least half of the "
                           "training labels and one test label must stay)", 'hold_out')
    return kept_train, kept_test, int(inside(labels.anchors[labels.good], hold_out).sum())


def torch_threads(device: torch.device):
    """One torch thread on the CPU (small layers ran several times slower on two threads of a
    2-core machine); unchanged on a GPU."""
    return one_thread() if device.type == "cpu" else nullcontext()


def _train_run(cfg: Config, run_dir, device: torch.device, force: bool, progress,
               hold_out: tuple) -> dict:
    run = Path(run_dir)
    if (run / "surrogate.pt").exists() and not force:
        raise BadParameter(f"run {run} already has a trained model (surrogate.pt); use {{}} "
                           "to retrain it", 'force')
    build_vae(cfg), build_regressor(cfg)  # an unusable grid or layout fails before any work
    if cfg.data.test < 1:
        raise ValueError("config: data.test must be ≥ 1 to train (the test split measures the "
                         "model)")
    times = {}
    t0 = time.perf_counter()
    labels = generate_data(cfg, run, force=force, workers=default_workers(cfg.solver_device),
                      progress=progress).labels
    train, test, held = held_out_split(cfg, labels, hold_out)
    times["data"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    samples = labels.samples
    vae, history, resumed, dropped = train_vae(
        cfg, run / "structures.h5", run / "checkpoints" / "vae.pt", device,
        structure_images(samples.take(test), image_layers(cfg)), progress)
    times["vae"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    codes = encode_mirrors(vae, samples, cfg.regressor.mirrors)
    z, y = codes[0], labels.anchors
    fit = fit_anchors(cfg, inputs(cfg, codes[:, train], samples.take(train)), y[train], device,
                      progress)
    times["regressor"] = time.perf_counter() - t0
    surrogate = Surrogate(cfg, vae, fit.regressor, fit.y_mean, fit.y_std, y[train].min(0),
                          y[train].max(0), hold_out)
    predicted = surrogate.predict(z, samples)
    surrogate.save(run / "surrogate.pt")
    # the backup of a model trained further on designs (design.learn) belongs to the old model
    (run / "surrogate.initial.pt").unlink(missing_ok=True)

    metrics = {
        "config": cfg.name, "device": str(device), "units": UNITS,
        "mae_test": mae(predicted[test], y[test]), "mae_train": mae(predicted[train], y[train]),
        **temperature_metrics(cfg, samples.temperature[test], predicted[test], y[test]),
        "mae_paper": PAPER_MAE,
        "bhmax_test_kJ_m3": bhmax_error(labels.H, labels.M[test], predicted[test], cfg.material),
        "labelled": {"train": len(train), "test": len(test), "good": int(labels.good.sum()),
                     "done": int(labels.done.sum()), "held_out": held},
        "hold_out": [describe(box) for box in hold_out],
        "vae": {"epochs": cfg.vae.epochs, "resumed_from_epoch": resumed,
                "checkpoint_replaced": dropped, "history": history},
        "regressor": {"epochs": fit.epochs, "max_epochs": cfg.regressor.max_epochs,
                      "folds": cfg.regressor.folds, "cv_curves": fit.cv_curves.tolist()},
        "seconds": times,
    }
    write_json(run / "metrics.json", metrics)
    write_plots(run / "plots", labels, train, test, z, predicted, surrogate, metrics)
    return metrics


BANDS = 3  # temperature bands of the test MAE
T_REPORT = 423.0  # K (150 °C): the test MAE is also given in tesla at this temperature


def temperature_metrics(cfg, T, predicted, computed) -> dict:
    """For a config with a [temperature] section: the test MAE of test labels at temperatures T
    (n,) K per temperature band
    (`mae_test_bands`, {"lo–hi K": {anchor: MAE}}, reduced units at each label's T) and the test
    MAE in tesla of a magnet at T_REPORT (`mae_test_T_423K`: the MAE of the band holding
    T_REPORT times Js(T_REPORT) for m1, mr and µ0H_A(T_REPORT) for the fields); {} without."""
    if cfg.temperature is None:
        return {}
    from ..physics.temperature import material_at

    edges = np.linspace(*cfg.temperature.range, BANDS + 1)
    bands, report = {}, None
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (T >= lo) & ((T < hi) | (hi == edges[-1]))
        if inside.any():
            bands[f"{lo:.0f}–{hi:.0f} K"] = mae(predicted[inside], computed[inside])
            if lo <= T_REPORT <= hi:
                report = bands[f"{lo:.0f}–{hi:.0f} K"]
    out = {"mae_test_bands": bands}
    if report is not None:
        m = material_at(T_REPORT, cfg.material)
        out["mae_test_T_423K"] = {a: v * si_factor(a, m) for a, v in report.items()}
    return out


def write_plots(folder: Path, labels, train, test, z, predicted, surrogate, metrics):
    """losses.png, parity.png and reconstructions.png of a trained run."""
    folder.mkdir(parents=True, exist_ok=True)
    r = metrics["regressor"]
    figures = {
        "losses": loss_figure(metrics["vae"]["history"], r["cv_curves"], r["epochs"]),
        "parity": parity_figure(labels.anchors[train], predicted[train], labels.anchors[test],
                                predicted[test], temperature=None if surrogate.config.temperature is None
                                else (labels.samples.temperature[train],
                                      labels.samples.temperature[test])),
    }
    picks = test[np.linspace(0, len(test) - 1, min(EXAMPLES, len(test))).astype(int)]
    figures["reconstructions"] = reconstruction_figure(
        labels.samples.phi[picks], z[picks], decode(surrogate.vae, z[picks]), labels.H, labels.M[picks],
        labels.anchors[picks], predicted[picks], [f"#{i}" for i in picks])
    for name, fig in figures.items():
        save_figure(fig, folder / f"{name}.png")
