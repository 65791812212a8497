"""Figures of a recipe search: predicted distributions, the recipe map (paper Fig. 8 as a map),
predicted vs simulated distributions of a verification."""

from matplotlib.ticker import NullFormatter
import numpy as np

from ... import ANCHORS
from ...plots import plt, show_structure
from .goal import temperature_label


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


def recipe_label(p) -> str:
    """A recipe in a few words: grain diameter, θ and a boundary phase if it has one."""
    text = f"d = {p.diameter:.0f} nm, θ = {np.degrees(p.theta):.0f}°"
    return text + (f",\nboundary {p.thickness:g} nm, {p.boundary_js:.2f} T" if p.thickness
                   else "")


def recipe_figure(r, samples, predicted):
    """Per top recipe (column): one realization (boundary cells in grey), and histograms of
    the predicted anchors of its realizations at each temperature (samples: the Samples of each
    recipe; predicted (recipes, T, K, 6))."""
    names = shown_anchors(r.goal)
    k = len(r.recipes)
    fig, axes = plt.subplots(1 + len(names), k, figsize=(3 * k, 2.4 * (1 + len(names))),
                             squeeze=False)
    for i, (p, sample, pred) in enumerate(zip(r.recipes, samples, predicted)):
        show_structure(axes[0, i], sample.phi[0], f"#{i + 1}: {recipe_label(p)}")
        if sample.mask is not None:
            axes[0, i].imshow(np.ma.masked_where(~sample.mask[0], sample.mask[0]), cmap="Greys",
                              vmin=0, vmax=1.5, origin="lower", interpolation="nearest")
        for row, a in enumerate(names, 1):
            ax = axes[row, i]
            for T, goal, values in zip(r.temperatures, r.goals, pred):
                ax.hist(values[:, ANCHORS.index(a)], bins=16, alpha=0.6,
                        label=f"{T:.0f} K" if len(r.temperatures) > 1 else None)
                _marks(ax, goal, a)
            ax.set_xlabel(f"predicted {a}", fontsize=8)
            if len(r.temperatures) > 1:
                ax.legend(fontsize=6)
    fig.suptitle(f"recipes {r.id}: {r.goal.summary()} at {temperature_label(r.temperatures)} "
                 f"({predicted.shape[2]} realizations each)", fontsize=9)
    fig.tight_layout()
    return fig


def _panels(mean, yields, goal) -> list:
    out = [("mean hc (H_A)", mean[..., ANCHORS.index("hc")], "hc"),
           ("mean mr (Ms)", mean[..., ANCHORS.index("mr")], "mr")]
    if yields is not None:
        out.append((f"yield of {goal.goal.summary()}", yields, None))
    return out


def map_figure(r, grid: dict, points: dict | None):
    """Predicted mean hc and mr (and the goal's yield) over grain density and misorientation
    (first row) and, for a real magnet, over boundary thickness and Js (second row), at the
    search's highest temperature; the run's simulated labels as check points in the same
    colours; the top recipes as stars."""
    best, T = r.recipes[0], r.temperatures[-1]
    panels = _panels(grid["mean"], grid["yield"], r.goals[-1])
    boundary = "thickness" in grid
    fig, axes = plt.subplots(1 + boundary, len(panels), figsize=(4.6 * len(panels),
                                                                 4 * (1 + boundary)),
                             squeeze=False)
    if boundary:
        for ax, (title, values, _) in zip(axes[1], _panels(grid["boundary_mean"],
                                                           grid["boundary_yield"], r.goals[-1])):
            lo, hi = (0, 1) if "yield" in title else (np.nanmin(values), np.nanmax(values))
            mesh = ax.pcolormesh(grid["thickness"], grid["boundary_js"], values, shading="auto",
                                 vmin=lo, vmax=hi, cmap="viridis")
            ax.plot([p.thickness for p in r.recipes], [p.boundary_js for p in r.recipes], "*",
                    color="r", ms=11, mec="k", label="recipes")
            ax.set_xticks(grid["thickness"])
            ax.set_xlabel("boundary thickness (nm)")
            ax.set_ylabel("boundary Js at 300 K (T)")
            ax.set_title(f"{title}, d = {best.diameter:.0f} nm, θ = "
                         f"{np.degrees(best.theta):.0f}°", fontsize=8)
            fig.colorbar(mesh, ax=ax)
    for ax, (title, values, anchor) in zip(axes[0], panels):
        if boundary:
            title += (f", boundary {best.thickness:g} nm {best.boundary_js:.2f} T"
                      if best.thickness else ", no boundary")
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
    fig.suptitle(f"recipe map at {T:.0f} K: predicted means over the recipe box; dots: the "
                 "run's simulated labels in the same colours", fontsize=9)
    fig.tight_layout()
    return fig


def verification_figure(r, v):
    """Histograms of the simulated and predicted anchors of the verified realizations (a row
    per temperature), the search's predicted mean dotted."""
    names = shown_anchors(r.goal)
    fig, axes = plt.subplots(len(v.temperatures), len(names),
                             figsize=(4 * len(names), 3.2 * len(v.temperatures)), squeeze=False)
    for row, T, goal, sims, preds, expected in zip(axes, v.temperatures, r.goals, v.simulated,
                                                   v.predicted, v.expected):
        for ax, a in zip(row, names):
            j = ANCHORS.index(a)
            sim, pred = sims[:, j], preds[:, j]
            bins = np.linspace(min(np.nanmin(sim), pred.min()), max(np.nanmax(sim), pred.max()),
                               20)
            ax.hist(pred, bins, alpha=0.5, label="predicted", color="C0")
            ax.hist(sim[np.isfinite(sim)], bins, alpha=0.5, label="simulated", color="C1")
            ax.axvline(expected.mean[j], color="C0", ls=":", label="search's mean")
            _marks(ax, goal, a)
            ax.set_xlabel(f"{a} at {T:.0f} K")
            ax.legend(fontsize=7)
    p = r.recipes[v.rank - 1]
    fig.suptitle(f"recipe {r.id} #{v.rank} ({recipe_label(p)}): {v.simulated.shape[1]} "
                 "realizations", fontsize=9)
    fig.tight_layout()
    return fig
