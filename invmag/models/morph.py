"""Microstructure morphing (paper 4.2): decoded structures and predicted anchors along the
latent line z = (1 − α) z_A + α z_B (paper eq. 10)."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import ANCHORS, BadParameter
from ..data.sample import BOUNDARY, Region, Samples
from ..data.structures import phi_from_kx
from .surrogate import Surrogate, decode_images


@dataclass
class Morph:
    """alphas (n,), latent codes (n, latent), the decoded Samples along the line, predicted
    anchors (n, 6) in Ms and H_A units; files written (write_morph)."""

    alphas: np.ndarray
    z: np.ndarray
    samples: Samples
    anchors: np.ndarray
    files: list = field(default_factory=list)

    def csv(self) -> str:
        lines = [",".join(("alpha", *ANCHORS))]
        lines += [",".join(f"{v:.6g}" for v in (a, *y)) for a, y in zip(self.alphas, self.anchors)]
        return "\n".join(lines) + "\n"


def along_line(surrogate: Surrogate, z, ends: Samples, alphas) -> Samples:
    """The Samples that codes z (n, latent) at alphas (n,) between the two samples `ends` stand
    for: their decoded grain maps; for a model of a boundary phase its decoded cells (channel 1
    above 1/2) with thickness (snapped to the cell) and Js interpolated as the codes are;
    temperatures likewise."""
    images = decode_images(surrogate.vae, z)
    phi = phi_from_kx(images[:, 0]).astype(np.float32)

    def between(v):
        return (1 - alphas) * v[0] + alphas * v[1]

    T = between(ends.temperature)
    if ends.boundary is None or images.shape[1] < 2:
        return Samples(phi, T)
    c = surrogate.config.grid.cell_size
    mask = images[:, 1] > 0.5
    thickness = np.where(mask.any((1, 2)), np.round(between(ends.boundary.thickness) / c) * c, 0)
    js = between(np.nan_to_num(ends.boundary.Js))
    return Samples(phi, T, {BOUNDARY: Region(mask, thickness, js)})


def interpolate(surrogate: Surrogate, a: Samples, b: Samples, steps: int) -> Morph:
    """Interpolate between samples A and B (Samples of one each) at `steps` evenly spaced α in
    [0, 1]."""
    if steps < 2:
        raise BadParameter(f"{{}} must be ≥ 2 (α = 0 and 1 at least), got {steps}", 'steps')
    ends = Samples.join([a, b])
    z_a, z_b = surrogate.encode(ends)
    alphas = np.linspace(0.0, 1.0, steps)
    z = (1 - alphas[:, None]) * z_a + alphas[:, None] * z_b
    line = along_line(surrogate, z, ends, alphas)
    return Morph(alphas, z, line, surrogate.predict(z, line))


def write_morph(m: Morph, out) -> list[Path]:
    """The PNG strip `out` (paper Fig. 7) and the CSV of α and anchors beside it."""
    from ..plots import save_figure
    from .plots import morph_figure

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = morph_figure(m.alphas, m.samples.phi, m.anchors)
    save_figure(fig, out)
    out.with_suffix(".csv").write_text(m.csv(), encoding="utf-8")
    return [out, out.with_suffix(".csv")]
