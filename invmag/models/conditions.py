"""What the surrogate of a real magnet takes besides the grain axes (docs/learning.md).

A config with a [boundary] section adds the boundary phase's cells to the structure image as a
second channel (1: boundary, 0: grain), so the VAE sees where the phase lies and how thick it
is. The regressor takes, after the latent code, the sample's conditions: the boundary's Js (with
a [boundary] section) and the temperature (with a [temperature] section), each scaled to about
[0, 1]. Without these sections the image has one channel and there are no conditions: the
paper's layers, unchanged. (The thickness as a third condition, measured on the magnet run's
1600 labels with the VAE fixed: test MAE of hc 0.0302 with it, 0.0297 without; docs/learning.md.)
"""

import numpy as np

from .. import BadParameter
from ..data.structures import kx_from_phi
from ..physics.temperature import T_ROOM

T_SPAN = 150.0  # K: the temperature condition is (T − 300 K) / T_SPAN


def image_channels(cfg) -> int:
    """Channels of the structure image: kx, and the boundary cells with a [boundary] section."""
    return 1 + (cfg.boundary is not None)


def condition_names(cfg) -> list[str]:
    """The regressor's conditions, in order (data.boundary.PHASE names)."""
    names = []
    if cfg.boundary is not None:
        names.append("boundary_Js_T")
    if cfg.temperature is not None:
        names.append("temperature_K")
    return names


def conditions(cfg, phase) -> np.ndarray | None:
    """The regressor's conditions (N, k) float32 of samples phase (N, 3) = (thickness nm,
    boundary Js T, T K); None for a config without them. A sample without a boundary (thickness
    0) has boundary Js 0 whatever was drawn: the same sample."""
    names = condition_names(cfg)
    if not names:
        return None
    phase = np.asarray(phase, float).reshape(-1, 3)
    t, js, T = phase.T
    columns = {"boundary_Js_T": np.where(t > 0, np.nan_to_num(js), 0.0) / cfg.material.Js,
               "temperature_K": (T - T_ROOM) / T_SPAN}
    return np.stack([columns[n] for n in names], 1).astype(np.float32)


def inputs(cfg, z, phase=None) -> np.ndarray:
    """The regressor's inputs (..., N, latent + k) float32: codes z (..., N, latent) followed by
    the conditions of samples phase (N, 3) or (3,) (the same for all); z alone without
    conditions. ValueError when a config with conditions gets no phase."""
    z = np.asarray(z, np.float32)
    c = conditions(cfg, np.broadcast_to(np.asarray(phase, float), (z.shape[-2], 3))
                   if phase is not None else np.zeros((0, 3)))
    if c is None:
        return z
    if phase is None:
        raise ValueError("a model of a real magnet needs each sample's boundary phase and "
                         "temperature")
    return np.concatenate([z, np.broadcast_to(c, (*z.shape[:-1], c.shape[1]))], -1)


def images(phi, mask=None) -> np.ndarray:
    """Structure images (N, C, ny, nx) float32: kx = sin(phi) (phi (N, ny, nx) rad) and, given
    the boundary cells mask (N, ny, nx) bool, a channel of them."""
    kx = kx_from_phi(np.asarray(phi, np.float32))[:, None]
    if mask is None:
        return kx
    return np.concatenate([kx, np.asarray(mask, np.float32)[:, None]], 1)


def trained_range(cfg) -> tuple[float, float]:
    """The temperatures (K) a run's model was trained on: its [temperature] range, else 300 K."""
    t = cfg.temperature
    return (T_ROOM, T_ROOM) if t is None else tuple(map(float, t.range))


def check_temperatures(cfg, temperatures, option="temperature"):
    """BadParameter unless every temperature (K) lies in the run's trained range."""
    lo, hi = trained_range(cfg)
    for T in np.atleast_1d(temperatures):
        if not lo - 1e-9 <= T <= hi + 1e-9:
            where = f"[{lo:g}, {hi:g}] K" if hi > lo else f"{lo:g} K only"
            raise BadParameter(f"{{}} {T:g} K lies outside the run's trained range ({where}): "
                               "the surrogate never saw it", option)
