"""Figures of a design: top candidates, convergence, Pareto front, predicted vs simulated."""

import numpy as np

from .. import ANCHORS
from ..plots import plt, show_bh, show_curve, show_structure


def _anchor_text(values) -> str:
    return " ".join(f"{n}={v:.3f}" for n, v in zip(ANCHORS, values))


def candidates_figure(design, top: int = 6):
    """The top designs: grain structure (kx colour map) above its simulated anchors (squares;
    when simulated) and the surrogate's prediction (circles)."""
    k = min(top, len(design.z))
    fig, axes = plt.subplots(2, k, figsize=(2.6 * k, 5.4), squeeze=False)
    for i in range(k):
        show_structure(axes[0, i], design.samples.phi[i], f"#{i + 1} ({design.source[i]})")
        sim = design.simulated[i]
        shown = sim if np.isfinite(sim).all() else design.predicted[i]
        show_curve(axes[1, i], values=sim if np.isfinite(sim).all() else None,
                   predicted=design.predicted[i])
        axes[1, i].set_title(f"hc={shown[5]:.3f} mr={shown[1]:.3f}", fontsize=8)
    fig.suptitle(f"design {design.id}: {design.goal.summary()}", fontsize=9)
    fig.tight_layout()
    return fig


def convergence_figure(design):
    """Best and mean objective over the feasible population per generation."""
    names = design.goal.objective_names
    best, mean = design.history["best"], design.history["mean"]
    gen = np.arange(1, len(best) + 1)
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.2), squeeze=False)
    for j, (ax, name) in enumerate(zip(axes[0], names)):
        sign = -1 if name.startswith("max ") else 1  # show maximized anchors as themselves
        ax.plot(gen, sign * best[:, j], label="best")
        ax.plot(gen, sign * mean[:, j], label="mean", alpha=0.7)
        if name == "misfit" and (best[:, j] > 0).all():
            ax.set_yscale("log")
        ax.set_xlabel("generation")
        ax.set_ylabel(name.removeprefix("max ").removeprefix("min "))
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def pareto_figure(design):
    """The Pareto front in the first two objectives, as predicted anchors (or the misfit)."""
    names = design.goal.objective_names[:2]
    fig, ax = plt.subplots(figsize=(4.6, 4))

    def axis(name):
        anchor = name.split(" ")[-1]
        if name == "misfit":
            return design.objectives[:, 0], "target misfit"
        return design.goal.column(design.predicted, anchor), f"predicted {anchor}"

    (x, xl), (y, yl) = axis(names[0]), axis(names[1])
    ax.scatter(x, y, s=18, label="designs")
    for i in range(min(5, len(x))):
        ax.annotate(f"#{i + 1}", (x[i], y[i]), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")
    ax.set_xlabel(xl)
    ax.set_ylabel(yl)
    ax.set_title(f"Pareto front of design {design.id} ({len(x)} codes)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def verify_figure(phi, H, M, simulated, predicted, title="", material=None):
    """Paper Fig. 6: the simulated structure beside its simulated curve and anchors, with the
    predicted anchors overlaid; with a material, the second quadrant of J and B (show_bh)."""
    panels = 2 if material is None else 3
    fig, axes = plt.subplots(1, panels, figsize=(4 * panels, 3.6),
                             gridspec_kw={"width_ratios": [1, 1.5, 1.5][:panels]})
    show_structure(axes[0], phi, title)
    ok = np.isfinite(M)
    show_curve(axes[1], H[ok], M[ok], simulated if np.isfinite(simulated).all() else None,
               predicted)
    if material is not None:
        show_bh(axes[2], H[ok], M[ok], material)
    fig.suptitle(f"simulated {_anchor_text(simulated)}\npredicted {_anchor_text(predicted)}",
                 fontsize=7)
    fig.tight_layout()
    return fig
