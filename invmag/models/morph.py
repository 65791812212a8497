"""Microstructure morphing (paper 4.2): decoded structures and predicted anchors along the
latent line z = (1 − α) z_A + α z_B (paper eq. 10)."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import ANCHORS, BadParameter
from .surrogate import Surrogate


@dataclass
class Morph:
    """alphas (n,), latent codes (n, latent), decoded structures (n, ny, nx) rad, predicted
    anchors (n, 6) in Ms and H_A units; files written (write_morph)."""

    alphas: np.ndarray
    z: np.ndarray
    phi: np.ndarray
    anchors: np.ndarray
    files: list = field(default_factory=list)

    def csv(self) -> str:
        lines = [",".join(("alpha", *ANCHORS))]
        lines += [",".join(f"{v:.6g}" for v in (a, *y)) for a, y in zip(self.alphas, self.anchors)]
        return "\n".join(lines) + "\n"


def morph(surrogate: Surrogate, phi_a, phi_b, steps: int) -> Morph:
    """Interpolate between structures A and B at `steps` evenly spaced α in [0, 1]."""
    if steps < 2:
        raise BadParameter(f"{{}} must be ≥ 2 (α = 0 and 1 at least), got {steps}", 'steps')
    z_a, z_b = surrogate.encode(np.stack([phi_a, phi_b]))
    alphas = np.linspace(0.0, 1.0, steps)
    z = (1 - alphas[:, None]) * z_a + alphas[:, None] * z_b
    return Morph(alphas, z, surrogate.decode(z), surrogate.predict(z))


def write_morph(m: Morph, out) -> list[Path]:
    """The PNG strip `out` (paper Fig. 7) and the CSV of α and anchors beside it."""
    from ..plots import save_figure
    from .plots import morph_figure

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = morph_figure(m.alphas, m.phi, m.anchors)
    save_figure(fig, out)
    out.with_suffix(".csv").write_text(m.csv(), encoding="utf-8")
    return [out, out.with_suffix(".csv")]
