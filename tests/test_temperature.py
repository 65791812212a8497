"""Temperature dependence of A, Js, K1 (invmag/physics/temperature.py): anchoring at 300 K, the
Kuz'min curve against mammos-analysis, the anisotropy-field ratio against measurement, bad input."""

import math

import numpy as np
import pytest
from mammos_analysis.kuzmin import kuzmin_formula

from invmag.physics.material import MU0, Material
from invmag.physics.temperature import (
    NDFEB,
    S_ND2FE14B,
    KuzminLaw,
    ha_ratio,
    material_at,
    parse_temperatures,
    scale_at,
)


def test_300_K_gives_the_project_constants():
    base, hot = Material(), material_at(300.0)
    for name in ("Js", "K1", "A"):
        assert getattr(hot, name) == pytest.approx(getattr(base, name), rel=0.01)
    assert MU0 * hot.HA == pytest.approx(MU0 * base.HA, rel=0.01)  # 6.56 T
    assert scale_at(300) == pytest.approx((1, 1, 1), abs=1e-12)


def test_shape_from_the_published_numbers():
    """s reproduces Hirosawa et al. 1986 (1.60 T at 295 K over 1.85 T at 4.2 K); the implied
    Js(0) of the anchored law is 1.87 T; Js(423 K)/Js(293 K) = 0.843 against 0.846 for the
    remanence of a sintered N48SH magnet (vendor data, 13.82 → 11.69 kG; ±0.01 covers the
    grade-to-grade spread of α(Br), −0.11 to −0.12 %/K)."""
    assert S_ND2FE14B == pytest.approx(0.9718, abs=1e-4)
    assert NDFEB.m(295) / NDFEB.m(4.2) == pytest.approx(1.60 / 1.85, rel=3e-4)
    assert Material().Js / NDFEB.m(300) == pytest.approx(1.870, abs=1e-3)
    assert material_at(423).Js / material_at(293).Js == pytest.approx(11.69 / 13.82, abs=0.01)


@pytest.mark.parametrize("T", [4.2, 135.0, 150.0, 300.0, 423.0, 500.0, 584.0])
def test_same_curve_as_mammos_analysis(T):
    """Our m(T) is mammos-analysis's Kuz'min formula (p = 5/2) with the same Tc and s, and the
    K1 ∝ Ms³, A ∝ Ms² ratios it uses (from the spin reorientation, 135 K, up)."""
    peer = kuzmin_formula(1.0, NDFEB.Tc, NDFEB.s, np.array([T, 300.0]))
    assert NDFEB.m(T) == pytest.approx(peer[0], abs=1e-9)
    if T >= NDFEB.T_sr:
        r = peer[0] / peer[1]
        assert scale_at(T) == pytest.approx((r, r**3, r**2), rel=1e-9)


def test_anisotropy_field_ratio_423_over_300():
    """µ0H_A(423)/µ0H_A(300) = 0.720. Measured (Hirosawa et al. 1986; Grössinger et al.):
    ≈ 7.3–7.7 T → ≈ 5.5 T, i.e. 0.71–0.75; the tolerance ±0.02 is that spread (two-digit
    readings of the H_A(T) curves). K1 ∝ m² (H_A ∝ m, 0.85) or m⁴ (0.61) would fail it."""
    assert ha_ratio(423) == pytest.approx(0.7203, abs=1e-4)
    assert ha_ratio(423) == pytest.approx(0.733, abs=0.02)
    assert MU0 * material_at(423).HA == pytest.approx(4.72, abs=0.01)
    assert abs(ha_ratio(423, KuzminLaw(n=2.0)) - 0.733) > 0.02
    assert abs(ha_ratio(423, KuzminLaw(n=4.0)) - 0.733) > 0.02


def test_monotonic_decrease_and_vanishing_at_Tc():
    T = np.linspace(NDFEB.T_sr, NDFEB.Tc * (1 - 1e-9), 2000)
    for f in scale_at(T):
        assert np.all(np.diff(f) < 0)
    mats = [material_at(t) for t in (250.0, 300.0, 350.0, 423.0, 500.0, 580.0)]
    for name in ("Js", "K1", "A"):
        values = [getattr(m, name) for m in mats]
        assert values == sorted(values, reverse=True) and len(set(values)) == len(values)
    near = material_at(NDFEB.Tc * (1 - 1e-9))
    assert near.Js < 1e-2 * Material().Js and near.K1 < 1e-6 * Material().K1


def test_boundary_phase_uses_the_same_reduced_curve():
    """A boundary phase at 423 K, by hand: Kuz'min's m(T) = (1 − s·τ^1.5 − (1 − s)·τ^2.5)^(1/3)
    with Tc = 585 K, s = 0.9718 gives r = m(423)/m(300) = 0.84873; its Js = 0.8 T·r,
    K1 = 1e5 J/m³·r³ and A = 4e-12 J/m·r², the law's exponents written out here."""
    def m(T):
        tau = T / 585.0
        return (1 - 0.9718 * tau**1.5 - (1 - 0.9718) * tau**2.5) ** (1 / 3)

    r = m(423.0) / m(300.0)
    assert r == pytest.approx(0.84873, abs=1e-5)
    hot = material_at(423, base=Material(A=4e-12, Js=0.8, K1=1e5))
    assert hot.Js == pytest.approx(0.8 * r, rel=1e-4)  # 0.6790 T
    assert hot.K1 == pytest.approx(1e5 * r**3, rel=1e-4)  # 6.114e4 J/m³
    assert hot.A == pytest.approx(4e-12 * r**2, rel=1e-4)  # 2.881e-12 J/m


@pytest.mark.parametrize("T", [585.0, 585.1, 700, math.nan, math.inf, -math.inf])
def test_bad_temperatures_raise(T):
    with pytest.raises(ValueError, match=r"^temperature must lie in \[135, 585\) K, got"):
        material_at(T)


@pytest.mark.parametrize("T", [134.9, 20, 0, -1.0])
def test_below_the_spin_reorientation_the_law_is_refused(T):
    """Below 135 K (Nd2Fe14B's spin reorientation) K1 ∝ m³ does not hold: one line that gives
    the valid range and reads T as °C too (20 → 293 K)."""
    with pytest.raises(ValueError) as err:
        material_at(T)
    msg = str(err.value)
    assert msg.startswith(f"temperature {T:g} K lies below Nd2Fe14B's spin reorientation (135 K)")
    assert "[135, 585) K" in msg and f"{T:g} °C = {T + 273.15:.0f} K" in msg and "\n" not in msg


def test_material_at_takes_one_number():
    with pytest.raises(ValueError, match="one number"):
        material_at(np.array([300.0, 400.0]))


def test_parse_temperatures():
    assert parse_temperatures("423").tolist() == [423.0]
    assert parse_temperatures(" 300:450:6 ").tolist() == [300.0, 330.0, 360.0, 390.0, 420.0, 450.0]
    assert parse_temperatures("300:450:2").tolist() == [300.0, 450.0]


@pytest.mark.parametrize(
    "text",
    ["300:", "a:b:c", "450:300:4", "300:450:1", "300:300:3", "300:450:2.5", "0", "-5", "700",
     "300:600:4", "nan", "", "abc", "1:2:3:4"],
)
def test_parse_temperatures_rejects(text):
    with pytest.raises(ValueError) as err:
        parse_temperatures(text)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("temperatures") and repr(text) in msg


def test_the_kronmuller_fit_gives_standard_errors_of_a_hand_computed_fit():
    """Three points (µ0H_A, Js, µ0Hc) = (2, 0, 4.2), (0, 1, −0.5), (1, 0, 1.9) T, by hand:
    XᵀX = diag(5, 1) (X rows (µ0H_A, −Js)), α = (2·4.2 + 1.9)/5 = 2.06, N_eff = 0.5; residuals
    (0.08, 0, −0.16), s² = 0.032/(3 − 2); se(α) = √(0.032/5) = 0.08, se(N_eff) = √0.032; two
    points fit exactly and have none."""
    from invmag.physics.kronmuller import kronmuller_fit

    fit = kronmuller_fit([300, 350, 400], [4.2, -0.5, 1.9], [2.0, 0.0, 1.0], [0.0, 1.0, 0.0])
    assert (fit.alpha, fit.n_eff) == (pytest.approx(2.06, abs=1e-12), pytest.approx(0.5, abs=1e-12))
    assert fit.residual == pytest.approx(np.sqrt(0.032 / 3), abs=1e-12)
    assert fit.alpha_se == pytest.approx(0.08, abs=1e-12)
    assert fit.n_eff_se == pytest.approx(np.sqrt(0.032), abs=1e-12)
    two = kronmuller_fit([300, 350], [4.2, -0.5], [2.0, 0.0], [0.0, 1.0])
    assert np.isnan(two.alpha_se) and np.isnan(two.n_eff_se)
