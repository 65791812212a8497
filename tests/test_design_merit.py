"""Designing for the figures of merit (BH)max and squareness: goals in reduced and SI units,
read on the curve through the predicted anchors exactly as invmag.physics.merit does."""

import numpy as np
import pytest

from invmag.design.latent_search import latent_model, prior_radius2, search
from invmag.design.design_folder import read_design
from invmag.design.targets import parse_goal
from invmag.physics.material import Material
from invmag.physics.merit import FIGURES, predicted_figures
from conftest import LATENT, optimize, truth

MAT = Material()
LIMIT = MAT.Kd / 4 / 1e3  # (BH)max of a square loop, kJ/m³: the reduced unit of bhmax


def prior_anchors(n=256, seed=0):
    return truth(np.random.default_rng(seed).standard_normal((n, LATENT)))


def test_goal_reads_merit_as_merit_does_in_si_and_reduced_units():
    goal = parse_goal({"bhmax": 300}, {"squareness": 0.62}, {}, units="si", material=MAT)
    assert goal.targets["bhmax"] == pytest.approx(300 / LIMIT, rel=1e-12)
    values = prior_anchors() * [1, 1, 1, 1, 1, 1]
    values[::2, 2] *= 1.1  # squareness 0.66 on every other row, 0.6 on the rest
    f = predicted_figures(values, MAT)
    bh = goal.column(values, "bhmax")
    np.testing.assert_allclose(bh * LIMIT, f[:, FIGURES.index("BHmax")], rtol=1e-12)
    np.testing.assert_allclose(goal.column(values, "squareness"),
                               f[:, FIGURES.index("squareness")], rtol=1e-12)
    expected = (np.abs(bh - 300 / LIMIT) <= 0.02) & (np.arange(len(values)) % 2 == 0)
    assert expected.any() and (goal.hits(values, 0.02) == expected).all()
    for args, message in ((({"bhmax": 600}, {}, {}), "cannot exceed its limit µ0·Ms²/4"),
                          (({}, {"squareness": 1.5}, {}), "cannot exceed 1"),
                          (({"bhmx": 0.5}, {}, {}), "not an anchor or figure of merit")):
        with pytest.raises(ValueError, match=message):
            parse_goal(*args, units="si", material=MAT)


def test_search_reaches_a_bhmax_target():
    target = float(np.median(parse_goal({}, {}, {}, maximize=["bhmax"]).column(
        prior_anchors(), "bhmax")))
    goal = parse_goal({"bhmax": target}, {}, {})
    res = search(latent_model(truth), goal, np.ones(6), LATENT, 3.0, prior_radius2(LATENT, 0.99), "ga", 24,
                 25, seed=3)
    assert abs(goal.column(res.predicted[:1], "bhmax")[0] - target) < 0.01


def test_optimize_maximizes_bhmax_and_targets_it_in_si(run):
    from invmag.models.surrogate import load_surrogate

    result = optimize(run, "--maximize", "bhmax", "--generations", 8, "--simulations", 0,
                      "--no-project")
    d = read_design(run / "designs" / "001")
    assert d.goal.maximize == ("bhmax",)
    assert "Figures of merit, N = 0" in result.output  # not simulated: the prediction alone
    row = next(line for line in result.output.splitlines() if "BHmax" in line)
    assert f"{predicted_figures(d.predicted[:1], MAT)[0, FIGURES.index('BHmax')]:.4g}" in row
    csv = np.genfromtxt(run / "designs" / "001" / "candidates.csv", delimiter=",", names=True)
    for q in ("bhmax", "squareness"):  # not simulated: NaN, as the anchors
        np.testing.assert_allclose(csv[f"pred_{q}"], d.goal.column(d.predicted, q), rtol=1e-5)
        assert np.isnan(csv[f"sim_{q}"]).all()
    z = np.random.default_rng(0).standard_normal((256, LATENT))
    prior = d.goal.column(load_surrogate(run).predict(z), "bhmax")  # the model's, at random
    assert d.goal.column(d.searched, "bhmax").max() > np.quantile(prior, 0.95)
    result = optimize(run, "--units", "si", "--target-bhmax", 250, "--generations", 8,
                      "--simulations", 0, "--no-project")
    d = read_design(run / "designs" / "002")
    assert d.goal.targets == {"bhmax": pytest.approx(250 / LIMIT)}
    assert abs(d.goal.column(d.searched[:1], "bhmax")[0] * LIMIT - 250) < 0.02 * LIMIT
    assert "bhmax=" in result.output
