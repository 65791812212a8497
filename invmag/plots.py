"""Figures shared by the commands: structures in the paper's colour map, curves with anchors."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import ANCHORS  # noqa: E402
from .physics.merit import anchor_curve  # noqa: E402

# paper Figs. 4, 6–8: x-component of the easy axis, −1 red, +1 blue
KX_CMAP = "RdBu"


def show_structure(ax, phi, title=None):
    """Draw kx = sin(phi) of a structure, row iy upwards (y is the field direction)."""
    ax.imshow(np.sin(phi), cmap=KX_CMAP, vmin=-1, vmax=1, origin="lower", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def show_curve(ax, H=None, M=None, values=None, predicted=None):
    """Curve M(H) with its anchors (squares) and, optionally, predicted anchors (circles)."""
    if H is not None:
        ax.plot(H, M, "-", color="0.3", lw=1.2, label="simulated")
    if values is not None:
        p = anchor_curve(values)
        ax.plot(p[:, 0], p[:, 1], "s", color="tab:blue", ms=5, label="anchors")
    if predicted is not None:
        p = anchor_curve(predicted)
        ax.plot(p[:, 0], p[:, 1], "o-", color="tab:orange", ms=5, lw=0.8, label="predicted")
    ax.axhline(0, color="0.8", lw=0.6)
    ax.axvline(0, color="0.8", lw=0.6)
    ax.set_xlim(-1.02, 1.02)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("H / H_A")
    ax.set_ylabel("M / Ms")
    ax.legend(fontsize=7, loc="lower right")


def curve_figure(phi, H, M, values, title=""):
    """Structure beside its demagnetization curve with the six anchors marked."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3.6), gridspec_kw={"width_ratios": [1, 1.5]})
    show_structure(a, phi, title)
    show_curve(b, H, M, values)
    text = "  ".join(f"{n}={v:.3f}" for n, v in zip(ANCHORS, values))
    fig.suptitle(text, fontsize=8)
    fig.tight_layout()
    return fig
