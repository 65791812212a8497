"""Figures shared by the commands: structures in the paper's colour map, curves with anchors."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import ANCHORS  # noqa: E402
from .physics.material import MU0  # noqa: E402
from .physics.merit import anchor_curve, energy_product  # noqa: E402

# paper Figs. 4, 6–8: x-component of the easy axis, −1 red, +1 blue
KX_CMAP = "RdBu"


def save_figure(fig, path, dpi: int = 110):
    """Write a figure as PNG and free it (pyplot keeps every open figure)."""
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


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


def show_bh(ax, H, M, material, N=0.0):
    """Second quadrant of J(H_int) and B(H_int) in tesla (H in H_A, M in Ms, H_int = H − N·M),
    with the (BH)max point and its hyperbola B·H_int = −(BH)max."""
    h, m = np.asarray(H) * material.HA, np.asarray(M) * material.Ms
    x = MU0 * (h - N * m)  # µ0·H_int, T
    ax.plot(x, MU0 * m, "-", color="tab:blue", lw=1.2, label="J = µ0·M")
    ax.plot(x, x + MU0 * m, "-", color="tab:red", lw=1.2, label="B")
    bh, h_op, b_op = energy_product(h, m, N)
    if bh > 0:
        xs = np.linspace(x.min(), -0.05 * material.Js, 400)
        ax.plot(xs, -MU0 * bh / xs, ":", color="0.4", lw=1, label="B·H = (BH)max")
        ax.plot([MU0 * h_op], [b_op], "o", color="k", ms=5,
                label=f"(BH)max = {bh / 1e3:.0f} kJ/m³")
    reversed_ = np.flatnonzero(m <= 0)  # to J = 0 (HcJ), at least to B = 0
    ax.set_xlim(min(x[reversed_[0]] if reversed_.size else x.min(), -1.1 * material.Js), 0)
    ax.set_ylim(0, 1.05 * material.Js)
    ax.set_xlabel("µ0·H_int (T)" if N else "µ0·H (T)")
    ax.set_ylabel("J, B (T)")
    ax.legend(fontsize=7, loc="best")


def curve_figure(phi, H, M, values, title="", material=None, N=0.0):
    """Structure beside its demagnetization curve with the six anchors marked, and with a
    material (invmag.physics.material.Material) the second quadrant of J and B (show_bh)."""
    panels = 2 if material is None else 3
    fig, axes = plt.subplots(1, panels, figsize=(4 * panels, 3.6),
                             gridspec_kw={"width_ratios": [1, 1.5, 1.5][:panels]})
    show_structure(axes[0], phi, title)
    show_curve(axes[1], H, M, values)
    if material is not None:
        show_bh(axes[2], H, M, material, N)
    text = "  ".join(f"{n}={v:.3f}" for n, v in zip(ANCHORS, values))
    fig.suptitle(text, fontsize=8)
    fig.tight_layout()
    return fig


def states_figure(states, H, M, names, title=""):
    """Strip of magnetization states θ (K, ny, nx) (rad), coloured by m_y = cos θ along the
    field (−1 red, +1 blue), each titled with its name, field (H_A) and M (Ms)."""
    k = len(states)
    fig, axes = plt.subplots(1, k, figsize=(1.9 * k, 2.3), squeeze=False)
    for ax, theta, h, m, name in zip(axes[0], states, H, M, names):
        ax.imshow(np.cos(theta), cmap=KX_CMAP, vmin=-1, vmax=1, origin="lower",
                  interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{name}\nH={h:+.2f} M={m:+.2f}", fontsize=8)
    fig.suptitle(f"{title} m_y (field axis)", fontsize=9)
    fig.tight_layout()
    return fig


def kronmuller_figure(fit, title=""):
    """µ0Hc(T) simulated beside the Kronmüller fit (left), and the Kronmüller plot µ0Hc/Js
    against µ0H_A/Js, a line of slope α and intercept −N_eff (right)."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(8.4, 3.4))
    a.plot(fit.T, fit.hc, "s", color="tab:blue", label="simulated")
    a.plot(fit.T, fit.predict(fit.ha, fit.js), "-", color="0.4", label="α·µ0H_A − N_eff·Js")
    a.plot(fit.T, fit.ha, ":", color="0.6", label="µ0H_A")
    a.set_xlabel("T (K)")
    a.set_ylabel("µ0H (T)")
    a.legend(fontsize=7)
    x, y = fit.ha / fit.js, fit.hc / fit.js
    b.plot(x, y, "s", color="tab:blue")
    line = np.linspace(0, x.max() * 1.05, 2)
    b.plot(line, fit.alpha * line - fit.n_eff, "-", color="0.4")
    b.set_xlabel("µ0H_A / Js")
    b.set_ylabel("µ0Hc / Js")
    b.set_title(f"α = {fit.alpha:.3f} ± {fit.alpha_se:.3f}, N_eff = {fit.n_eff:.3f} ± "
                f"{fit.n_eff_se:.3f}, rms {fit.residual:.2g} T",
                fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
