"""Thermally activated reversal at temperature T: Givord's fluctuation field, applied to the
zero-temperature coercive field the energy minimizer computes. SI inside, T in K.

Every curve the engine computes is a sequence of zero-temperature minima: its coercive field
hc is where the last energy barrier against reversal vanishes. At T > 0 a barrier of
E_B = ln(t/τ0)·k_B·T is crossed within the measuring time t (Néel–Arrhenius, attempt time
τ0), so reversal starts at a smaller field. Givord's analysis of magnetic viscosity writes this as
a shift of the coercive field by the fluctuation field S_v (D. Givord, P. Tenaud, T. Viadieu,
IEEE Trans. Magn. 24, 1921 (1988); D. Givord, M. Rossignol, V. M. T. S. Barthem, J. Magn.
Magn. Mater. 258–259, 1 (2003); cited from memory, not re-read for this module):
  µ0Hc(T) = µ0Hc0(T) − ln(t/τ0)·µ0·S_v,   µ0·S_v = k_B·T / (Ms(T)·v(T)),
v the activation volume (the volume that reverses first), Hc0(T) the zero-temperature-minimum
coercive field with the constants of T (the simulated hc). ln(t/τ0) = 25 stands for t ≈ 1 s
and τ0 ≈ 1e-11 s (e^25·1e-11 s = 0.72 s). The same 25·k_B·T barrier criterion with computed
energy barriers instead of v gives the coercive field of J. Fischbacher et al., "On the limits
of coercivity in permanent magnets", Appl. Phys. Lett. (2017), arXiv:1708.01880.

Activation volume (an ASSUMPTION, set by the config): v(T) = c·δ_w(T)³ with the Bloch wall
width δ_w = π·sqrt(A/K1), so v follows A(T), K1(T) of invmag.physics.temperature
(Material() at 300 K: δ_w = 4.34 nm, δ_w³ = 81.5 nm³). c, thermal.volume_factor, is
dimensionless: v = (1–2·δ_w)³ is c = 1–8. "A few hundred nm³ for Nd-Fe-B at room
temperature" (Givord et al., as recalled, not checked) would be c ≈ 3–5.

The 2D sample's thickness does not enter: v is the 3D volume of a nucleus, nm across, far
smaller than the 36-µm columnar cells of the grid. The shift applies to the curve's hc (its
weakest nucleus sets it); the other anchors keep their zero-temperature values.
"""

from dataclasses import dataclass
import math

import numpy as np

from .material import MU0, Material

K_B = 1.380649e-23  # Boltzmann constant, J/K (SI 2019, exact)
LN_RATE = 25.0  # ln(t/τ0): t ≈ 1 s measurement, τ0 ≈ 1e-11 s attempt time


@dataclass(frozen=True)
class Thermal:
    """The config's [thermal] section: volume_factor c (v = c·δ_w³, dimensionless, > 0),
    ln_rate = ln(t/τ0) (dimensionless, > 0; 25 for a 1 s measurement)."""

    volume_factor: float
    ln_rate: float = LN_RATE


def wall_width(material: Material) -> float:
    """Bloch wall width δ_w = π·sqrt(A/K1), m."""
    return math.pi * math.sqrt(material.A / material.K1)


def activation_volume(material: Material, thermal: Thermal) -> float:
    """v = c·δ_w³ of `material` (its constants at T), m³."""
    return thermal.volume_factor * wall_width(material) ** 3


def fluctuation_field(T, material: Material, thermal: Thermal):
    """Givord's fluctuation field S_v = k_B·T / (µ0·Ms·v) at T (K) of `material` (at T), A/m."""
    return K_B * np.asarray(T, float) / (MU0 * material.Ms * activation_volume(material, thermal))


def thermal_shift(T, material: Material, thermal: Thermal | None):
    """ln(t/τ0)·S_v in units of the material's H_A (dimensionless): what thermal activation
    takes off the zero-temperature hc at T (K); None without a [thermal] section."""
    if thermal is None:
        return None
    return thermal.ln_rate * fluctuation_field(T, material, thermal) / material.HA


def thermal_hc(hc, shift):
    """Thermally activated coercive field max(hc − shift, 0) in H_A(T) from the zero-temperature
    hc (in H_A(T); NaN stays NaN) and shift = thermal_shift(T, material at T, thermal)."""
    return np.maximum(np.asarray(hc, float) - shift, 0.0)
