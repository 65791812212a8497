"""Figures of a trained surrogate: losses, parity (paper Fig. 5), originals vs reconstructions
(Figs. 4, 6), predicted curves and morphing strips (Figs. 7, 8)."""

import numpy as np

from .. import ANCHORS
from ..physics.anchors import UNITS
from ..plots import plt, show_curve, show_structure


def loss_figure(vae_history: list[dict], cv_curves, epochs):
    """VAE losses per epoch (left); regressor: each cross-validation fold's validation MSE, the
    epoch its ensemble member stopped at marked (right)."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
    e = [h["epoch"] for h in vae_history]
    a.plot(e, [h["mse"] for h in vae_history], "-", label="train MSE / pixel")
    if vae_history and "val_mse" in vae_history[0]:
        a.plot(e, [h["val_mse"] for h in vae_history], "--", label="held-out MSE / pixel")
    a.set_xlabel("VAE epoch")
    a.set_ylabel("reconstruction MSE (kx)")
    a.set_yscale("log")
    a.legend(fontsize=7)
    for k, (curve, stop) in enumerate(zip(cv_curves, epochs)):
        line, = b.plot(np.arange(1, len(curve) + 1), curve, lw=1,
                       label=f"fold {k + 1}: member stops at {stop}")
        b.plot(stop, curve[stop - 1], "o", ms=4, color=line.get_color())
    b.set_xlabel("regressor epoch")
    b.set_ylabel("MSE (normalized anchors)")
    b.set_yscale("log")
    b.legend(fontsize=7)
    fig.tight_layout()
    return fig


def parity_figure(y_train, p_train, y_test, p_test, names=("mr", "hk90", "hc"),
                  temperature=None):
    """Computed vs predicted anchors, training (squares) and test (circles) sets; given
    temperature = (T_train, T_test) in K, the points coloured by it."""
    coloured = temperature is not None
    fig, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names) + coloured, 3.4),
                             layout="constrained" if coloured else None)
    for ax, name in zip(np.atleast_1d(axes), names):
        i = ANCHORS.index(name)
        if temperature is None:
            ax.plot(y_train[:, i], p_train[:, i], "s", ms=3, alpha=0.5, color="tab:blue",
                    label="training")
            ax.plot(y_test[:, i], p_test[:, i], "o", ms=3.5, color="tab:orange", label="test")
        else:
            lo, hi = (f(np.r_[temperature[0], temperature[1]]) for f in (np.min, np.max))
            ax.scatter(y_train[:, i], p_train[:, i], c=temperature[0], marker="s", s=6,
                       alpha=0.4, cmap="plasma", vmin=lo, vmax=hi, label="training")
            dots = ax.scatter(y_test[:, i], p_test[:, i], c=temperature[1], marker="o", s=12,
                              edgecolors="k", linewidths=0.3, cmap="plasma", vmin=lo, vmax=hi,
                              label="test")
        lo = min(y_train[:, i].min(), y_test[:, i].min())
        hi = max(y_train[:, i].max(), y_test[:, i].max())
        ax.plot([lo, hi], [lo, hi], "-", color="0.5", lw=0.8)
        ax.set_xlabel(f"computed {name} ({UNITS[name]})")
        ax.set_ylabel(f"predicted {name} ({UNITS[name]})")
        ax.legend(fontsize=7)
    if coloured:
        fig.colorbar(dots, ax=np.atleast_1d(axes).tolist(), label="T (K)", shrink=0.85)
    else:
        fig.tight_layout()
    return fig


def latent_image(z) -> np.ndarray:
    """A latent vector as a rows × cols image, cols the smallest divisor ≥ √n (512: 16 × 32)."""
    n = len(z)
    cols = next(c for c in range(int(np.ceil(np.sqrt(n))), n + 1) if n % c == 0)
    return np.asarray(z).reshape(n // cols, cols)


def reconstruction_figure(phi, z, decoded, H, M, computed, predicted, names):
    """Per sample: original structure, latent code, decoded structure (paper Fig. 4) and the
    computed curve with computed and predicted anchors (Fig. 6)."""
    fig, axes = plt.subplots(len(phi), 4, figsize=(11, 2.7 * len(phi)), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1, 1, 1.5]})
    for row, i in zip(axes, range(len(phi))):
        show_structure(row[0], phi[i], f"original {names[i]}")
        row[1].imshow(latent_image(z[i]), cmap="viridis", interpolation="nearest")
        row[1].set_title("latent code (mean)", fontsize=9)
        row[1].set_xticks([])
        row[1].set_yticks([])
        show_structure(row[2], decoded[i], "decoded")
        ok = np.isfinite(M[i])
        show_curve(row[3], H[ok], M[i][ok], computed[i], predicted[i])
    fig.tight_layout()
    return fig


def prediction_figure(phi, predicted, title=""):
    """A structure beside its predicted anchors joined as a curve."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3.6), gridspec_kw={"width_ratios": [1, 1.5]})
    show_structure(a, phi, title)
    show_curve(b, predicted=predicted)
    fig.suptitle("  ".join(f"{n}={v:.3f}" for n, v in zip(ANCHORS, predicted)), fontsize=8)
    fig.tight_layout()
    return fig


def morph_figure(alphas, phis, predicted):
    """Decoded structures along a latent line (top) and their predicted curves (bottom),
    paper Figs. 7–8."""
    n = len(alphas)
    fig, axes = plt.subplots(2, n, figsize=(2.2 * n, 4.6), squeeze=False)
    for j in range(n):
        show_structure(axes[0, j], phis[j], f"α = {alphas[j]:.2f}")
        show_curve(axes[1, j], predicted=predicted[j])
        axes[1, j].legend().remove()
        axes[1, j].set_title(f"mr {predicted[j][1]:.2f}  hc {predicted[j][5]:.2f}", fontsize=8)
        if j:
            axes[1, j].set_ylabel("")
    fig.tight_layout()
    return fig
