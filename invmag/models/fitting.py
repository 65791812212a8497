"""Training loops (paper 3, 4.1): the VAE on streamed structures, checkpointed every epoch and
resumable; the regressor with Nadam and MSE by k-fold cross-validation, each fold's regressor
stopped at its best validation epoch, the k of them an ensemble.

Every random draw (initial weights, shuffling, the VAE's latent noise) comes from a seed derived
from the config's seed, per epoch for the VAE, so a run is reproducible and an interrupted VAE
training, resumed, continues exactly as if it had not stopped.
"""

from concurrent.futures import CancelledError, ThreadPoolExecutor
import json
import os
from pathlib import Path
import pickle
import threading
import time

import numpy as np
import torch

from ..config import Config
from ..data.run_folder import changes
from ..files import replacing
from .regressor import Regressor
from .stream import StructureStream
from .surrogate import build_regressor, build_vae, seeded
from .vae import VAE, vae_loss

VAE_INIT, VAE_EPOCH, CV_SPLIT, REGRESSOR = range(4)  # seed streams


def derive_seed(seed: int, *keys: int) -> int:
    """A 63-bit seed for purpose `keys` of a config seed."""
    return int(np.random.SeedSequence(seed, spawn_key=keys).generate_state(1, np.uint64)[0] >> 1)


def generator(seed: int, device="cpu") -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


def no_progress(*args, **kwargs):
    pass


# -- VAE -----------------------------------------------------------------------------------
def vae_identity(cfg: Config) -> str:
    """What a VAE checkpoint depends on: its data and every VAE setting but the epoch count."""
    d = cfg.to_dict()
    vae = {k: v for k, v in d["vae"].items() if k != "epochs"}
    return json.dumps({"seed": d["seed"], "grid": d["grid"], "structures": d["structures"],
                       "unlabelled": d["data"]["unlabelled"], "vae": vae}, sort_keys=True)


def load_checkpoint(path: Path, cfg: Config, device) -> tuple[dict | None, str | None]:
    """(the VAE checkpoint at path, None) if it continues a training of cfg (same identity, no
    more epochs than cfg asks for); else (None, why it does not), or (None, None) without one."""
    if not path.is_file():
        return None, None
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except (RuntimeError, EOFError, pickle.UnpicklingError) as e:
        raise ValueError(f"VAE checkpoint {path} is unreadable ({e}); delete it to start the "
                         "VAE over") from None
    old, new = json.loads(state.get("identity", "{}")), json.loads(vae_identity(cfg))
    if old != new:
        shown = "; ".join(changes(old, new)[:3])
        return None, f"VAE checkpoint {path} is of another training ({shown})"
    if state.get("epoch", 0) > cfg.vae.epochs:
        return None, (f"VAE checkpoint {path} holds {state['epoch']} epochs, more than "
                      f"vae.epochs = {cfg.vae.epochs}")
    return state, None


def save_checkpoint(path: Path, state: dict):
    """torch.save to a temporary file, then rename: a kill leaves the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as tmp:
        torch.save(state, tmp)


@torch.no_grad()
def _vae_evaluate(vae: VAE, kx: torch.Tensor, batch: int) -> tuple[float, float]:
    """Per-sample means (reconstruction, KL) of kx decoded from its encoder means."""
    vae.eval()
    totals = np.zeros(2)
    for x in kx.split(batch):
        x = x.to(next(vae.parameters()).device)
        mu, logvar = vae.encode(x)
        _, rec, kl = vae_loss(vae.decode(mu), x, mu, logvar, 0.0)
        totals += np.array([rec.item(), kl.item()]) * len(x)
    return tuple(float(v) for v in totals / len(kx))


def train_vae(cfg: Config, structures, checkpoint, device, validation=None,
              progress=no_progress) -> tuple[VAE, list[dict], int, str | None]:
    """Train the VAE of cfg on structures.h5 for cfg.vae.epochs, resuming from `checkpoint`
    (written every epoch). validation: structure images (N, C, ny, nx) (models.conditions.structure_images)
    for a held-out loss.
    progress(stage, completed, total, **fields) with completed in epochs.
    Returns (vae, history: one dict per epoch, epoch resumed from, why a checkpoint there was
    not resumed but replaced, or None)."""
    device = torch.device(device)
    checkpoint = Path(checkpoint)
    v = cfg.vae
    vae = seeded(derive_seed(cfg.seed, VAE_INIT), lambda: build_vae(cfg)).to(device)
    optimizer = torch.optim.NAdam(vae.parameters(), lr=v.learning_rate, foreach=True)
    state, dropped = load_checkpoint(checkpoint, cfg, device)
    history, start = [], 0
    if state is not None:
        vae.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        history, start = list(state["history"]), state["epoch"]
    session = 1 + max((h["session"] for h in history), default=0)
    stream = StructureStream(structures, v.batch_size)
    val = (torch.from_numpy(np.asarray(validation, np.float32))
           if validation is not None and len(validation) else None)
    pixels = cfg.grid.nx * cfg.grid.ny
    progress("VAE", start, v.epochs)
    for epoch in range(start, v.epochs):
        t0 = time.perf_counter()
        seed = derive_seed(cfg.seed, VAE_EPOCH, epoch)
        shuffle, noise = generator(seed), generator(seed, device)
        vae.train()
        totals = torch.zeros(3, device=device)
        for i, kx in enumerate(stream.epoch(shuffle)):
            kx = kx.to(device, non_blocking=True)
            recon, mu, logvar = vae(kx, noise)
            loss, rec, kl = vae_loss(recon, kx, mu, logvar, v.kl_weight)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            totals += torch.stack([loss, rec, kl]).detach() * len(kx)
            if i % 10 == 9:
                progress("VAE", epoch + (i + 1) / len(stream), v.epochs)
        loss, rec, kl = (totals / stream.size).tolist()
        record = {"epoch": epoch + 1, "session": session, "loss": loss, "mse": rec / pixels,
                  "kl": kl, "seconds": time.perf_counter() - t0}
        if val is not None:
            rec, record["val_kl"] = _vae_evaluate(vae, val, v.batch_size)
            record["val_mse"] = rec / pixels
        history.append(record)
        save_checkpoint(checkpoint, {"identity": vae_identity(cfg), "epoch": epoch + 1,
                                     "history": history, "model": vae.state_dict(),
                                     "optimizer": optimizer.state_dict()})
        progress("VAE", epoch + 1, v.epochs, loss=loss, mse=record["mse"])
    return vae, history, start, dropped


# -- regressor -------------------------------------------------------------------------------
def fit_regressor(regressor: Regressor, z, y_norm, epochs: int, batch_size: int,
                  learning_rate: float, seed: int, progress=None, validation=None) -> list[float]:
    """Train with Nadam on the MSE of normalized anchors for `epochs` passes, shuffled by
    `seed`. z (N, latent), y_norm (N, 6). Returns the loss per epoch: the mean training MSE, or
    with validation = (z_val, y_val) the validation MSE after each epoch, and then the regressor
    ends with the weights of its lowest validation MSE (early stopping).
    progress(epoch, epochs, loss) after each epoch."""
    device = next(regressor.parameters()).device
    z, y = (torch.as_tensor(np.asarray(a, np.float32), device=device) for a in (z, y_norm))
    if validation is not None:
        zv, yv = (torch.as_tensor(np.asarray(a, np.float32), device=device) for a in validation)
    optimizer = torch.optim.NAdam(regressor.parameters(), lr=learning_rate, foreach=True)
    shuffle = generator(seed)
    losses, best = [], None
    for epoch in range(epochs):
        regressor.train()
        total = torch.zeros((), device=device)
        for idx in torch.randperm(len(z), generator=shuffle).to(device).split(batch_size):
            loss = torch.nn.functional.mse_loss(regressor(z[idx]), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(idx)
        if validation is None:
            losses.append(total.item() / len(z))
        else:
            regressor.eval()
            with torch.no_grad():
                losses.append(torch.nn.functional.mse_loss(regressor(zv), yv).item())
            if losses[-1] <= min(losses):
                best = {k: v.detach().clone() for k, v in regressor.state_dict().items()}
        if progress:
            progress(epoch + 1, epochs, losses[-1])
    if best is not None:
        regressor.load_state_dict(best)
    return losses


def code_pairs(z, y, rows=slice(None)) -> tuple[np.ndarray, np.ndarray]:
    """Training pairs of the structures `rows` (default all): codes z (C, N, latent) of their C
    images, each with its structure's anchors y (N, 6). Returns (C·n, latent), (C·n, 6)."""
    return z[:, rows].reshape(-1, z.shape[2]), np.tile(y[rows], (z.shape[0], 1))


def new_regressor(cfg: Config, key: int, device) -> Regressor:
    """A regressor of cfg with seeded initial weights (key: which one)."""
    return seeded(derive_seed(cfg.seed, REGRESSOR, key), lambda: build_regressor(cfg)).to(device)


def cross_validate(cfg: Config, z, y_norm, device,
                   progress=no_progress) -> tuple[list[Regressor], np.ndarray]:
    """k-fold cross-validation (k = cfg.regressor.folds) of the regressor over
    cfg.regressor.max_epochs. Returns (the k regressors, each with the weights of its best
    validation epoch; their validation MSE per epoch (k, max_epochs)).
    z (C, N, latent): the codes of C images of each of N structures (encode_mirrors); the folds
    split the structures, so no image of a validation structure is trained on.
    On the CPU the folds train in parallel threads, one per core (torch releases the GIL in its
    kernels); each is seeded, so results do not depend on the number of threads."""
    r = cfg.regressor
    if z.shape[1] < 2 * r.folds:
        raise ValueError(f"{z.shape[1]} training curves are too few for {r.folds}-fold "
                         "cross-validation; label more (data.labelled)")
    order = np.random.default_rng(derive_seed(cfg.seed, CV_SPLIT)).permutation(z.shape[1])
    folds = np.array_split(order, r.folds)
    # initial weights drawn here, one after another: seeding uses torch's global RNG, which
    # folds building their models in parallel threads would race for
    models = [new_regressor(cfg, 1 + k, device) for k in range(r.folds)]
    stop = threading.Event()

    def run_fold(k: int) -> list[float]:
        train = np.concatenate([f for j, f in enumerate(folds) if j != k])
        stage = f"CV fold {k + 1}/{r.folds}"

        def report(epoch, epochs, loss):
            if stop.is_set():
                raise CancelledError
            progress(stage, epoch, epochs, loss=loss)

        progress(stage, 0, r.max_epochs)
        return fit_regressor(models[k], *code_pairs(z, y_norm, train),
                             r.max_epochs, r.batch_size, r.learning_rate,
                             derive_seed(cfg.seed, REGRESSOR, 1 + k), progress=report,
                             validation=code_pairs(z, y_norm, folds[k]))

    cpu = torch.device(device).type == "cpu"
    pool = ThreadPoolExecutor(min(r.folds, os.cpu_count() or 1) if cpu else 1)
    try:
        curves = [f.result() for f in [pool.submit(run_fold, k) for k in range(r.folds)]]
    except BaseException:
        stop.set()  # the other folds end after their current epoch
        raise
    finally:
        pool.shutdown(cancel_futures=True)
    return models, np.array(curves)
