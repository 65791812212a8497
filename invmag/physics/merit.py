"""Figures of merit of a demagnetization curve, in the units a magnet engineer quotes.

Jr = µ0·Mr, HcJ (M = 0), the knee field Hk (M = 0.9·Mr) and the squareness Hk/HcJ are read on
the curve M(H) as computed. HcB (B = 0) and (BH)max are for a magnet of demagnetizing factor N:
internal field H_int = H − N·M, B = µ0·(H_int + M); N = 0 is the closed circuit.
"""

import numpy as np

from .. import ANCHORS
from .anchors import anchors
from .material import MU0, Material

#: The figures of merit, in this order everywhere, and their units.
FIGURES = ("Jr", "HcJ", "Hk", "squareness", "HcB", "BHmax")
UNITS = {"Jr": "T", "HcJ": "kA/m", "Hk": "kA/m", "squareness": "", "HcB": "kA/m",
         "BHmax": "kJ/m³"}


def anchor_curve(values) -> np.ndarray:
    """The curve through the six anchors (m1, mr in Ms; hk90 … hc in H_A) as (6, 2) points
    (H in H_A, M in Ms), descending in H: the curve a prediction stands for."""
    m1, mr, hk90, hk80, hk70, hc = values
    return np.array([[1.0, m1], [0.0, mr], [-hk90, 0.9 * mr], [-hk80, 0.8 * mr],
                     [-hk70, 0.7 * mr], [-hc, 0.0]])


def energy_product(H, M, N: float = 0.0) -> tuple[float, float, float]:
    """(BH)max of the piecewise-linear curve through (H, M) (A/m, non-increasing H, NaN points
    skipped), exact on each segment where −H_int·B is a parabola: (BH)max in J/m³ and its working
    point (H_int in A/m, B in T); (0, NaN, NaN) if the curve never enters the second quadrant."""
    ok = np.isfinite(M)
    hi = np.asarray(H, np.float64)[ok] - N * np.asarray(M, np.float64)[ok]
    b = MU0 * (hi + np.asarray(M, np.float64)[ok])
    h0, dh, b0, db = hi[:-1], np.diff(hi), b[:-1], np.diff(b)
    a = dh * db  # −(h0 + t·dh)(b0 + t·db) has its vertex at t = −(h0·db + b0·dh) / (2·dh·db)
    with np.errstate(divide="ignore", invalid="ignore"):  # a maximum where a > 0
        vertex = np.where(a > 0, -(h0 * db + b0 * dh) / (2 * a), 0.0)
    t = np.stack([np.zeros_like(h0), np.ones_like(h0), np.clip(vertex, 0, 1)])
    ht, bt = h0 + t * dh, b0 + t * db
    p = np.where((ht <= 0) & (bt >= 0), -ht * bt, 0.0)
    if p.size == 0 or p.max() <= 0:
        return 0.0, np.nan, np.nan
    k = np.unravel_index(np.argmax(p), p.shape)
    return float(p[k]), float(ht[k]), float(bt[k])


def _crossing(x, y) -> float:
    """x at the first point where y falls to 0 (y descending from positive), linear; NaN if none."""
    below = np.flatnonzero(y <= 0)
    if below.size == 0 or below[0] == 0:
        return np.nan
    j = below[0]
    return x[j - 1] + y[j - 1] / (y[j - 1] - y[j]) * (x[j] - x[j - 1])


def _figures(values, h, m, material: Material, N: float) -> np.ndarray:
    """Figures (in FIGURES' units) from anchors and the curve (h in H_A, m in Ms) they belong to."""
    v = dict(zip(ANCHORS, values))
    ok = np.isfinite(m)
    H, M = h[ok] * material.HA, m[ok] * material.Ms
    hcb = -_crossing(H - N * M, H + (1 - N) * M)
    bh, _, _ = energy_product(H, M, N)
    return np.array([v["mr"] * material.Js, v["hc"] * material.HA / 1e3,
                     v["hk90"] * material.HA / 1e3, v["hk90"] / v["hc"], hcb / 1e3, bh / 1e3])


def figures(H, M, material: Material, N: float = 0.0) -> np.ndarray:
    """Figures of merit (n, 6) in the order and units of FIGURES for simulated curves M (n, k)
    or (k,) in Ms on the descending field axis H (k,) in H_A; NaN where the curve lacks a level."""
    H = np.asarray(H, np.float64)
    values, _ = anchors(H, M)
    return np.array([_figures(v, H, m, material, N)
                     for v, m in zip(values, np.atleast_2d(np.asarray(M, np.float64)))])


def figures_each(H, M, materials, N: float = 0.0) -> np.ndarray:
    """figures of curves M (n, k) each in the units of its own Material (n of them: samples
    at their temperatures)."""
    return np.concatenate([figures(H, m[None], mat, N) for m, mat in zip(M, materials)]
                          ) if len(M) else np.zeros((0, len(FIGURES)))


def predicted_figures(values, material: Material, N: float = 0.0) -> np.ndarray:
    """Figures of merit (n, 6) of anchors (n, 6) or (6,), read on the curve through them (NaN
    where an anchor is NaN)."""
    values = np.atleast_2d(np.asarray(values, np.float64))
    return np.array([_figures(v, *anchor_curve(v).T, material, N) if np.isfinite(v).all()
                     else np.full(len(FIGURES), np.nan) for v in values])


def bhmax_error(H, M, predicted, material: Material) -> dict:
    """(BH)max (N = 0, kJ/m³) of simulated curves M (n, k) on H (k,) against the curve through
    anchors: mean of the simulated (BH)max, mean absolute error of the curve through the
    curves' own anchors (what the six points lose) and through `predicted` anchors (n, 6)."""
    bh = figures(H, M, material)[:, FIGURES.index("BHmax")]
    own = predicted_figures(anchors(H, M)[0], material)[:, FIGURES.index("BHmax")]
    pred = predicted_figures(predicted, material)[:, FIGURES.index("BHmax")]
    return {"mean": float(bh.mean()), "mae_anchor_curve": float(np.abs(own - bh).mean()),
            "mae_predicted": float(np.abs(pred - bh).mean())}


def reduced_merit(values, hA: float) -> np.ndarray:
    """(n, 2) of anchors (n, 6): (BH)max (N = 0) in units of its limit µ0·Ms²/4, read on the
    curve through the anchors, and the squareness hk90/hc; hA: H_A in units of Ms; NaN where
    an anchor is NaN."""
    v = np.atleast_2d(np.asarray(values, np.float64))
    bh = [4 * energy_product(*(anchor_curve(x) * [hA, 1]).T)[0] / MU0 if np.isfinite(x).all()
          else np.nan for x in v]
    return np.c_[bh, v[:, 2] / v[:, 5]]
