"""Material constants (SI) and the reduced units used at the boundaries (Ms, H_A)."""

from dataclasses import dataclass
import math

MU0 = 4e-7 * math.pi  # vacuum permeability, T·m/A (the value fidimag and magnum.np use)


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

    def exchange_length(self) -> float:
        """sqrt(2A / µ0Ms²), m."""
        return math.sqrt(2 * self.A / self.Kd)
