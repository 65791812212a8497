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
