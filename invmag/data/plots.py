"""Figure of a labelled set: anchor histograms and a few structures with their curves."""

import numpy as np

from .. import ANCHORS
from ..physics.anchors import UNITS
from ..plots import plt, show_curve, show_structure


def labels_figure(labels, examples: int = 3):
    """Histograms of the six anchors of the good labels (top) and `examples` structures, from
    low to high coercivity, each beside its demagnetization curve (bottom)."""
    good = np.flatnonzero(labels.good)
    fig, axes = plt.subplots(2, 2 * examples, figsize=(2.6 * 2 * examples, 5.6),
                             gridspec_kw={"height_ratios": [1, 1.25]})
    for ax, i in zip(axes[0], range(len(ANCHORS))):
        ax.hist(labels.anchors[good, i], bins=30, color="tab:blue")
        ax.set_xlabel(f"{ANCHORS[i]} ({UNITS[ANCHORS[i]]})")
    for ax in axes[0, len(ANCHORS):]:
        ax.axis("off")
    axes[0, 0].set_ylabel(f"samples (of {good.size})")
    picks = good[np.argsort(labels.anchors[good, -1])]
    picks = picks[np.linspace(0, picks.size - 1, min(examples, picks.size)).astype(int)]
    for j in range(examples):
        a, b = axes[1, 2 * j], axes[1, 2 * j + 1]
        if j >= picks.size:
            a.axis("off")
            b.axis("off")
            continue
        i = picks[j]
        n_g, theta, _ = labels.params[i]
        show_structure(a, labels.samples.phi[i], f"#{i}: {n_g:.0f} grains, θ = {np.degrees(theta):.0f}°")
        ok = np.isfinite(labels.M[i])
        show_curve(b, labels.H[ok], labels.M[i, ok], labels.anchors[i])
    fig.tight_layout()
    return fig
