"""What the surrogate of a real magnet takes besides the grain axes (docs/learning.md).

A config with a [boundary] section adds the boundary phase's cells to the structure image as a
second channel (1: boundary, 0: grain), so the VAE sees where the phase lies and how thick it
is. The regressor takes, after the latent code, the sample's conditions: the boundary's Js (with
a [boundary] section), the temperature (with a [temperature] section), each scaled to about
[0, 1], and two Stoner–Wohlfarth statistics of the main phase's cells, computed from the
structure: the remanence ⟨|cos φ|⟩ and the smallest switching field (of the worst-placed grain
alone). The VAE's codes resolve misorientations poorly; measured on the magnet run's 1600
labels with the VAE fixed, these cut the test MAE of mr from 0.0207 to 0.0131 and of hc from
0.0305 to 0.0284 (docs/learning.md, with the levers that gave nothing). Without these sections
the image has one channel and there are no conditions: the paper's layers, unchanged.

A config with a [shell] section (data.shell) adds the shell's cells as one more channel (after
the boundary's) and the shell's K1 factor (K1_s / K1, 1 where a sample has no shell) as one
more condition (after the temperature).
"""

import numpy as np

from .. import BadParameter
from ..data.structures import kx_from_phi
from ..physics.temperature import T_ROOM

T_SPAN = 150.0  # K: the temperature condition is (T − 300 K) / T_SPAN
LAYERS = ("boundary", "shell")  # the regions an image may show after kx, in this order


def image_layers(cfg) -> tuple[str, ...]:
    """The regions (data.sample) the structure image shows after kx: those of the config's
    sections, in LAYERS order."""
    return tuple(name for name in LAYERS if getattr(cfg, name, None) is not None)


def image_channels(cfg) -> int:
    """Channels of the structure image: kx and the cells of each of image_layers."""
    return 1 + len(image_layers(cfg))


def condition_names(cfg) -> list[str]:
    """The regressor's conditions, in order: boundary_Js_T, temperature_K, shell_K1 (those of
    the config's sections) and the two Stoner–Wohlfarth statistics; none without any."""
    names = [name for section, name in (("boundary", "boundary_Js_T"),
                                        ("temperature", "temperature_K"), ("shell", "shell_K1"))
             if getattr(cfg, section, None) is not None]
    return names + ["sw_remanence", "sw_switching"] if names else []


def shell_factor(cfg, samples) -> np.ndarray:
    """The shell's K1 over the main phase's at 300 K (N,): 1 where a sample has no shell
    (thickness 0), whatever was drawn: the same sample."""
    s = samples.shell
    if s is None:
        return np.ones(len(samples))
    return np.where(s.thickness > 0, s.K1 / cfg.material.K1, 1.0)


def sw_remanence(samples) -> np.ndarray:
    """⟨|cos φ|⟩ (N,) over the main phase's cells (not in the boundary) of Samples: the
    Stoner–Wohlfarth remanence of their grains, in their Ms."""
    c = np.abs(np.cos(np.asarray(samples.phi, np.float64)))
    if samples.mask is None:
        return c.mean((1, 2))
    main = ~samples.mask
    return (c * main).sum((1, 2)) / np.maximum(main.sum((1, 2)), 1)


def sw_switching(samples) -> np.ndarray:
    """The smallest Stoner–Wohlfarth switching field (N,) over the main phase's cells (not in
    the boundary) of Samples, in H_A: h_sw(ψ) = (cos^⅔ψ + sin^⅔ψ)^(−3/2) of the angle ψ = φ
    between easy axis and field, the field that reverses the worst-placed grain alone (0.5 at
    45°, 1 along the field)."""
    s = np.abs(np.sin(np.asarray(samples.phi, np.float64)))
    h = ((1 - s * s) ** (1 / 3) + s ** (2 / 3)) ** -1.5
    if samples.mask is not None:
        h = np.where(samples.mask, np.inf, h)
    low = h.min((1, 2))
    return np.where(np.isfinite(low), low, 1.0)


def condition_values(cfg, samples) -> np.ndarray:
    """The regressor's conditions (N, k) float32 (condition_names of a config that has some) of
    Samples. A sample without a boundary (thickness 0) has boundary Js 0 whatever was drawn:
    the same sample."""
    names = condition_names(cfg)
    t, js, T = samples.phase.T
    columns = {"boundary_Js_T": np.where(t > 0, np.nan_to_num(js), 0.0) / cfg.material.Js,
               "temperature_K": (T - T_ROOM) / T_SPAN, "sw_remanence": sw_remanence(samples),
               "sw_switching": sw_switching(samples)}
    if "shell_K1" in names:
        columns["shell_K1"] = shell_factor(cfg, samples)
    return np.stack([columns[n] for n in names], 1).astype(np.float32)


def inputs(cfg, z, samples=None) -> np.ndarray:
    """The regressor's inputs (..., N, latent + k) float32: codes z (..., N, latent) followed by
    the conditions of their Samples; z alone without conditions. ValueError when a config with
    conditions gets no samples."""
    z = np.asarray(z, np.float32)
    if not condition_names(cfg):
        return z
    if samples is None:
        raise ValueError("a model of a real magnet needs each sample's structure, boundary "
                         "phase and temperature")
    c = condition_values(cfg, samples)
    return np.concatenate([z, np.broadcast_to(c, (*z.shape[:-1], c.shape[1]))], -1)


def structure_images(samples, layers=()) -> np.ndarray:
    """The VAE's input images (N, 1 + len(layers), ny, nx) float32 of Samples: kx = sin(phi) and
    the cells of each region in layers (image_layers; none where the samples lack the region).
    ValueError for a region's cells given to a model trained without it."""
    for name in set(LAYERS) - set(layers):
        region = samples.regions.get(name)
        if region is not None and region.mask.any():
            raise ValueError(f"{name} cells given to a model trained without a {name} region")
    masks = [samples.regions[n].mask if n in samples.regions else np.zeros(samples.phi.shape)
             for n in layers]
    return np.stack([kx_from_phi(samples.phi), *masks], 1).astype(np.float32)


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
