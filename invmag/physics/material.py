"""Material constants (SI) and the reduced units used at the boundaries (Ms, H_A)."""

from dataclasses import dataclass
import math

import numpy as np

MU0 = 4e-7 * math.pi  # vacuum permeability, T·m/A (the value fidimag and magnum.np use)
JS_MAX = 2.5  # T, just above the largest Js known (Fe65Co35, ≈ 2.45 T at room temperature)


@dataclass(frozen=True)
class Material:
    """Uniaxial hard magnet. Defaults: Nd2Fe14B (paper section 4.1).

    A: exchange stiffness, J/m.  Js: saturation polarization µ0·Ms, T.  K1: anisotropy, J/m³.
    """

    A: float = 8e-12
    Js: float = 1.61
    K1: float = 4.2e6

    def __post_init__(self):
        for name in ("A", "Js", "K1"):
            if not getattr(self, name) > 0:
                raise ValueError(f"material.{name} must be positive, got {getattr(self, name)}")

    @property
    def Ms(self) -> float:
        """Saturation magnetization, A/m."""
        return self.Js / MU0

    @property
    def HA(self) -> float:
        """Anisotropy field H_A = 2 K1 / (µ0 Ms), A/m."""
        return 2 * self.K1 / self.Js

    @property
    def Kd(self) -> float:
        """Energy density scale µ0 Ms², J/m³ (reduced energies are in these units)."""
        return self.Js * self.Ms

    @property
    def hA(self) -> float:
        """Anisotropy field in units of Ms (≈ 4.07 for Nd2Fe14B)."""
        return self.HA / self.Ms


@dataclass(frozen=True)
class Cells:
    """Per-cell material of N structures of ny × nx cells, SI: Js (N, ny, nx) µ0·Ms in T,
    A (N, ny, nx) exchange stiffness in J/m, K1 (N, ny, nx) anisotropy in J/m³. A cell with
    Js = 0 carries no moment; Js ≤ JS_MAX (a larger one is a unit error). The main phase of a
    structure is its cells of the largest Js: its magnetization is given in that phase's Ms and
    fields in its H_A (main())."""

    Js: np.ndarray
    A: np.ndarray
    K1: np.ndarray

    def __post_init__(self):
        shapes = {np.shape(v) for v in (self.Js, self.A, self.K1)}
        if len(shapes) != 1 or len(next(iter(shapes))) != 3:
            raise ValueError(f"per-cell Js, A and K1 must share one shape (N, ny, nx), got "
                             f"{sorted(shapes)}")
        for name in ("Js", "A", "K1"):
            v = np.asarray(getattr(self, name))
            if not (np.isfinite(v).all() and (v >= 0).all()):
                raise ValueError(f"per-cell {name} must be finite and ≥ 0")
        if np.max(self.Js) > JS_MAX:
            raise ValueError(f"per-cell Js must be ≤ {JS_MAX:g} T (Fe–Co's, the largest, is "
                             f"2.45 T), got {np.max(self.Js):g} T")
        if not (np.asarray(self.Js).reshape(len(self.Js), -1).max(1) > 0).all():
            raise ValueError("a structure has no magnetic cell (Js = 0 everywhere)")

    def take(self, rows) -> "Cells":
        """The structures `rows` (indices) of these."""
        return Cells(self.Js[rows], self.A[rows], self.K1[rows])

    @classmethod
    def uniform(cls, material: Material, n: int, ny: int, nx: int) -> "Cells":
        """n structures of one material."""
        full = lambda v: np.full((n, ny, nx), float(v))  # noqa: E731
        return cls(full(material.Js), full(material.A), full(material.K1))

    def main(self) -> list[Material]:
        """Per structure, the material of its main phase: the cells of the largest Js (of those,
        the largest K1; A of the first such cell)."""
        out = []
        for js, a, k in zip(self.Js, self.A, self.K1):
            i = np.unravel_index(np.lexsort((-k.ravel(), -js.ravel()))[0], js.shape)
            out.append(Material(A=float(a[i]), Js=float(js[i]), K1=float(k[i])))
        return out
