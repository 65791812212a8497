"""Result tables read at 80 columns (a narrow terminal, or output sent to a file): every value
of a design and of its verification is printed whole, never cut to '0.…', and its tesla values
are the simulated anchors times the SI constants."""

import math
import re

import numpy as np
import pytest
from rich.console import Console

from invmag import ANCHORS
from invmag.design.design_folder import read_design
from conftest import optimize


@pytest.fixture
def narrow(monkeypatch):
    """The commands' console at 80 columns, recording what it prints."""
    import invmag.cli.common as common

    console = Console(width=80, record=True, force_terminal=False)
    for module in ("common", "optimize", "verify", "tables"):
        monkeypatch.setattr(f"invmag.cli.{module}.console", console, raising=False)
    monkeypatch.setattr(common, "console", console)
    return console


def test_design_and_verification_tables_fit_80_columns(run, narrow):  # noqa: F811
    optimize(run, "--target-hc", 0.3, "--min-mr", 0.6, "--generations", 3, "--simulations", 2,
             "--top", 2)
    text = narrow.export_text()
    d = read_design(run / "designs" / "001")
    assert "…" not in text, text
    assert max(map(len, text.splitlines())) <= 80
    for i in range(len(d.samples)):  # each design's simulated anchors, whole
        for x in d.simulated[i]:
            assert f"{x:.3f}" in text, (x, text)
    # design #1's tesla rows of the merit table, from the SI constants by hand: Jr = mr·1.61 T,
    # µ0·HcJ = hc·µ0H_A with µ0H_A = µ0·2K1/Js = 4π·1e-7 T·m/A · 2 · 4.2e6 J/m³ / 1.61 T = 6.556 T
    mu0_ha = 4e-7 * math.pi * 2 * 4.2e6 / 1.61
    lines = [line for line in text.splitlines() if line.startswith(("│", "┃"))]
    rows = {cells[0]: cells for cells in ([c.strip() for c in re.split("[│┃]", line)[1:-1]]
                                          for line in lines)}
    col = rows["figure"].index("#1")
    mr, hc = d.simulated[0, ANCHORS.index("mr")], d.simulated[0, ANCHORS.index("hc")]
    assert float(rows["µ0·HcJ"][col]) == pytest.approx(hc * mu0_ha, rel=1e-3)
    assert float(rows["Jr"][col]) == pytest.approx(mr * 1.61, rel=1e-3)
    from conftest import invoke

    result = invoke("verify", "--run", run)
    assert result.exit_code == 0, result.output
    text = narrow.export_text()
    assert "…" not in text, text
    assert max(map(len, text.splitlines())) <= 80
    assert np.isfinite(d.simulated).all()


def test_a_recipe_in_tesla_carries_givords_shift_by_hand():
    """recipe_tesla: Jr = mr·Js(T), µ0HcJ = hc·µ0H_A(T), and the thermal quantiles are hc's
    less Givord's shift ln(t/τ0)·k_B·T/(µ0·Ms·v) in units of H_A = 2K1/(µ0·Ms), that is
    ln(t/τ0)·k_B·T/(2·K1·c·δ_w³), written out here, times µ0H_A(T)."""
    from invmag.api import recipe_tesla
    from invmag.config import load_config
    from invmag.design.recipe.stats import Stats
    from invmag.physics.temperature import material_at

    cfg, T = load_config("bulk"), 423.0
    mean = np.array([1.0, 0.99, 0.40, 0.41, 0.42, 0.45])
    quantiles = np.stack([mean - 0.03, mean, mean + 0.03])
    row = recipe_tesla(cfg, [T], {"#1": [Stats(mean, mean * 0 + 0.02, quantiles, 0.9)]})[0]
    assert row["label"] == "#1"
    m = material_at(T)
    delta = math.pi * math.sqrt(m.A / m.K1)  # Bloch wall width, m
    shift = 25 * 1.380649e-23 * T / (2 * m.K1 * 4.0 * delta**3)  # bulk's c = 4
    ha = 4e-7 * math.pi * 2 * m.K1 / m.Js  # µ0H_A in T
    assert row["Jr"] == pytest.approx(0.99 * m.Js, rel=1e-9)
    assert row["HcJ"] == pytest.approx(0.45 * ha, rel=1e-6)
    assert row["HcJ_th_q10"] == pytest.approx((0.42 - shift) * ha, rel=1e-6)
    assert row["HcJ_th_q50"] == pytest.approx((0.45 - shift) * ha, rel=1e-6)
    assert shift * ha == pytest.approx(0.32, abs=0.005)  # docs/engine.md: 0.32 T at 423 K, c = 4
