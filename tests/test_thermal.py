"""Thermal activation (invmag.physics.thermal): Givord's fluctuation field by hand from the SI
constants, its limits, the config's [thermal] section, hc_th in a Goal, and the thermally
activated HcJ beside the zero-temperature one in the tables."""

import math

import numpy as np
import pytest

from invmag import ANCHORS, BadParameter
from invmag.api_tables import figure_rows, thermal_hcj
from invmag.config import config_from_dict, load_config
from invmag.design.targets import parse_goal
from invmag.physics.material import Material
from invmag.physics.temperature import material_at
from invmag.physics.thermal import (Thermal, activation_volume, fluctuation_field, thermal_hc,
                                    thermal_shift, wall_width)
from conftest import assert_user_error, invoke, tiny_config

K_B, MU0 = 1.380649e-23, 4 * math.pi * 1e-7  # J/K, T·m/A


def by_hand(T, c, Js, A, K1, ln_rate=25.0):
    """(δ_w m, v m³, S_v A/m, ln(t/τ0)·S_v in H_A) from the SI constants alone."""
    delta = math.pi * math.sqrt(A / K1)
    v = c * delta**3
    ms = Js / MU0
    s_v = K_B * T / (MU0 * ms * v)
    return delta, v, s_v, ln_rate * s_v / (2 * K1 / Js)


def with_thermal(cfg, **thermal):
    d = cfg.to_dict()
    d["thermal"] = thermal
    return config_from_dict(d)


def test_fluctuation_field_at_300_K_by_hand():
    """Material() (Js 1.61 T, A 8e-12 J/m, K1 4.2e6 J/m³) at 300 K with c = 4: δ_w = 4.336 nm,
    v = 326.0 nm³, µ0·S_v = k_B·T/(Ms·v) = 9.92 mT, 25·µ0·S_v = 0.248 T = 0.0378 H_A."""
    m, th = Material(), Thermal(volume_factor=4.0)
    delta, v, s_v, shift = by_hand(300.0, 4.0, 1.61, 8e-12, 4.2e6)
    assert wall_width(m) == pytest.approx(delta, rel=1e-12) == pytest.approx(4.336e-9, abs=1e-12)
    assert activation_volume(m, th) == pytest.approx(v, rel=1e-12)
    assert v == pytest.approx(326.0e-27, rel=1e-3)
    assert fluctuation_field(300.0, m, th) == pytest.approx(s_v, rel=1e-12)
    assert MU0 * s_v == pytest.approx(9.92e-3, rel=1e-3)
    assert thermal_shift(300.0, m, th) == pytest.approx(shift, rel=1e-12)
    assert thermal_hc(0.6, thermal_shift(300.0, m, th)) == pytest.approx(0.6 - 0.0378, abs=1e-4)
    # ln(t/τ0) scales the shift: a 1 h measurement (ln(3600 s / 1e-11 s) = 33.5)
    long = Thermal(4.0, ln_rate=math.log(3600 / 1e-11))
    assert thermal_shift(300.0, m, long) == pytest.approx(shift * 33.517 / 25, rel=1e-4)


def test_no_activation_at_low_temperature_or_large_volume_and_clipped_at_zero():
    m = Material()
    hc = np.array([0.6, 0.3, np.nan])
    for T, c in ((1e-9, 4.0), (300.0, 1e30)):
        np.testing.assert_allclose(thermal_hc(hc, thermal_shift(T, m, Thermal(c))), hc,
                                   atol=1e-9)
    huge = thermal_shift(300.0, m, Thermal(1e-6))  # a tiny v: the field falls below 0
    assert huge > 1
    out = thermal_hc(hc, huge)
    assert out[:2].tolist() == [0.0, 0.0] and np.isnan(out[2])
    assert thermal_shift(300.0, m, None) is None


def test_shift_grows_monotonically_with_temperature():
    """In H_A(T): shift ∝ T/(Ms·v·H_A) ∝ T/r^{3/2} (v ∝ δ_w³ ∝ r^{-3/2}, Ms ∝ r, H_A ∝ r²)."""
    th = Thermal(4.0)
    T = np.linspace(140.0, 580.0, 45)
    shift = np.array([thermal_shift(t, material_at(t), th) for t in T])
    assert np.all(np.diff(shift) > 0)
    hc_th = thermal_hc(0.5, shift)
    assert np.all(np.diff(hc_th) <= 0) and hc_th[0] < 0.5
    m = material_at(423.0)
    assert shift[T == 420.0] == pytest.approx(
        by_hand(420.0, 4.0, material_at(420.0).Js, material_at(420.0).A,
                material_at(420.0).K1)[3], rel=1e-12)
    assert thermal_shift(423.0, m, th) == pytest.approx(0.0682, abs=1e-4)


@pytest.mark.parametrize("thermal, key, why", [
    ({"volume_factor": -1.0}, "thermal.volume_factor", "must be a number > 0, got -1.0"),
    ({"volume_factor": 0}, "thermal.volume_factor", "must be a number > 0, got 0"),
    ({"volume_factor": "big"}, "thermal.volume_factor", "must be a number > 0, got 'big'"),
    ({"volume_factor": 4.0, "ln_rate": -25}, "thermal.ln_rate", "must be a number > 0"),
    ({"ln_rate": 25}, "thermal.volume_factor", "is missing"),
    ({"volume_factor": 4.0, "tau0": 1e-11}, "thermal.tau0", "is an unknown key"),
])
def test_bad_thermal_section_is_one_line_naming_the_key(thermal, key, why):
    with pytest.raises(ValueError) as e:
        with_thermal(load_config("magnet"), **thermal)
    assert str(e.value).startswith(f"config: {key} {why}") and "\n" not in str(e.value)


def test_thermal_section_reads_back_and_is_optional():
    for name in ("quick", "paper", "magnet"):
        assert load_config(name).thermal is None and "[thermal]" not in load_config(
            name).to_toml()
    cfg = with_thermal(load_config("magnet"), volume_factor=4)
    assert cfg.thermal == Thermal(4.0, 25.0)  # ln_rate defaults to a 1 s measurement
    assert "[thermal]\nvolume_factor = 4.0\nln_rate = 25.0" in cfg.to_toml()
    assert config_from_dict(cfg.to_dict()) == cfg


def test_bad_thermal_section_on_the_command_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(tiny_config().to_toml() + "\n[thermal]\nvolume_factor = -2\n")
    np.save(tmp_path / "s.npy", np.zeros((16, 16)))
    assert_user_error(invoke("simulate", tmp_path / "s.npy", "--config", path),
                      "thermal.volume_factor must be a number > 0, got -2")


def test_hc_th_in_a_goal_is_the_hand_value():
    """At 423 K with c = 4: hc_th = hc − 25·k_B·T/(µ0·Ms·v)/H_A of the constants at 423 K."""
    m = material_at(423.0)
    shift = by_hand(423.0, 4.0, m.Js, m.A, m.K1)[3]
    goal = parse_goal({"hc_th": 0.3}, {"hc_th": 0.1}, {}, material=m,
                      hc_shift=thermal_shift(423.0, m, Thermal(4.0)))
    values = np.array([[1.0, 0.9, 0.5, 0.5, 0.5, 0.45], [1.0, 0.9, 0.05, 0.05, 0.05, 0.06]])
    hand = np.array([0.45 - shift, 0.0])
    np.testing.assert_allclose(goal.column(values, "hc_th"), hand, rtol=1e-12)
    scale = np.full(len(ANCHORS), 0.1)
    np.testing.assert_allclose(goal.objectives(values, scale)[:, 0], ((hand - 0.3) / 0.1) ** 2,
                               rtol=1e-12)
    np.testing.assert_allclose(goal.constraints(values)[:, 0], 0.1 - hand, rtol=1e-12)
    # in tesla: µ0·H_A(T) per H_A, as hc
    si = parse_goal({"hc_th": 2.0}, {}, {}, units="si", material=m, hc_shift=shift)
    assert si.targets["hc_th"] == pytest.approx(2.0 / (MU0 * m.HA), rel=1e-12)
    assert type(goal).from_json(goal.to_json()) == goal


def test_hc_th_without_a_thermal_section_names_the_option():
    for kwargs, option in ((dict(targets={"hc_th": 0.3}), "target_hc_th"),
                           (dict(lower={"hc_th": 0.3}), "min_hc_th"),
                           (dict(maximize=("hc_th",)), "maximize")):
        with pytest.raises(BadParameter) as e:
            parse_goal(kwargs.get("targets", {}), kwargs.get("lower", {}), {},
                       maximize=kwargs.get("maximize", ()), bounds_only=True)
        assert e.value.names == (option,) and "[thermal]" in str(e.value)
    with pytest.raises(BadParameter, match="hc_th ≤ hc"):
        parse_goal({}, {"hc_th": 0.5}, {"hc": 0.4}, hc_shift=0.01)


def test_tables_show_both_coercive_fields():
    """figure_rows: µ0·HcJ (thermal) beside µ0·HcJ; thermal_hcj by hand at 300 and 423 K."""
    cfg = with_thermal(tiny_config(), volume_factor=4.0)
    assert thermal_hcj(tiny_config(), 3000.0, 300.0) is None
    loss = [by_hand(T, 4.0, m.Js, m.A, m.K1)[3] * m.HA / 1e3
            for T, m in ((300.0, material_at(300.0)), (423.0, material_at(423.0)))]
    got = thermal_hcj(cfg, [3000.0, 2000.0], [300.0, 423.0])
    np.testing.assert_allclose(got, [3000.0 - loss[0], 2000.0 - loss[1]], rtol=1e-12)
    assert loss[0] * MU0 * 1e3 == pytest.approx(0.248, abs=1e-3)  # T
    figures = np.array([[1.3, 3000.0, 2900.0, 0.97, 1000.0, 350.0]])
    rows = figure_rows(figures, got[:1])
    names = list(rows)
    assert names.index("µ0·HcJ (thermal)") == names.index("µ0·HcJ") + 1
    assert rows["µ0·HcJ (thermal)"][1][0] == pytest.approx((3000.0 - loss[0]) * MU0 * 1e3)
    assert "µ0·HcJ (thermal)" not in figure_rows(figures)


def test_simulate_prints_the_thermal_row(tmp_path):
    cfg = with_thermal(tiny_config(), volume_factor=4.0)
    path = tmp_path / "th.toml"
    path.write_text(cfg.to_toml())
    np.save(tmp_path / "s.npy", np.zeros((16, 16)))
    result = invoke("simulate", tmp_path / "s.npy", "--config", path, "--temperature", 423)
    assert result.exit_code == 0, result.output
    cells = [[c.strip() for c in line.split("│")] for line in result.stdout.splitlines()]
    rows = {c[1]: c[3] for c in cells if len(c) == 5}  # figure │ unit │ value
    m = material_at(423.0)
    expected = float(rows["µ0·HcJ"]) - by_hand(423.0, 4.0, m.Js, m.A, m.K1)[3] * MU0 * m.HA
    assert float(rows["µ0·HcJ (thermal)"]) == pytest.approx(expected, abs=2e-3)
