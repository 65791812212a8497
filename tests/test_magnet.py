"""The maker's question (docs/recipes.md, docs/learning.md): a surrogate that learns the
boundary phase and the temperature, and recipes searched and verified with them — on a small
real-magnet run trained here (16 × 16 cells, boundary 0–4 nm, 0–1.2 T, 300–450 K)."""

import json
import math
import shutil

import numpy as np
import pytest
import torch

import invmag
from invmag.config import load_config
from invmag import ANCHORS
from invmag.data.boundary import boundary_mask, edge_distance, max_thickness
from invmag.data.sample import Samples, from_columns
from invmag.design.recipe.realizations import SEARCH_STREAM, VERIFY_STREAM, realizations
from invmag.models.surrogate import build_regressor, build_vae, mirror
from invmag.physics.simulation import simulate_curves
from invmag.physics.temperature import ha_ratio, material_at
from invmag.runtime import one_thread
from conftest import assert_user_error, invoke, tiny_config, tiny_magnet

HC, MR = ANCHORS.index("hc"), ANCHORS.index("mr")
FAST = {"realizations": 64, "population": 12, "generations": 6, "top": 2, "calibrate": 0}


@pytest.fixture
def trained(magnet_trained):
    return magnet_trained


@pytest.fixture
def run(trained, tmp_path):
    return shutil.copytree(trained[1], tmp_path / "run")


def test_the_layers_take_the_boundary_and_the_conditions_and_only_then():
    """The magnet config: the VAE's first and last convolutions carry a second image channel
    (the boundary cells) and the regressor's first layer four more inputs (boundary Js, T, the
    Stoner–Wohlfarth remanence and switching field); every other layer, and the quick config's,
    as paper Tables 1–2."""
    quick, magnet = load_config("quick"), load_config("magnet")
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    dv = n(build_vae(magnet)) - n(build_vae(quick))
    assert dv == 16 * 4 * 4 + (16 * 4 * 4 + 1)  # conv_1: 16 more 4×4 kernels; convtr_3: 1 more map
    dr = n(build_regressor(magnet)) - n(build_regressor(quick))
    assert dr == 4 * 512  # dense_shared_1 takes latent + 4 inputs
    assert build_vae(quick).images == 1 and build_regressor(quick).conditions == 0


def test_a_mirror_moves_the_boundary_and_turns_only_the_axes():
    x = torch.randn(2, 2, 6, 6)
    x[:, 1] = (x[:, 1] > 0).float()
    for which in range(4):
        m = mirror(x, which)
        flip = [d for d, k in ((-1, which in (1, 3)), (-2, which in (2, 3))) if k]
        moved = x.flip(flip) if flip else x
        assert torch.equal(m[:, 1], moved[:, 1])  # the boundary cells: moved, never negated
        sign = -1 if which in (1, 2) else 1
        assert torch.equal(m[:, 0], sign * moved[:, 0])


def test_train_reports_the_error_per_temperature_band_and_in_tesla_at_423_k(trained):
    cfg, run, output = trained
    metrics = json.loads((run / "metrics.json").read_text())
    bands = metrics["mae_test_bands"]
    assert list(bands) == ["300–350 K", "350–400 K", "400–450 K"]
    si = metrics["mae_test_T_423K"]
    mu0_ha_300 = 4e-7 * math.pi * 2 * 4.2e6 / 1.61  # T, 6.56 T
    # the band holding 423 K, in tesla of the material there (µ0H_A(423)/µ0H_A(300) = 0.720,
    # Js(423)/Js(300) from the Kuz'min law, physics/temperature)
    assert si["hc"] == pytest.approx(bands["400–450 K"]["hc"] * mu0_ha_300 * ha_ratio(423),
                                     rel=1e-9)
    assert ha_ratio(423) == pytest.approx(0.720, abs=5e-4)
    assert si["mr"] == pytest.approx(bands["400–450 K"]["mr"] * material_at(423).Js, rel=1e-9)
    assert "Test MAE per temperature band" in output and "at 423 K (T)" in output
    assert (run / "plots" / "parity.png").is_file()


def by_hand(cfg, recipe, K, seed, stream):
    """The K realizations of a recipe with its boundary phase, one at a time: the structures as
    the realizations draw them, the boundary cells by data.boundary.boundary_mask at the
    recipe's thickness lowered to what each structure allows (as the generator does)."""
    real = realizations(cfg, K, seed, stream)
    phi, n = real.structures(recipe)
    g = cfg.grid
    masks, thickness = [], []
    for k in range(K):
        seeds = real.seeds[k, :n[k]]
        t = min(recipe.thickness, max_thickness(*edge_distance(seeds, g.nx, g.ny, g.cell_size),
                                                g.cell_size))
        masks.append(boundary_mask(seeds, n[k], g.nx, g.ny, g.cell_size, t))
        thickness.append(t)
    return phi, np.array(masks), np.array(thickness)


def test_a_recipe_at_423_k_is_predicted_on_its_realizations_with_their_boundary(run, trained):
    """The recipe's statistics at 423 K are the surrogate's predictions for its realizations
    drawn by hand with their boundary cells, at 423 K; an SI bound refers to H_A(423 K)."""
    cfg = trained[0]
    r = invmag.recipe(run, minimum={"hc": 1.0}, units="si", yield_=0.5, temperature="423",
                      seed=3, **FAST)
    doc = json.loads((r.path / "recipe.json").read_text())
    assert doc["temperatures_K"] == [423.0]
    mu0_ha = 4e-7 * math.pi * material_at(423).HA
    assert doc["goals"][0]["lower"]["hc"] == pytest.approx(1.0 / mu0_ha, rel=1e-12)
    model = invmag.open_run(run)
    for best in r.recipes:
        phi, mask, t = by_hand(cfg, best, 64, 3, SEARCH_STREAM)
        phase = np.c_[t, np.full(64, best.boundary_js), np.full(64, 423.0)]
        with one_thread():
            pred = model.surrogate.predict_samples(from_columns(phi, phase, mask))
        at = r.stats[r.recipes.index(best)][0]
        np.testing.assert_allclose(at.mean, pred.mean(0), atol=1e-6)
        assert at.yield_ == pytest.approx((pred[:, HC] >= 1.0 / mu0_ha).mean())
    assert any(best.thickness > 0 for best in r.recipes) or r.ranges.thickness == (0.0, 4.0)
    assert {"recipe.png", "map.png", "recipes.csv"} <= {p.name for p in r.path.iterdir()}


def test_a_range_goal_holds_at_every_temperature(run):
    """hc ≥ h in 90 % of the realizations from 300 to 450 K: the search takes the worst
    temperature, so its #1 meets the yield at both ends (where any recipe meets it at 450 K),
    and a bound met at 300 K alone is not enough."""
    goal = {"minimum": {"hc": 0.9}, "units": "si", "yield_": 0.9}
    hot = invmag.recipe(run, **goal, temperature="450", seed=1, **FAST)
    if hot.meta["cv"][0] > 0:
        pytest.skip("no recipe of this tiny model meets the bound at 450 K")
    both = invmag.recipe(run, **goal, temperature="300:450:2", seed=1, **FAST)
    assert both.temperatures == [300.0, 450.0]
    assert both.meta["cv"][0] == 0
    assert all(s.yield_ >= 0.9 for s in both.stats[0])


def test_verify_simulates_the_fresh_realizations_at_each_temperature(run, trained):
    cfg = trained[0]
    r = invmag.recipe(run, minimum={"hc": 0.2}, yield_=0.5, temperature="300:450:2", seed=4,
                      **FAST)
    v = invmag.verify(run, recipe_id=r.id, realizations=8)
    best = r.recipes[0]
    phi, mask, t = by_hand(cfg, best, 8, 4, VERIFY_STREAM)
    for i, T in enumerate((300.0, 450.0)):
        phase = np.c_[t, np.full(8, best.boundary_js), np.full(8, T)]
        c = simulate_curves(phi, cfg, cells=from_columns(phi, phase, mask).material(cfg))
        good = c.converged & ~c.flagged
        np.testing.assert_allclose(v.simulated[i][good], c.anchors[good], rtol=0, atol=1e-12)
    # the hotter magnet: a lower coercive field in tesla, as the law and the labels say
    j = [np.nanmean(v.simulated[i][:, HC]) * 4e-7 * math.pi * material_at(T).HA
         for i, T in enumerate((300.0, 450.0))]
    assert j[1] < j[0]
    rows = np.genfromtxt(r.path / "verify.csv", delimiter=",", names=True)
    assert len(rows) == 16 and set(rows["T_K"]) == {300.0, 450.0}


BAD = [
    (("--min-hc", 0.3, "--temperature", 500), "outside the run's trained range"),
    (("--min-hc", 0.3, "--temperature", "400:300"), "the range is empty"),
    (("--min-hc", 0.3, "--temperature", "3x0"), "expected T, lo:hi"),
    (("--min-hc", 0.3, "--thickness", 0, 3), "not a multiple of the cell"),
    (("--min-hc", 0.3, "--boundary-js", 0, 1.5), "outside the generator's range"),
]


@pytest.mark.parametrize("args, fragment", BAD, ids=[b[1][:20] for b in BAD])
def test_bad_input_is_one_line(trained, args, fragment):
    assert_user_error(invoke("recipe", "--run", trained[1], *args), fragment)
    assert not (trained[1] / "recipes").exists()


@pytest.mark.parametrize("args, fragment", [
    (("--thickness", 0, 2), "--thickness: run 'plain' has no grain-boundary phase"),
    (("--boundary-js", 0, 1), "--boundary-js: run 'plain' has no grain-boundary phase"),
    (("--temperature", 423), "outside the run's trained range (300 K only)"),
])
def test_a_boundary_or_temperature_on_a_run_without_them(tmp_path, args, fragment):
    """Refused before any model is loaded or anything written (this run has none)."""
    path = tmp_path / "plain.toml"
    path.write_text(tiny_config("plain").to_toml())
    assert_user_error(invoke("recipe", "--config", path, "--run", tmp_path / "run",
                             "--min-hc", 0.3, *args), fragment)
    assert not (tmp_path / "run" / "recipes").exists()


def test_the_stoner_wohlfarth_conditions_are_those_of_the_main_phase():
    """Grains at ±60° hold ⟨|cos φ|⟩ = 0.5 and switch alone at h_sw(60°) = 0.5240 H_A (the
    astroid), whatever the boundary cells hold (here 0°, which would switch at 1); to the
    float32 precision of a grain map's angles."""
    from invmag.models.conditions import sw_remanence, sw_switching

    phi = np.full((1, 4, 4), np.radians(60.0))
    phi[0, :, :2] *= -1
    mask = np.zeros((1, 4, 4), bool)
    mask[0, 1] = True
    phi[mask] = 0.0
    both = from_columns(phi, [[2.0, 0.5, 300.0]], mask)
    assert sw_remanence(both) == pytest.approx([0.5], abs=1e-7)
    assert sw_remanence(Samples.plain(phi)) == pytest.approx([(12 * 0.5 + 4) / 16], abs=1e-7)
    c, s = math.cos(math.radians(60)), math.sin(math.radians(60))
    h60 = (c ** (2 / 3) + s ** (2 / 3)) ** -1.5
    assert h60 == pytest.approx(0.5240, abs=1e-4)
    assert sw_switching(both) == pytest.approx([h60], abs=1e-7)
    phi[0, 0, 0] = np.radians(45)  # a grain at 45° switches first, at H_A/2
    assert sw_switching(Samples.plain(phi)) == pytest.approx([0.5], abs=1e-7)


# -- designs at a temperature --

DESIGN = {"population": 12, "generations": 3, "pool": 300, "top": 2}


def test_optimize_designs_structures_with_their_boundary_at_the_temperature(run, trained):
    """Designs at 423 K: every one a structure with its boundary cells, thickness and Js (at the
    generator's levels and in its range) at 423 K, its simulated anchors those of an independent
    simulation of that structure with its material at 423 K; `verify` simulates the same;
    every structure simulated joins verified.h5 with its phase."""
    cfg = trained[0]
    labels = invmag.data.sample_files.read_labels(run / "labels.h5")
    hc = float(np.median(labels.anchors[labels.good, HC]))
    d = invmag.optimize(run, target={"hc": hc}, temperature=423, simulations=6, seed=2,
                        **DESIGN)
    phase, mask = d.samples.phase, d.samples.mask
    assert d.temperature == 423 and (phase[:, 2] == 423).all()
    assert set(phase[:, 0]) <= {0.0, 2.0, 4.0} and (phase[:, 1] >= 0).all()
    assert (phase[:, 1] <= 1.2).all()
    assert ((mask.sum((1, 2)) > 0) == (phase[:, 0] > 0)).all()
    c = simulate_curves(d.samples.phi, cfg,
                        cells=from_columns(d.samples.phi, phase, mask).material(cfg))
    good = c.converged & ~c.flagged
    assert good.all()
    np.testing.assert_allclose(d.simulated, c.anchors, rtol=0, atol=1e-12)
    v = invmag.verify(run, design_id=d.id)
    np.testing.assert_allclose(v.simulated, c.anchors, rtol=0, atol=1e-12)
    # the figures of merit are in SI of the material at 423 K: Jr = mr·Js(423 K)
    assert v.merit_simulated[:, 0] == pytest.approx(c.anchors[:, MR] * material_at(423).Js)
    verified = invmag.data.sample_files.read_labels(run / "verified.h5")
    assert (verified.samples.temperature == 423).all()
    assert verified.samples.mask.shape[1:] == (16, 16)
    assert d.meta["learned"] == len(verified.anchors) == d.meta["simulations"]


def test_the_data_route_answers_only_from_labels_at_that_temperature(run):
    """A label's own anchors as the target: at its temperature the label is the design (no
    simulation); 60 K away the same label is not offered, nor any label further than 2 K."""
    labels = invmag.data.sample_files.read_labels(run / "labels.h5")
    train, _ = labels.split(24)
    T_labels = labels.samples.temperature
    r = int(train[np.argmin(np.abs(T_labels[train] - 340))])
    T = float(T_labels[r])
    target = {"hc": float(labels.anchors[r, HC]), "mr": float(labels.anchors[r, MR])}
    for at in (T, T + 60):
        d = invmag.optimize(run, target=target, temperature=at, simulations=0,
                            starts=("data",), **DESIGN)
        rows = d.row[d.source == "labels.h5"]
        assert len(rows) and (np.abs(T_labels[rows] - at) <= 2).all(), (at, rows)
        assert (r in rows) == (at == T)
    assert d.meta["from_data"] == 0


def test_an_si_goal_at_a_temperature_is_in_the_material_there(run):
    d = invmag.optimize(run, target={"hc": 1.0}, units="si", temperature=423, simulations=0,
                        starts=("pool",), **DESIGN)
    mu0_ha = 4e-7 * math.pi * material_at(423).HA
    assert d.goal.targets["hc"] == pytest.approx(1.0 / mu0_ha, rel=1e-12)


def test_optimize_refuses_a_temperature_outside_the_trained_range_in_one_line(trained):
    assert_user_error(invoke("optimize", "--run", trained[1], "--target-hc", 0.3,
                             "--temperature", 500), "outside the run's trained range")
    assert not (trained[1] / "designs").exists()


def test_a_decoded_structure_becomes_voronoi_grains_with_the_thickness_asked_for():
    """Two grains split at x = 16 nm (columns 0–7 at 0.3 rad, 8–15 at −0.5): the centroids are
    mirror images, so the Voronoi edge is that line and the grains are kept; a thickness
    variable in the upper third picks 4 nm, the cells within 2 nm of the edge (columns 7, 8);
    the last variable is the boundary's Js."""
    from invmag.design.phases import realize

    cfg = tiny_magnet()
    phi = np.full((1, 16, 16), 0.3, np.float32)
    phi[0, :, 8:] = -0.5
    for u, thickness, columns in ((0.9, 4.0, [7, 8]), (0.5, 2.0, []), (0.1, 0.0, [])):
        out = realize(cfg, phi, np.array([[0.0, u, 0.7]]), 423.0)
        mask = out.mask
        np.testing.assert_array_equal(out.phi, phi)
        assert out.phase.tolist() == [[thickness, 0.7, 423.0]]
        assert np.flatnonzero(mask[0].any(0)).tolist() == columns and mask[0].all(0)[
            columns].all()


def test_the_polish_moves_the_boundary_js_within_its_range():
    """A stand-in engine whose hc rises with the boundary's Js (hc = 0.2 + 0.25·Js/T): the polish
    reaches the target 0.4 by Js ≈ 0.8 T for a start with boundary cells, never leaving
    [0, 1.2] T; a start without boundary cells keeps its Js."""
    from types import SimpleNamespace

    from invmag.design.polish import PolishSettings, polish
    from invmag.design.targets import parse_goal

    def engine(samples):
        n = len(samples)
        anchors = np.tile([1.0, 0.9, 0.1, 0.15, 0.2, 0.0], (n, 1))
        anchors[:, HC] = 0.2 + 0.25 * np.nan_to_num(samples.phase[:, 1]) * samples.mask.any((1, 2))
        return SimpleNamespace(M=np.zeros((n, 1)), anchors=anchors,
                               converged=np.ones(n, bool), flagged=np.zeros(n, bool))

    phi = np.zeros((2, 16, 16), np.float32)
    mask = np.zeros((2, 16, 16), bool)
    mask[0, :, 8] = True
    phase = np.array([[2.0, 0.1, 423.0], [0.0, 0.1, 423.0]])
    p = polish(engine, from_columns(phi, phase, mask), parse_goal({"hc": 0.4}, {}, {}), 0.02,
               PolishSettings(simulations=40), seed=1, js_range=(0.0, 1.2))
    first = list(p.chosen).index(0)
    got = p.samples.phase
    assert abs(p.simulated[first, HC] - 0.4) <= 0.9 * 0.02
    assert got[first, 1] == pytest.approx(0.8, abs=0.08)
    assert got[1 - first, 1] == 0.1 and (got[:, [0, 2]] == phase[p.chosen][:, [0, 2]]).all()
    tried = p.evaluated.samples.phase[:, 1]
    assert (tried >= 0).all() and (tried <= 1.2).all()


def test_temperature_goals_parse_to_the_temperatures_checked():
    from invmag.design.recipe.goal import recipe_temperatures

    cfg = load_config("magnet")
    assert recipe_temperatures(cfg) == [300.0]
    assert recipe_temperatures(cfg, "423") == [423.0]
    assert recipe_temperatures(cfg, "300:423") == [300.0, 423.0]  # the ends
    assert recipe_temperatures(cfg, "300:450:4") == [300.0, 350.0, 400.0, 450.0]
    for text, fragment in (("450:300", "empty"), ("300:300", "empty"), ("290:400", "outside"),
                           ("300:400:1", "count ≥ 2"), ("a:b", "expected T")):
        with pytest.raises(invmag.BadParameter, match=fragment):
            recipe_temperatures(cfg, text)


def test_the_recipe_map_spans_the_boundary_levers(trained):
    """The second row of the map: hc over boundary thickness (each multiple of the cell) and
    Js at the best recipe's grain size and θ, equal to the predictions of those recipes."""
    from dataclasses import replace

    from invmag.design.recipe.goal import recipe_goal
    from invmag.design.recipe.make import MAP_POINTS, RecipePredictor, recipe_map
    from invmag.design.recipe.realizations import Recipe, recipe_ranges

    cfg, run, _ = trained
    model = invmag.open_run(run).surrogate
    real = realizations(cfg, 64, 0, SEARCH_STREAM)
    predict = RecipePredictor(model, real, [423.0])
    best = Recipe(600.0, 0.5, 2.0, 0.3)
    with one_thread():
        grid = recipe_map(predict, recipe_ranges(cfg), recipe_goal({}, {"hc": 0.3}, {}), best)
        check = predict([replace(best, thickness=4.0, boundary_js=float(grid["boundary_js"][-1]))])
    assert list(grid["thickness"]) == [0.0, 2.0, 4.0]
    assert grid["boundary_mean"].shape == (MAP_POINTS, 3, 6) and grid["boundary_yield"] is not None
    np.testing.assert_allclose(grid["boundary_mean"][-1, 2], check[0, 0].mean(0), atol=1e-9)
    # no boundary: the same magnet whatever Js is asked for
    np.testing.assert_allclose(grid["boundary_mean"][0, 0], grid["boundary_mean"][-1, 0], atol=1e-9)
