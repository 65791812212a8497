"""The fit of the parameters no simulation can know for a given magnet: the grain-surface
shell's thickness s and K1 factor f, and the thermal-activation volume factor c (docs/
calibration.md, "What is fitted").

Each magnet's realizations are simulated on a grid of shells (SHELL_NM × SHELL_K1) at its
measured temperatures; hc of a realization between two K1 levels is interpolated linearly, and
c enters after the simulation (Givord's fluctuation field, invmag.physics.thermal). So the
predicted µ0HcJ(T) of a magnet is the mean over its realizations of max(hc(s, f) − S(T, c), 0)
·µ0H_A(T), and its Jr the mean mr·Js(T). The fit minimizes Σ r², r = (predicted − measured)/σ,
σ² = (MEASUREMENT·measured)² + (the realizations' standard error)², over f and c for each s,
and keeps the s of the least χ². Standard errors: the square roots of the diagonal of
(JᵀJ)⁻¹·max(1, χ²/(n − 2)) (J the residuals' Jacobian in f and c; n − 2 ≤ 0: (JᵀJ)⁻¹ alone,
the errors the measurement and realization spread give).
"""

from dataclasses import dataclass
import math

import numpy as np
from scipy.optimize import least_squares

from ..physics.temperature import material_at
from ..physics.thermal import LN_RATE, Thermal, thermal_shift
from .measured import Magnet
from .realize import SHELL_NM
from .simulations import Point

SHELL_K1 = (0.0, 0.25, 0.5)  # × K1: K1 cut by 50–100 %, the levels simulated
VOLUME_FACTOR = (0.5, 8.0)   # c bounds: v = c·δ_w³ = 41–650 nm³ at 300 K
MEASUREMENT = 0.02           # relative uncertainty of a measured HcJ or Jr (assumed)


@dataclass(frozen=True)
class Parameters:
    """A calibration: shell thickness nm, shell K1 factor (× K1), thermal volume factor c."""

    shell_nm: float
    shell_k1: float
    volume_factor: float


@dataclass(frozen=True)
class Fit:
    """The fitted Parameters, standard errors of shell_k1 and volume_factor, χ² of the best fit
    at each shell thickness, n measured values, whether a parameter sits on a bound."""

    parameters: Parameters
    errors: dict
    chi2: dict
    n: int
    at_bound: tuple[str, ...]


def shifts(temperature, volume_factor: float, cfg) -> np.ndarray:
    """Givord's shift (in H_A(T)) at each temperature (n,) K with volume factor c."""
    thermal = Thermal(volume_factor, cfg.thermal.ln_rate if cfg.thermal else LN_RATE)
    return np.array([thermal_shift(float(T), material_at(float(T), cfg.material), thermal)
                     for T in temperature])


def interpolated(levels: list[Point], k1: float) -> Point:
    """The Point between the SHELL_K1 levels' points (one per level) at K1 factor k1, each
    realization's hc and mr linear in k1."""
    i = int(np.clip(np.searchsorted(SHELL_K1, k1) - 1, 0, len(SHELL_K1) - 2))
    w = (k1 - SHELL_K1[i]) / (SHELL_K1[i + 1] - SHELL_K1[i])
    a, b = levels[i], levels[i + 1]
    return Point((1 - w) * a.hc + w * b.hc, (1 - w) * a.mr + w * b.mr, a.ha, a.js)


def predicted(points: list[Point], temperature, volume_factor: float | None, cfg):
    """(µ0HcJ mean (n,) T, its standard error (n,), Jr mean (n,) T) of a magnet's points (one
    per temperature (n,) K) with volume factor c (None: zero-temperature hc)."""
    s = np.zeros(len(points)) if volume_factor is None else shifts(temperature, volume_factor,
                                                                     cfg)
    hcj = [p.hcj(si) for p, si in zip(points, s)]
    mean = np.array([np.nanmean(h) for h in hcj])
    sem = np.array([np.nanstd(h) / math.sqrt(max(np.isfinite(h).sum(), 1)) for h in hcj])
    jr = np.array([np.nanmean(p.mr) * p.js for p in points])
    return mean, sem, jr


def residuals(magnets: list[Magnet], grid: dict, shell_nm: float, k1: float, c: float, cfg):
    """r (module docstring) of every measured HcJ and Jr of magnets, from the grid
    {(magnet name, shell_nm, K1 level, T): Point}."""
    out = []
    for m in magnets:
        points = [interpolated([grid[m.name, shell_nm, f, float(T)] for f in SHELL_K1], k1)
                  for T in m.temperature]
        hcj, sem, jr = predicted(points, m.temperature, c, cfg)
        out.append((hcj - m.hcj) / np.hypot(MEASUREMENT * m.hcj, sem))
        given = ~np.isnan(m.jr)
        out.append((jr[given] - m.jr[given]) / (MEASUREMENT * m.jr[given]))
    return np.concatenate(out)


def _best_start(magnets, grid, shell_nm, cfg) -> tuple[float, float]:
    ks, cs = np.linspace(*SHELL_K1[::len(SHELL_K1) - 1], 26), np.geomspace(*VOLUME_FACTOR, 41)
    chi = [(np.sum(residuals(magnets, grid, shell_nm, k, c, cfg) ** 2), k, c)
           for k in ks for c in cs]
    return min(chi)[1:]


def fit(magnets: list[Magnet], grid: dict, cfg) -> Fit:
    """The least-squares Parameters of magnets on the simulated grid (module docstring)."""
    lo, hi = (SHELL_K1[0], VOLUME_FACTOR[0]), (SHELL_K1[-1], VOLUME_FACTOR[1])
    best = {}
    for s in SHELL_NM:
        x0 = _best_start(magnets, grid, s, cfg)
        r = least_squares(lambda x: residuals(magnets, grid, s, x[0], x[1], cfg), x0,
                          bounds=(lo, hi), x_scale=(0.1, 1.0), diff_step=1e-3)
        best[s] = (2 * r.cost, r)
    s = min(best, key=lambda k: best[k][0])
    chi2, r = best[s]
    n = len(r.fun)
    jtj = r.jac.T @ r.jac
    scale = max(1.0, chi2 / (n - 2)) if n > 2 else 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = np.linalg.pinv(jtj) * scale
    err = np.sqrt(np.clip(np.diag(cov), 0, None))
    bound = tuple(name for name, x, a, b in zip(("shell_k1", "volume_factor"), r.x, lo, hi)
                  if np.isclose(x, a, atol=1e-3) or np.isclose(x, b, atol=1e-3))
    return Fit(Parameters(s, float(r.x[0]), float(r.x[1])),
               {"shell_k1": float(err[0]), "volume_factor": float(err[1])},
               {k: float(v[0]) for k, v in best.items()}, n, bound)
