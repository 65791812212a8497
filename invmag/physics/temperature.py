"""Temperature dependence of the intrinsic constants (A, Js, K1) of Nd2Fe14B. SI inside, T in K.

Shape of the curve, from published numbers:
  m(T) = Ms(T)/Ms(0) = [1 − s·τ^{3/2} − (1 − s)·τ^p]^{1/3}, τ = T/Tc, p = 5/2
  (M. D. Kuz'min, Phys. Rev. Lett. 94, 107204 (2005); the same formula as mammos-analysis's
  `kuzmin_formula`, after Kuz'min et al., Eur. Phys. J. Plus 135, 301 (2020)).
  Tc = 585 K (M. Sagawa et al., J. Appl. Phys. 55, 2083 (1984); J. F. Herbst, Rev. Mod. Phys. 63,
  819 (1991)). s is fixed by the single-crystal magnetization of S. Hirosawa et al., J. Appl.
  Phys. 59, 873 (1986): Js = 1.85 T at 4.2 K and 1.60 T at 295 K, so m(295 K) = 1.60/1.85 and
  s = 0.9718 (closed form below). Check: Js(423 K)/Js(293 K) = 0.843 against 0.846 for the
  remanence of a sintered N48SH magnet (13.82 → 11.69 kG, 20 → 150 °C; vendor data, Advanced
  Magnets web note "What are temperature coefficients α and β of permanent magnets").

Anchoring: the prefactors are NOT the published 0 K values; every constant is the project's
300 K value (`Material()`: Js = 1.61 T, K1 = 4.2e6 J/m³, A = 8e-12 J/m) times a ratio of the
reduced magnetization to its 300 K value, r(T) = m(T)/m(300 K):
  Js(T) = Js(300)·r,   K1(T) = K1(300)·r^n (n = 3),   A(T) = A(300)·r^κ (κ = 2).
So 300 K gives Material() exactly; the implied Js(0) = 1.61/m(300 K) = 1.87 T. The laws hold
from the spin reorientation, T_sr = 135 K (below it the easy axis cants off c), to Tc.
  n = 3: Callen–Callen l(l+1)/2 power law for l = 2 (H. B. Callen and E. Callen, J. Phys. Chem.
  Solids 27, 1271 (1966)); mammos-analysis uses the same K1 ∝ Ms³.
  κ = 2: A ∝ Ms², Kuz'min et al., Eur. Phys. J. Plus 135, 301 (2020), as in mammos-analysis
  (atomistic Nd2Fe14B gives κ ≈ 1.2: Q. Gong et al., Phys. Rev. Materials 3, 084406 (2019),
  arXiv:1902.05636; κ is a parameter of the law).
Anisotropy field µ0H_A = 2µ0K1/Js ∝ r^{n−1}: µ0H_A(423 K)/µ0H_A(300 K) = 0.720 (6.56→4.72 T
for the project's constants). Measured on Nd2Fe14B single crystals (Hirosawa et al. 1986;
singular-point detection by R. Grössinger et al., 1985–86): µ0H_A ≈ 7.3–7.7 T near 300 K and
≈ 5.5 T at 423 K, a ratio 0.71–0.75 (read off the published H_A(T) curves, ±0.02; not re-read
from the papers for this module). Fitting n to the middle (0.733) gives n = 2.89, inside that
spread, so the theoretical n = 3 is kept.

A boundary phase: `material_at(T, base=Material(Js=..., A=..., K1=...))` scales its own 300 K
constants with the same r(T) — this assumes it shares the main phase's reduced curve (same Tc).
"""

from dataclasses import dataclass, replace

import numpy as np

from .material import Cells, Material

T_ROOM = 300.0  # K, the temperature of Material()'s constants
TC_ND2FE14B = 585.0  # K, Sagawa et al. 1984; Herbst 1991
T_SR = 135.0  # K, spin reorientation of Nd2Fe14B (Herbst 1991): below it the easy axis cants
# off c, and K1 alone (K1 ∝ m³) no longer describes the anisotropy
# Hirosawa et al. 1986: Js(4.2 K) = 1.85 T, Js(295 K) = 1.60 T; 4.2 K taken as 0 K (1 − m = 2e-4)
_TAU, _R = 295.0 / TC_ND2FE14B, 1.60 / 1.85
S_ND2FE14B = (1 - _R**3 - _TAU**2.5) / (_TAU**1.5 - _TAU**2.5)  # = 0.9718


@dataclass(frozen=True)
class KuzminLaw:
    """Kuz'min m(T) plus power laws K1 ∝ m^n, A ∝ m^kappa, anchored at T_ref.

    Tc: Curie temperature, K.  s, p: Kuz'min shape parameters (p = 5/2 in Kuz'min 2005).
    n: exponent of K1.  kappa: exponent of A.  T_ref: temperature of the base constants, K.
    T_sr: the laws' lowest temperature (Nd2Fe14B's spin reorientation), K.
    """

    Tc: float = TC_ND2FE14B
    s: float = S_ND2FE14B
    p: float = 2.5
    n: float = 3.0
    kappa: float = 2.0
    T_ref: float = T_ROOM
    T_sr: float = T_SR

    def check(self, T, name="temperature", got=None):
        """T (K) as a float array; ValueError (one line) unless every value is finite and
        T_sr ≤ T < Tc, where the K1 law holds."""
        try:
            t = np.asarray(T, dtype=float)
            ok = t.size > 0 and np.all(np.isfinite(t)) and np.all(t < self.Tc)
        except (TypeError, ValueError):
            ok = False
        valid = f"[{self.T_sr:g}, {self.Tc:g}) K"
        if not ok:
            raise ValueError(f"{name} must lie in {valid}, got {T if got is None else got}")
        if np.any(t < self.T_sr):
            low = float(t.min())
            raise ValueError(
                f"{name} {'' if got is None else f'{got}: '}{low:g} K lies below Nd2Fe14B's spin "
                f"reorientation ({self.T_sr:g} K), where the K1 law does not hold (it holds in "
                f"{valid}); temperatures are in kelvin ({low:g} °C = {low + 273.15:.0f} K)")
        return t

    def m(self, T):
        """Reduced spontaneous magnetization Ms(T)/Ms(0) (Kuz'min 2005) at 0 < T < Tc (K; below
        T_sr too), dimensionless."""
        tau = np.asarray(T, dtype=float) / self.Tc
        if not np.all((tau > 0) & (tau < 1)):
            raise ValueError(f"m(T) takes 0 < T < {self.Tc:g} K, got {T}")
        return np.cbrt(1 - self.s * tau**1.5 - (1 - self.s) * tau**self.p)

    def scale_at(self, T):
        """(Js, K1, A) at T over their values at T_ref: (r, r^n, r^kappa), r = m(T)/m(T_ref)."""
        r = self.m(self.check(T)) / self.m(self.T_ref)
        return r, r**self.n, r**self.kappa


NDFEB = KuzminLaw()


def scale_at(T, law: KuzminLaw = NDFEB):
    """Factors (Js, K1, A) at T (K) relative to 300 K; floats for a scalar T, arrays otherwise."""
    f = law.scale_at(T)
    return tuple(float(x) for x in f) if np.ndim(T) == 0 else f


def ha_ratio(T, law: KuzminLaw = NDFEB):
    """µ0H_A(T)/µ0H_A(300 K) = (K1 ratio)/(Js ratio), dimensionless (0.720 at 423 K)."""
    j, k, _ = scale_at(T, law)
    return k / j


def material_at(T, base: Material = Material(), law: KuzminLaw = NDFEB) -> Material:
    """The Material at T (K), given `base` at law.T_ref (300 K). ValueError unless
    T_sr ≤ T < Tc."""
    if np.ndim(T) != 0:
        raise ValueError(f"temperature must be one number in kelvin, got {T!r}")
    j, k, a = scale_at(T, law)
    return replace(base, Js=base.Js * j, K1=base.K1 * k, A=base.A * a)


def cells_at(cells: Cells, T, law: KuzminLaw = NDFEB) -> Cells:
    """Per-cell material at T (K; one value, or one per structure), given at law.T_ref
    (300 K): every phase follows the same reduced magnetization, Js ∝ r, K1 ∝ r^n,
    A ∝ r^kappa (a boundary phase's own Curie point is not modelled)."""
    j, k, a = (np.reshape(f, (-1, 1, 1)) for f in scale_at(T, law))
    return Cells(cells.Js * j, cells.A * a, cells.K1 * k)


def parse_temperatures(text: str, law: KuzminLaw = NDFEB) -> np.ndarray:
    """Kelvin from "423" ([423.]) or "300:450:6" (6 points, 300–450 inclusive).

    start:stop:count needs count ≥ 2 and start < stop; every value must lie in [T_sr, Tc) (check).
    """
    usage = f"temperatures must be 'T' or 'start:stop:count' in kelvin, got {text!r}"
    parts = str(text).strip().split(":")
    try:
        if len(parts) == 1:
            values = np.array([float(parts[0])])
        elif len(parts) == 3:
            start, stop, count = float(parts[0]), float(parts[1]), int(parts[2])
            if count < 2 or not start < stop:
                raise ValueError(usage + " (count ≥ 2 and start < stop)")
            values = np.linspace(start, stop, count)
        else:
            raise ValueError(usage)
    except ValueError as e:
        raise ValueError(str(e) if str(e).startswith("temperatures") else usage) from None
    law.check(values, name="temperatures", got=repr(text))
    return values

