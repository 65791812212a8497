"""Learning from designs: every structure simulated for a design joins the run's labelled set,
and the regressor is trained further on the enlarged set.

Simulated design structures go to runs/<name>/verified.h5 (the labels.h5 layout; generator params
NaN), never into labels.h5, whose rows are tied to their seeds. The regressor continues from its
current weights on the training split of labels.h5 plus every good verified row, with the anchor
normalization unchanged; the VAE is not touched, so the codes of earlier designs stay valid. The
model file the run had before it first learned is kept as surrogate.initial.pt.
"""

import json
from pathlib import Path
import shutil

import h5py
import numpy as np

from ..data.sample import Samples, columns
from ..data.sample_files import (VERIFIED, SampleStore, label_layout, phase_columns, read_labels,
                                 run_attrs)
from ..runtime import one_thread

STREAM = 2  # seed-stream number recorded in verified.h5 (0, 1: unlabelled, labelled)


def add_verified(run, cfg, simulated) -> int:
    """Append the converged, unflagged ones of simulated samples (polish.Simulated) to
    verified.h5; returns how many were added."""
    good = simulated.converged & ~simulated.flagged
    k = int(good.sum())
    if not k:
        return 0
    path = Path(run) / VERIFIED
    n_old = 0
    if path.exists():
        with h5py.File(path, "r") as f:
            n_old = f["done"].shape[0]
    H = cfg.solver.fields()
    attrs = {**run_attrs(cfg, STREAM), "seeds": "designs verified by simulation: no generator, "
                                               "params are NaN"}
    flags = phase_columns(cfg)
    with SampleStore(path, label_layout(cfg.grid.ny, cfg.grid.nx, len(H), **flags),
                     n_old + k, attrs, fixed={"H": H}) as store:
        store.write(np.arange(n_old, n_old + k), params=np.full((k, 3), np.nan),
                    **columns(simulated.samples.take(good), **flags),
                    **{name: getattr(simulated, name)[good] for name in
                       ("M", "anchors", "converged", "flagged")})
    return k


def training_set(run, cfg, hold_out=()):
    """(Samples, anchors (N, 6)): the training split of labels.h5 (when present) without the
    labels inside the hold-out boxes, and the good rows of verified.h5."""
    run = Path(run)
    parts, ys = [], []
    if (run / "labels.h5").is_file():
        labels = read_labels(run / "labels.h5")
        train, _ = labels.split(cfg.data.test, hold_out)
        parts.append(labels.samples.take(train))
        ys.append(labels.anchors[train])
    if (run / VERIFIED).is_file():
        verified = read_labels(run / VERIFIED)
        parts.append(verified.samples.take(verified.good))
        ys.append(verified.anchors[verified.good])
    if not parts:
        raise ValueError(f"run {run} has no labelled structures to train on")
    return Samples.join(parts), np.concatenate(ys)


def retrain(surrogate, run, epochs: int, seed: int, progress=None) -> list[float]:
    """Train each regressor of surrogate's ensemble further on training_set(run) for `epochs`
    epochs with the config's batch size and learning rate, widen the label range, save it as
    the run's surrogate.pt (keeping the first one as surrogate.initial.pt) and bring
    metrics.json's test MAE up to date, with the epochs and verified rows learned so far.
    Returns the epoch losses (mean over the members)."""
    from ..models.train import mae, write_json
    from ..models.surrogate import encode_mirrors
    from ..models.conditions import inputs
    from ..models.fitting import code_pairs, fit_regressor

    cfg = surrogate.config
    samples, y = training_set(run, cfg, surrogate.hold_out)
    with one_thread():  # batches of 16 small vectors: threads only contend
        z = inputs(cfg, encode_mirrors(surrogate.vae, samples, cfg.regressor.mirrors), samples)
        pairs = code_pairs(z, (y - surrogate.y_mean) / surrogate.y_std)
        members = surrogate.regressor.members

        def report(k):  # the members one after another on one progress scale
            return progress and (lambda e, n, loss: progress(k * n + e, len(members) * n, loss))

        losses = np.mean([fit_regressor(member, *pairs, epochs, cfg.regressor.batch_size,
                                        cfg.regressor.learning_rate, seed + k, report(k))
                          for k, member in enumerate(members)], axis=0)
    surrogate.label_min = np.minimum(surrogate.label_min, y.min(0))
    surrogate.label_max = np.maximum(surrogate.label_max, y.max(0))
    run = Path(run)
    model, initial = run / "surrogate.pt", run / "surrogate.initial.pt"
    if model.is_file() and not initial.exists():
        shutil.copy2(model, initial)
    surrogate.save(model)
    metrics_path = run / "metrics.json"
    if metrics_path.is_file() and (run / "labels.h5").is_file():
        labels = read_labels(run / "labels.h5")
        _, test = labels.split(cfg.data.test, surrogate.hold_out)
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
        metrics["mae_test"] = mae(surrogate.predict_samples(labels.samples.take(test)),
                                  labels.anchors[test])
        verified = read_labels(run / VERIFIED).good.sum() if (run / VERIFIED).is_file() else 0
        metrics["learned"] = {"epochs": metrics.get("learned", {}).get("epochs", 0) + epochs,
                              "verified_rows": int(verified)}
        write_json(metrics_path, metrics)
    return losses.tolist()
