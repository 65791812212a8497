"""What a design search found, as the tables show it: the anchors the goal names, the nearest
miss, the figures of merit of the top designs."""

import numpy as np

from .. import ANCHORS
from ..physics.merit import predicted_figures


def targeted(goal) -> list[str]:
    """The anchors a goal targets or bounds, in the order of ANCHORS."""
    return [a for a in ANCHORS if a in {*goal.targets, *goal.lower, *goal.upper}]


def nearest_miss(design) -> tuple[int, float]:
    """(index, distance) of the design closest to its goal by its simulated anchors: the largest
    |simulated − target| (or, without targets, the largest bound violation), Ms and H_A."""
    goal, sim = design.goal, design.simulated
    gap = (np.max([abs(goal.column(sim, a) - t) for a, t in goal.targets.items()], 0)
           if goal.targets else goal.constraints(sim).max(1))
    best = int(np.nanargmin(gap)) if np.isfinite(gap).any() else 0
    return best, float(gap[best])


def merit_columns(design, material, top: int = 3) -> dict:
    """Figures of merit (N = 0) of the top designs on the curve through their simulated
    anchors ('#k'), with the surrogate's prediction beside each ('#k pred')."""
    k = min(top, len(design.samples))
    sim, pred = (predicted_figures(v[:k], material) for v in (design.simulated,
                                                                design.predicted))
    columns = {}
    for i in range(k):
        if np.isfinite(design.simulated[i]).all():
            columns[f"#{i + 1}"] = sim[i]
        columns[f"#{i + 1} pred"] = pred[i]
    return columns
