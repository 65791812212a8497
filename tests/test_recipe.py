"""Recipes (grain size and texture, docs/recipes.md): the predicted statistics are those of the
generator's realizations, a recipe verifies closer to its target than the generator's ranges,
verification simulates fresh realizations, the newest design or recipe is verified by default,
and bad input ends in one line — on a small run trained here."""

import json
import math
import os
import shutil

import h5py
import numpy as np
import pytest
from scipy.spatial import cKDTree

import invmag
from invmag import ANCHORS
from invmag.data.structures import canonical, draw_batch
from invmag.design.recipe.goal import recipe_goal
from invmag.design.recipe.realizations import SEARCH_STREAM, VERIFY_STREAM
from invmag.design.recipe.recipe_folder import newest
from invmag.physics.simulation import simulate_curves
from invmag.runtime import one_thread
from conftest import assert_user_error, invoke

HC = ANCHORS.index("hc")
FAST = {"realizations": 64, "population": 12, "generations": 8, "top": 2, "calibrate": 0}


@pytest.fixture
def trained(small_trained):
    """The session's small run (conftest.small_trained): its model has learned that hc falls
    with the misorientation. (config, run folder)."""
    return small_trained[:2]


@pytest.fixture
def run(trained, tmp_path):
    return shutil.copytree(trained[1], tmp_path / "run")


def by_hand(cfg, recipe: dict, K: int, seed: int):
    """The K realizations of a recipe drawn as the generator draws structures (seeds uniform in
    the sample, nearest-seed cells, axes uniform in [−θ, θ]) from the recipe's documented
    common random numbers, one at a time."""
    g = cfg.grid
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SEARCH_STREAM,)))
    G = math.ceil(cfg.structures.grain_density[1] * g.area_nm2 * 1e-6)
    seeds = rng.uniform(0, 1, (K, G, 2)) * np.array([g.nx, g.ny]) * g.cell_size
    axes = rng.uniform(-1, 1, (K, G)) * recipe["theta"]
    n = np.floor(recipe["density"] * g.area_nm2 * 1e-6 + rng.uniform(0, 1, K)).astype(int)
    n = np.clip(n, 1, G)
    iy, ix = np.mgrid[0:g.ny, 0:g.nx]
    centres = np.c_[ix.ravel() + 0.5, iy.ravel() + 0.5] * g.cell_size
    phi = [canonical(axes[k, cKDTree(seeds[k, :n[k]]).query(centres)[1]]).reshape(g.ny, g.nx)
           for k in range(K)]
    return np.array(phi, np.float32), n


def test_predicted_statistics_are_those_of_the_generators_realizations(trained, run):
    cfg, _ = trained
    r = invmag.recipe(run, target={"hc": 0.4}, minimum={"mr": 0.6}, yield_=0.8, seed=5, **FAST)
    doc = json.loads((r.path / "recipe.json").read_text())
    assert {"recipe.json", "recipes.csv", "recipe.png", "map.png"} <= {
        p.name for p in r.path.iterdir()}
    for best in doc["recipes"]:
        phi, n = by_hand(cfg, best, 64, seed=5)
        mean_count = max(1.0, best["density"] * cfg.grid.area_nm2 * 1e-6)  # at least a grain
        assert len(set(n)) <= 2 and abs(n.mean() - mean_count) < 0.2
        with one_thread():
            pred = invmag.open_run(run).predict(phi)
        at = best["at"][0]  # the one temperature, 300 K
        np.testing.assert_allclose(at["mean"], pred.mean(0), atol=1e-6)
        np.testing.assert_allclose(at["std"], pred.std(0), atol=1e-6)
        np.testing.assert_allclose(at["quantiles"], np.quantile(pred, [0.1, 0.5, 0.9], 0),
                                   atol=1e-6)
        assert at["yield"] == pytest.approx((pred[:, ANCHORS.index("mr")] >= 0.6).mean())
    assert doc["temperatures_K"] == [300.0]
    assert doc["recipes"][0]["at"][0]["yield"] >= 0.8  # the search met its yield
    lines = (r.path / "recipes.csv").read_text().splitlines()
    assert len(lines) == 3 and lines[0].startswith(
        "rank,density,diameter_nm,theta_deg,thickness_nm,boundary_js_T,T_K,yield")


def test_calibration_sets_the_surrogates_level_by_simulated_realizations(trained, run):
    """With --calibrate 16 each returned recipe's statistics are the surrogate's predictions for
    its 64 realizations shifted by their mean error on the first 16, simulated here
    independently (the realizations drawn by hand, the engine run directly)."""
    from invmag.physics.anchors import ordered

    cfg, _ = trained
    r = invmag.recipe(run, target={"hc": 0.4}, seed=5, **{**FAST, "calibrate": 16})
    doc = json.loads((r.path / "recipe.json").read_text())
    bias = np.array(doc["meta"]["calibration_bias"])
    assert bias.shape == (2, 1, 6)
    for best, b in zip(doc["recipes"], bias[:, 0]):
        phi, _ = by_hand(cfg, best, 64, seed=5)
        with one_thread():
            pred = invmag.open_run(run).predict(phi)
        c = simulate_curves(phi[:16], cfg)
        good = c.converged & ~c.flagged
        np.testing.assert_allclose(b, (c.anchors[good] - pred[:16][good]).mean(0), atol=1e-9)
        np.testing.assert_allclose(best["at"][0]["mean"], ordered(pred + b).mean(0), atol=1e-9)
    assert np.abs(bias).max() > 1e-3  # the surrogate's level did move: the check can tell
    assert [row["rank"] for row in doc["recipes"]] == [1, 2]


def test_a_recipe_verifies_closer_to_its_target_than_the_generators_ranges(trained, run):
    """hc at the 85th percentile of the labels: the generator's ranges (any grain count, θ up
    to 180°) make magnets of a lower mean hc; the recipe's fresh realizations, simulated, lie
    closer to the target."""
    cfg, _ = trained
    with h5py.File(run / "labels.h5") as f:
        target = float(np.nanquantile(f["anchors"][:, HC], 0.85))
    r = invmag.recipe(run, target={"hc": target}, **FAST)
    v = invmag.verify(run, recipe_id=r.id, realizations=64)
    assert v.good.mean() > 0.9
    phi, _ = draw_batch(np.arange(10_000, 10_064), cfg.grid, cfg.structures)
    c = simulate_curves(phi, cfg)
    generator = c.anchors[c.converged & ~c.flagged]
    recipe_miss = abs(v.simulated_stats[0].mean[HC] - target)
    generator_miss = abs(generator[:, HC].mean() - target)
    assert recipe_miss < generator_miss - 0.03, (recipe_miss, generator_miss)


def test_verify_simulates_fresh_realizations(run, monkeypatch):
    """`invmag verify` (no id: the newest, a recipe) simulates other structures than the search
    predicted, exactly those it writes predictions for."""
    import invmag.data.labels as labels_module
    from invmag.design.recipe.realizations import Recipe, realizations

    seen = []

    def recording(phi, cfg, progress=None, cells=None):
        seen.append(phi)
        return simulate_curves(phi, cfg, progress=progress, cells=cells)

    r = invmag.recipe(run, minimum={"hc": 0.3}, yield_=0.5, seed=2, **FAST)
    monkeypatch.setattr(labels_module, "simulate_curves", recording)
    result = invoke("verify", "--run", run, "--realizations", 64)
    assert result.exit_code == 0, result.output
    assert "fresh realizations" in result.output
    assert "yield at 300 K: predicted by the search" in result.output
    simulated = seen[0]
    best = r.recipes[0]
    searched, _ = realizations(invmag.open_run(run).config, 64, 2, SEARCH_STREAM).structures(best)
    fresh, _ = realizations(invmag.open_run(run).config, 64, 2, VERIFY_STREAM).structures(best)
    np.testing.assert_array_equal(simulated, fresh)
    assert not any((s == simulated).all((1, 2)).any() for s in searched if s.std() > 0)
    rows = np.genfromtxt(r.path / "verify.csv", delimiter=",", names=True)
    assert len(rows) == 64  # the CSV keeps 6 digits
    assert rows["theta"] == pytest.approx(best.theta, rel=1e-5)
    with one_thread():
        pred = invmag.open_run(run).predict(simulated)
    np.testing.assert_allclose(rows["pred_hc"], pred[:, HC], atol=1e-5)
    assert (r.path / "verify.png").is_file()
    assert Recipe(best.density, best.theta).diameter == pytest.approx(best.diameter)


def solver_anchors(cfg, phi):
    """Anchors (N, 6) and good (N,) of structures phi straight from the solver under the run
    config cfg, as labels are made (docs/data.md): a curve that did not converge or misses an
    anchor is computed once more with half the step bounds; NaN rows where not good. Written
    here from the solver up, so that it shares nothing with verify's path but the solver."""
    from dataclasses import replace

    import torch

    from invmag.physics.anchors import anchors
    from invmag.physics.curve import CurveSolver

    g = cfg.grid

    def curves(settings, structures):
        solver = CurveSolver(cfg.material, g.nx, g.ny, g.cell_size * 1e-9, g.thickness * 1e-9,
                             settings, torch.device("cpu"))
        with one_thread():
            c = solver.run(structures)
        return (*anchors(c.H, c.M), c.converged)

    values, flagged, converged = curves(cfg.solver, phi)
    redo = ~converged | flagged
    if redo.any():
        s = cfg.solver
        half = replace(s, tau_max=s.tau_max / 2, tau_min=min(s.tau_min, s.tau_max / 2),
                       lbfgs_rotation=s.lbfgs_rotation / 2)
        values[redo], flagged[redo], converged[redo] = curves(half, phi[redo])
    good = converged & ~flagged
    values[~good] = np.nan
    return values, good


def test_verification_is_an_independent_simulation_of_the_same_realizations(run):
    """verify.csv's sim_* and met columns and the verification's simulated statistics are those
    of the recipe's fresh realizations (drawn again here, from the recipe's seed on
    VERIFY_STREAM) simulated here through the solver: a verify that reported the predictions
    again, simulated other structures or judged the bounds otherwise would fail."""
    from invmag.design.recipe.realizations import Recipe, realizations

    lo_hc, hi_mr, K = 0.3, 0.9, 24
    r = invmag.recipe(run, minimum={"hc": lo_hc}, maximum={"mr": hi_mr}, yield_=0.5, seed=4,
                      **FAST)
    v = invmag.verify(run, recipe_id=r.id, realizations=K)
    cfg = invmag.open_run(run).config
    best = r.recipes[0]
    phi, n = realizations(cfg, K, 4, VERIFY_STREAM).structures(Recipe(best.density, best.theta))
    sim, good = solver_anchors(cfg, phi)
    met = good & (sim[:, HC] >= lo_hc) & (sim[:, ANCHORS.index("mr")] <= hi_mr)
    assert good.sum() >= K - 2 and 0 < met.mean() < 1  # both outcomes occur: `met` is tested
    # the check can tell: the predictions are off the simulation by more than the tolerance
    assert np.nanmax(np.abs(v.predicted[0] - sim)) > 0.01
    rows = np.genfromtxt(r.path / "verify.csv", delimiter=",", names=True)
    assert len(rows) == K
    np.testing.assert_array_equal(rows["n_grains"], n)
    np.testing.assert_array_equal(rows["good"], good)
    np.testing.assert_array_equal(rows["met"], met)
    # the CSV prints 6 significant digits of anchors in [0, 1]: rounding is at most 5e-7
    sim_csv = np.stack([rows[f"sim_{a}"] for a in ANCHORS], 1)
    np.testing.assert_allclose(sim_csv, sim, rtol=0, atol=1e-6)
    # in memory the same solver ran the same batch (deterministic on the CPU): equal up to
    # roundoff in the statistics' sums
    np.testing.assert_allclose(v.simulated[0], sim, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(v.good[0], good)
    np.testing.assert_array_equal(v.met[0], met)
    s = v.simulated_stats[0]
    np.testing.assert_allclose(s.mean, sim[good].mean(0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(s.std, sim[good].std(0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(s.quantiles, np.quantile(sim[good], [0.1, 0.5, 0.9], 0),
                               rtol=0, atol=1e-12)
    assert s.yield_ == pytest.approx(met.mean(), abs=1e-12)


def test_verify_takes_the_newest_design_or_recipe(tmp_path):
    for kind, name in (("designs", "design.h5"), ("recipes", "recipe.json")):
        (tmp_path / kind / "001").mkdir(parents=True)
        (tmp_path / kind / "001" / name).write_text("")
    os.utime(tmp_path / "designs/001/design.h5", (1, 1))
    assert newest(tmp_path) == ("recipe", tmp_path / "recipes" / "001")
    os.utime(tmp_path / "recipes/001/recipe.json", (0, 0))
    assert newest(tmp_path) == ("design", tmp_path / "designs" / "001")
    with pytest.raises(ValueError, match="no designs or recipes"):
        newest(tmp_path / "empty")


def test_the_cli_prints_the_recipes(run):
    result = invoke("recipe", "--run", run, "--target-hc", 0.4, "--theta", 0, 90,
                    "--diameter", 40, 80, "--generations", 4, "--population", 8)
    assert result.exit_code == 0, result.output
    assert "Recipes 001" in result.output and "q90" in result.output and "nm" in result.output
    assert "calibration: 32 realizations of each recipe simulated" in result.output  # default
    doc = json.loads((run / "recipes" / "001" / "recipe.json").read_text())
    assert all(0 <= d["theta_deg"] <= 90 + 1e-9 and 40 - 1e-6 <= d["diameter_nm"] <= 80 + 1e-6
               for d in doc["recipes"])


BAD = [
    (("--min-hc", 0.3, "--yield", 0), "--yield must lie in (0, 1]"),
    (("--min-hc", 0.3, "--yield", 1.5), "--yield must lie in (0, 1]"),
    (("--target-hc", 0.3, "--yield", 0.9), "needs a bound"),
    (("--target-hc", 0.3, "--theta", 0, 200), "outside the generator's range"),
    (("--target-hc", 0.3, "--density", 10, 100), "outside the generator's range"),
    (("--target-hc", 0.3, "--density", 200, 300, "--diameter", 50, 60), "not both"),
    (("--target-hc", 0.3, "--max-std", "hc=0"), "spread is never 0"),
    (("--min-hc", 0.3, "--max-hc", 0.3), "impossible with a yield"),
    (("--target-hc", 0.3, "--realizations", 16), "--realizations must be ≥ 64"),
    (("--target-hc", 0.3, "--calibrate", 65), "--calibrate must lie in [0, --realizations = 64]"),
    (("--target-hc", 0.3, "--calibrate", -1), "--calibrate must lie in [0, --realizations = 64]"),
]


@pytest.mark.parametrize("args, fragment", BAD, ids=[b[1][:20] for b in BAD])
def test_bad_input_is_one_line(trained, args, fragment):
    assert_user_error(invoke("recipe", "--run", trained[1], *args), fragment)
    assert not (trained[1] / "recipes").exists()


def test_a_run_without_a_model(trained, tmp_path):
    (tmp_path / "config.toml").write_text(trained[0].to_toml())
    assert_user_error(invoke("recipe", "--run", tmp_path, "--target-hc", 0.3),
                      "has no trained model")
    assert_user_error(invoke("verify", "--run", tmp_path), "no designs or recipes")
    with pytest.raises(ValueError, match="yield must lie"):
        recipe_goal({}, {"hc": 0.2}, {}, yield_=-1)


def test_a_recipe_folder_of_an_earlier_invmag_is_one_line(trained, tmp_path):
    """recipe.json as invmag wrote it before temperatures (one goal, stats per recipe)."""
    folder = tmp_path / "run" / "recipes" / "001"
    folder.mkdir(parents=True)
    (tmp_path / "run" / "config.toml").write_text(trained[0].to_toml())
    (folder / "recipe.json").write_text(json.dumps(
        {"goal": {}, "yield": 0.9, "max_std": {}, "ranges": {"density": [200, 300],
                                                               "theta": [0, 1]},
         "meta": {"seed": 0}, "recipes": []}))
    assert_user_error(invoke("verify", "--run", tmp_path / "run", "--recipe", 1),
                      "written by an earlier invmag", "run `invmag recipe` again")
