"""Figures of a recipe search: predicted distributions, the recipe map (paper Fig. 8 as a map),
predicted vs simulated distributions of a verification."""

from matplotlib.ticker import NullFormatter
import numpy as np

from ... import ANCHORS
from ...plots import plt, show_structure


def shown_anchors(goal) -> list[str]:
    """The goal's anchors (targets, bounds, spread bounds, maximized), else hc and mr."""
    return [a for a in ANCHORS if a in goal.named] or ["mr", "hc"]


def _marks(ax, goal, a):
    """The goal on anchor a: target (solid), bounds (dashed)."""
    g = goal.goal
    if a in g.targets:
        ax.axvline(g.targets[a], color="k", lw=1, label="target")
    for bound in (g.lower, g.upper):
        if a in bound:
            ax.axvline(bound[a], color="k", ls="--", lw=1, label="bound")


def recipe_figure(r, samples, predicted):
    """Per top recipe (column): one realization, and histograms of the predicted anchors of its
    realizations (samples (K, ny, nx) and predicted (K, 6) per recipe)."""
    names = shown_anchors(r.goal)
    k = len(r.recipes)
    fig, axes = plt.subplots(1 + len(names), k, figsize=(3 * k, 2.4 * (1 + len(names))),
                             squeeze=False)
    for i, (p, phi, pred) in enumerate(zip(r.recipes, samples, predicted)):
        show_structure(axes[0, i], phi[0], f"#{i + 1}: d = {p.diameter:.0f} nm, "
                                           f"θ = {np.degrees(p.theta):.0f}°")
        for row, a in enumerate(names, 1):
            ax = axes[row, i]
            ax.hist(pred[:, ANCHORS.index(a)], bins=16, color="C0", alpha=0.7)
            _marks(ax, r.goal, a)
            ax.set_xlabel(f"predicted {a}", fontsize=8)
    fig.suptitle(f"recipes {r.id}: {r.goal.summary()} ({len(predicted[0])} realizations each)",
                 fontsize=9)
    fig.tight_layout()
    return fig


def map_figure(r, grid: dict, points: dict | None):
    """Predicted mean hc and mr (and the goal's yield) over grain density and misorientation;
    the run's simulated labels as check points in the same colours; the top recipes as stars."""
    panels = [("mean hc (H_A)", grid["mean"][..., ANCHORS.index("hc")], "hc"),
              ("mean mr (Ms)", grid["mean"][..., ANCHORS.index("mr")], "mr")]
    if grid["yield"] is not None:
        panels.append((f"yield of {r.goal.goal.summary()}", grid["yield"], None))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4), squeeze=False)
    for ax, (title, values, anchor) in zip(axes[0], panels):
        lo, hi = (0, 1) if anchor is None else (np.nanmin(values), np.nanmax(values))
        mesh = ax.pcolormesh(grid["density"], np.degrees(grid["theta"]), values, shading="auto",
                             vmin=lo, vmax=hi, cmap="viridis")
        if points is not None and anchor is not None:
            inside = ((points["density"] >= grid["density"][0])
                      & (points["density"] <= grid["density"][-1])
                      & (points["theta"] >= grid["theta"][0])
                      & (points["theta"] <= grid["theta"][-1]))
            ax.scatter(points["density"][inside], np.degrees(points["theta"][inside]), s=9,
                       c=points["anchors"][inside, ANCHORS.index(anchor)], vmin=lo, vmax=hi,
                       cmap="viridis", edgecolors="w", linewidths=0.3, label="simulated labels")
        ax.plot([p.density for p in r.recipes], [np.degrees(p.theta) for p in r.recipes], "*",
                color="r", ms=11, mec="k", label="recipes")
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("grain density (grains/µm²)")
        ax.set_ylabel("max. misorientation θ (°)")
        ax.set_title(title, fontsize=9)
        fig.colorbar(mesh, ax=ax)
    axes[0, 0].legend(fontsize=7, loc="upper right")
    fig.suptitle("recipe map: predicted means over the recipe box; dots: the run's simulated "
                 "labels in the same colours", fontsize=9)
    fig.tight_layout()
    return fig


def verification_figure(r, v):
    """Histograms of the simulated and predicted anchors of the verified realizations, the
    search's predicted mean dashed."""
    names = shown_anchors(r.goal)
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.2), squeeze=False)
    for ax, a in zip(axes[0], names):
        j = ANCHORS.index(a)
        sim, pred = v.simulated[:, j], v.predicted[:, j]
        bins = np.linspace(min(np.nanmin(sim), pred.min()), max(np.nanmax(sim), pred.max()), 20)
        ax.hist(pred, bins, alpha=0.5, label="predicted", color="C0")
        ax.hist(sim[np.isfinite(sim)], bins, alpha=0.5, label="simulated", color="C1")
        ax.axvline(v.expected.mean[j], color="C0", ls=":", label="search's mean")
        _marks(ax, r.goal, a)
        ax.set_xlabel(a)
        ax.legend(fontsize=7)
    p = r.recipes[v.rank - 1]
    fig.suptitle(f"recipe {r.id} #{v.rank} (d = {p.diameter:.0f} nm, θ = "
                 f"{np.degrees(p.theta):.0f}°): {len(v.simulated)} realizations", fontsize=9)
    fig.tight_layout()
    return fig
