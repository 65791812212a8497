"""The six anchor points of a demagnetization curve (docs/conventions.md, paper section 2.2)."""

import numpy as np

from .. import ANCHORS
from .material import MU0, Material

# magnetizations in Ms, fields (positive magnitudes) in H_A
UNITS = {name: "Ms" if name in ("m1", "mr") else "H_A" for name in ANCHORS}
LEVELS = {"hk90": 0.9, "hk80": 0.8, "hk70": 0.7, "hc": 0.0}


def si_factor(name: str, material: Material) -> float:
    """Tesla per reduced unit of an anchor: µ0·Ms (= Js) for magnetizations, µ0·H_A for fields."""
    return material.Js if UNITS[name] == "Ms" else MU0 * material.HA


def _first_crossing(h: np.ndarray, m: np.ndarray, level: float) -> float:
    """|H| at the first crossing of M = level on the descending branch h ≤ 0, linear
    interpolation between computed points (NaN points skipped); NaN if never reached."""
    ok = np.isfinite(m) & (h <= 0)
    h, m = h[ok], m[ok]
    below = np.flatnonzero(m <= level)
    if below.size == 0:
        return np.nan
    j = below[0]
    if j == 0:
        return abs(h[0]) if m[0] == level else np.nan
    m0, m1 = m[j - 1], m[j]
    t = (m0 - level) / (m0 - m1)
    return abs(h[j - 1] + t * (h[j] - h[j - 1]))


def anchors(H, M):
    """Anchors of curves M (N, n) or (n,) on the descending field axis H (n,) in units of H_A.

    Returns (values, flagged): values (N, 6) in the order of invmag.ANCHORS (m1, mr in Ms;
    hk90, hk80, hk70, hc as positive magnitudes in H_A) and flagged (N,) True where any anchor
    is NaN (the curve never reached that level in the field range, or the point is missing).
    """
    H = np.asarray(H, dtype=np.float64)
    M = np.atleast_2d(np.asarray(M, dtype=np.float64))
    if H.ndim != 1 or M.shape[-1] != H.size:
        raise ValueError(f"M must have {H.size} points per curve, got shape {M.shape}")
    if H.size < 2 or np.any(np.diff(H) >= 0):
        raise ValueError("H must be strictly descending")
    i1, i0 = np.flatnonzero(np.isclose(H, 1.0)), np.flatnonzero(H == 0)
    if i1.size == 0 or i0.size == 0:
        raise ValueError("H must contain +1 (the anisotropy field) and 0")
    out = np.full((M.shape[0], len(ANCHORS)), np.nan)
    for n, m in enumerate(M):
        out[n, 0], out[n, 1] = m[i1[0]], m[i0[0]]
        mr = out[n, 1]
        if np.isfinite(mr):
            for a, frac in LEVELS.items():
                out[n, ANCHORS.index(a)] = _first_crossing(H, m, frac * mr)
    return out, np.isnan(out).any(axis=1)


def _nondecreasing(x: np.ndarray) -> np.ndarray:
    """Least-squares projection of each row of x (N, n) onto non-decreasing rows (isotonic
    regression), by the min–max formula x̂_i = max_{j ≤ i} min_{k ≥ i} mean(x_j … x_k)."""
    n = x.shape[1]
    c = np.concatenate([np.zeros((len(x), 1)), np.cumsum(x, 1)], 1)
    out = np.empty_like(x)
    for i in range(n):
        out[:, i] = np.max([np.min([(c[:, k + 1] - c[:, j]) / (k + 1 - j) for k in range(i, n)], 0)
                            for j in range(i + 1)], 0)
    return out


def ordered(values: np.ndarray) -> np.ndarray:
    """Anchors (N, 6) moved to the nearest (least squares, per chain) values that a
    demagnetization curve can have: 0 ≤ mr ≤ m1 ≤ 1 Ms and 0 ≤ hk90 ≤ hk80 ≤ hk70 ≤ hc ≤ 1 H_A.
    Values that already have that order are returned unchanged."""
    v = np.asarray(values, np.float64)
    m = _nondecreasing(v[:, [1, 0]])[:, ::-1]
    h = _nondecreasing(v[:, 2:])
    return np.clip(np.concatenate([m, h], 1), 0, 1)
