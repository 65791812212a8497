"""Inverse design: goals, latent search (single- and multi-objective), design folders, verify
against the engine, the closed loop, and bad input — on the tiny surrogate of
conftest.tiny_model."""

import h5py
import numpy as np
import pytest

from invmag import ANCHORS
from invmag.data.sample import Samples
from invmag.design.latent_search import latent_model, prior_radius2, search
from invmag.design.grains import sharpen
from invmag.design.design_folder import read_design
from invmag.design.targets import Goal, parse_goal
from invmag.physics.anchors import anchors
from invmag.physics.curve import CurveSolver
from invmag.physics.merit import FIGURES, figures, predicted_figures
from conftest import DESIGN, LATENT, invoke, optimize, tiny_config, truth

# -- goals ---------------------------------------------------------------------------------
def test_goal_si_units_objectives_and_hits():
    m = tiny_config(**DESIGN).material
    mu0_ha = 4e-7 * np.pi * m.HA
    goal = parse_goal({"hc": 0.3 * mu0_ha, "mr": 0.8 * m.Js}, {"hk90": 0.1 * mu0_ha}, {},
                      weights=["hc=2"], units="si", material=m)
    assert goal.targets == pytest.approx({"hc": 0.3, "mr": 0.8})
    assert goal.lower == pytest.approx({"hk90": 0.1}) and goal.weights == {"hc": 2.0}
    pred = np.array([[1, 0.8, 0.2, 0.2, 0.3, 0.3], [1, 0.7, 0.05, 0.2, 0.3, 0.4]])
    scale = np.full(6, 0.1)
    assert goal.objectives(pred, scale)[:, 0] == pytest.approx([0, 1 + 2])
    assert goal.constraints(pred)[:, 0] == pytest.approx([-0.1, 0.05])
    assert goal.hits(pred, 0.02).tolist() == [True, False]
    assert Goal.from_json(goal.to_json()) == goal
    assert not goal.multi and parse_goal({}, {}, {}, maximize=["hc", "mr"]).multi


@pytest.mark.parametrize("algorithm", ["ga", "de", "pso", "nsga2"])
def test_every_algorithm_reaches_a_target_inside_the_prior(algorithm):
    goal = parse_goal({"hc": 0.3}, {}, {})
    r2 = prior_radius2(LATENT, 0.99)
    res = search(latent_model(truth), goal, np.ones(6), LATENT, 3.0, r2, algorithm, 24, 25,
                 seed=3)
    assert abs(res.predicted[0, 5] - 0.3) < 0.01
    assert ((res.z ** 2).sum(1)[res.cv <= 0] <= r2).all() and np.abs(res.z).max() <= 3.0
    assert len(res.history["best"]) == 25


def test_the_prior_constraint_holds_on_the_returned_projected_codes():
    """The search returns codes z = project(x): they, not the proposals x, must lie inside the
    prior ball. A projection that pushes every code out of it leaves no feasible candidate."""
    def project(x):  # a stand-in for encode(decode(x)): the last coordinate is fixed
        return np.c_[x[:, :-1], np.full(len(x), 0.5 if inside else 9.0)]

    goal = parse_goal({"hc": 0.3}, {}, {})
    r2 = prior_radius2(LATENT, 0.99)
    inside = True
    res = search(latent_model(truth, project), goal, np.ones(6), LATENT, 3.0, r2, "ga", 16, 5,
                 seed=1)
    assert (res.z[:, -1] == 0.5).all() and (res.cv[:3] <= 0).all()
    inside = False  # |z|² ≥ 81 > r² = 20.1 although every proposal x starts inside the ball
    res = search(latent_model(truth, project), goal, np.ones(6), LATENT, 3.0, r2, "ga", 16, 5,
                 seed=1)
    assert (res.cv > 0).all() and ((res.z ** 2).sum(1) > r2).all()


def test_search_is_seeded():
    goal = parse_goal({"hc": 0.3}, {}, {})
    a, b = (search(latent_model(truth), goal, np.ones(6), LATENT, 3.0, 20.0, "ga", 16, 5, seed=7)
            for _ in range(2))
    assert np.array_equal(a.z, b.z)


def test_sharpen_turns_blur_into_uniform_grains(voronoi):
    from scipy import ndimage

    phi = voronoi(32, 6, 1.4, 2)
    blurred = np.arcsin(np.clip(ndimage.gaussian_filter(np.sin(phi), 1.5), -1, 1))
    grains = sharpen(blurred)
    assert grains.dtype == np.float32 and grains.shape == phi.shape
    assert len(np.unique(grains)) < 20 < len(np.unique(blurred))
    assert np.median(np.abs(np.sin(grains) - np.sin(phi))) < 0.05
    assert np.unique(sharpen(np.full((8, 8), 0.3, np.float32))) == pytest.approx([0.3])


# -- optimize --------------------------------------------------------------------------------
def test_optimize_returns_distinct_grain_structures_from_the_search(run):
    out = optimize(run, "--target-hc", 0.35, "--simulations", 0).output
    folder = run / "designs" / "001"
    for name in ("design.h5", "candidates.csv", "candidates.png", "convergence.png"):
        assert (folder / name).is_file(), name
    assert "Design 001" in out
    d = read_design(folder)
    assert abs(d.searched[0, 5] - 0.35) < 0.005  # the search found a code at the target
    assert abs(truth(d.z[:1])[0, 5] - 0.35) < 0.03  # the regressor learned truth
    assert d.meta["project"] and len(d.history["best"]) == 20
    phi = d.samples.phi
    assert 1 <= len(d.z) <= 5 and phi.shape[1:] == (16, 16)
    kx = np.sin(phi).reshape(len(phi), -1)
    for i in range(len(kx)):  # grain structures: a few axes, each its own sharpening
        assert len(np.unique(phi[i])) <= 16
        assert sharpen(phi[i]) == pytest.approx(phi[i], abs=1e-6)
        for j in range(i):
            assert np.abs(kx[i] - kx[j]).mean() >= 0.05  # distinct designs
    assert np.isnan(d.simulated).all() and (d.simulations == 0).all()
    csv = np.genfromtxt(folder / "candidates.csv", delimiter=",", names=True)
    assert np.atleast_1d(csv["pred_hc"]) == pytest.approx(d.predicted[:, 5], abs=1e-5)
    optimize(run, "--target-hc", 0.35, "--simulations", 0)  # never overwrites the first
    assert (run / "designs" / "002" / "design.h5").is_file()


def test_designs_polished_by_simulation_verify_where_the_surrogate_alone_misses(run):
    """The tiny surrogate knows nothing of physics (its regressor learned truth(z), its VAE is
    untrained): its designs miss a target, and polishing them by simulation meets it, as an
    independent `verify` and a direct engine run confirm. (Such a surrogate cannot rank the
    polish's children either: --no-assist.)"""
    optimize(run, "--target-hc", 0.3, "--top", 3, "--simulations", 0)
    result = invoke("verify", "--run", run)
    assert result.exit_code == 0 and "hit rate: 0/" in result.output, result.output
    out = optimize(run, "--target-hc", 0.3, "--top", 3, "--simulations", 48,
                   "--no-assist").output
    d = read_design(run / "designs" / "002")
    k = len(d.z)
    assert f"{k} of {k} designs simulate within ±0.02" in out
    result = invoke("verify", "--run", run)
    assert f"hit rate: {k}/{k}" in result.output, result.output
    assert d.simulations.sum() <= 48 * len(d.z) and (np.abs(d.first_shot[:, 5] - 0.3) > 0.02).all()
    cfg = tiny_config(**DESIGN)
    g = cfg.grid
    solver = CurveSolver(cfg.material, g.nx, g.ny, g.cell_size * 1e-9, g.thickness * 1e-9,
                         cfg.solver, "cpu")
    curves = solver.run(d.samples.phi)
    direct, _ = anchors(curves.H, curves.M)
    assert np.abs(direct[:, 5] - 0.3).max() <= 0.02
    assert d.simulated == pytest.approx(direct, abs=2e-3)


def test_polish_starts_from_the_candidates_that_simulate_closest(voronoi):
    """Screening: of K candidates, the `keep` whose first simulation scores best are polished
    (ties in the given order); with a budget of one simulation each, they are returned as such."""
    from invmag.design.polish import PolishSettings, polish
    from invmag.physics.simulation import simulate_curves

    cfg = tiny_config(**DESIGN)
    phi = np.stack([voronoi(16, 3, theta, 2) for theta in (0.1, 0.6, 1.0, 1.5)])
    sim = simulate_curves(phi, cfg).anchors
    goal = parse_goal({"hc": float(sim[2, 5])}, {}, {})
    p = polish(lambda s: simulate_curves(s.phi, cfg), Samples.plain(phi), goal, 0.02,
               PolishSettings(simulations=1), keep=2)
    assert p.chosen[0] == 2 and len(p.chosen) == 2
    assert p.samples.phi[0] == pytest.approx(phi[2]) and p.simulated[0] == pytest.approx(sim[2])
    first = p.evaluated.anchors  # every candidate simulated once, as grains
    assert len(first) == 4 and (p.simulations == 1).all()
    assert p.chosen[1] == np.argsort(np.abs(first[:, 5] - sim[2, 5]), kind="stable")[1]


def test_an_unreachable_target_ends_with_the_closest_design_said_plainly(run):
    out = optimize(run, "--target-hc", 0.3, "--target-mr", 0.3, "--top", 1,
                   "--simulations", 8).output
    assert "not met" in out and "closest" in out
    result = invoke("verify", "--run", run)
    assert "hit rate: 0/1" in result.output


def test_consistency_check_ranks_or_drops(run):
    # the tiny VAE is untrained: decode → encode lands elsewhere, so every code is inconsistent
    optimize(run, "--target-hc", 0.35, "--consistency", 1e-4, "--simulations", 0)
    d = read_design(run / "designs" / "001")
    assert not d.consistent.any() and (d.deviation > 1e-4).all()
    result = invoke("optimize", "--run", run, "--target-hc", 0.35, "--consistency", 1e-4,
                    "--drop-inconsistent", "--simulations", 0)
    assert result.exit_code == 2 and "consistency" in result.output
    optimize(run, "--target-hc", 0.35, "--consistency", 10, "--simulations", 0)
    assert read_design(run / "designs" / "002").consistent.all()


def test_nsga2_front_is_non_dominated_and_feasible(run):
    optimize(run, "--maximize", "hc", "--maximize", "mr", "--min-mr", 0.7, "--top", 50,
             "--distinct", 0, "--simulations", 0, "--no-project")
    folder = run / "designs" / "001"
    assert (folder / "pareto.png").is_file()
    d = read_design(folder)
    assert d.goal.objective_names == ["max hc", "max mr"] and d.meta["algorithm"] == "nsga2"
    assert len(d.z) >= 3 and (d.cv <= 0).all()
    for i in range(len(d.z)):  # no member is better in both objectives than another one
        for j in range(len(d.z)):
            assert not ((d.objectives[j] <= d.objectives[i]).all()
                        and (d.objectives[j] < d.objectives[i]).any())
    assert (d.searched[:, 1] >= 0.7).all()


def test_maximizing_gains_nothing_past_the_training_labels(run):
    """Beyond its labels the regressor extrapolates: with labels that reached only hc = 0.4,
    the fitted hc = 0.1 + 0.5·σ(z0) grows past them inside the latent box. The search is capped
    there (its objective stops at −0.4), and the design keeps the raw prediction, which shows
    the extrapolation instead of hiding it."""
    from invmag.models.surrogate import load_surrogate

    surrogate = load_surrogate(run)
    surrogate.label_max[5] = 0.4
    surrogate.save(run / "surrogate.pt")
    optimize(run, "--maximize", "hc", "--no-project", "--simulations", 0)
    d = read_design(run / "designs" / "001")
    assert d.objectives[0, 0] == pytest.approx(-0.4)
    assert (d.searched[:, 5] > 0.4).any()  # raw: the extrapolation stays visible


# -- verify ----------------------------------------------------------------------------------
def test_verify_agrees_with_direct_engine_runs(run):
    optimize(run, "--target-hc", 0.35, "--generations", 5, "--simulations", 0, "--distinct", 0)
    result = invoke("verify", "--run", run, "--top", 2, "--design", 1)
    assert result.exit_code == 0, result.output
    assert "hit rate" in result.output
    folder = run / "designs" / "001"
    table = np.genfromtxt(folder / "verify.csv", delimiter=",", names=True)
    d = read_design(folder)
    assert len(table) == 2 and (folder / "verify_2.png").is_file()
    cfg = tiny_config(**DESIGN)
    g = cfg.grid
    solver = CurveSolver(cfg.material, g.nx, g.ny, g.cell_size * 1e-9, g.thickness * 1e-9,
                         cfg.solver, "cpu")
    curves = solver.run(d.samples.phi[:2])
    direct, flagged = anchors(curves.H, curves.M)
    assert not flagged.any()
    for i, a in enumerate(ANCHORS):
        assert table[f"sim_{a}"] == pytest.approx(direct[:, i], abs=1e-5)
        assert table[f"pred_{a}"] == pytest.approx(d.predicted[:2, i], abs=1e-5)
        assert table[f"err_{a}"] == pytest.approx(direct[:, i] - d.predicted[:2, i], abs=1e-5)
    assert table["hit"].tolist() == (np.abs(direct[:, 5] - 0.35) <= 0.02).astype(int).tolist()
    merit = {"sim": figures(curves.H, curves.M, cfg.material),
             "pred": predicted_figures(d.predicted[:2], cfg.material)}
    for i, f in enumerate(FIGURES):
        for kind, values in merit.items():
            assert table[f"{kind}_{f}"] == pytest.approx(values[:, i], rel=1e-5)
    assert "Figures of merit, predicted vs simulated" in result.output
    from invmag.design.plots import verify_figure  # as written to verify_<rank>.png
    fig = verify_figure(d.samples.phi[0], curves.H, curves.M[0], direct[0], d.predicted[0], "",
                        cfg.material)
    j = {line.get_label(): line.get_ydata() for line in fig.axes[2].get_lines()}["J = µ0·M"]
    m = curves.M[0][np.isfinite(curves.M[0])]  # the points computed
    np.testing.assert_allclose(j, cfg.material.Js * m, rtol=1e-12)
    with h5py.File(folder / "verify.h5") as f:
        assert f["M"].shape == (len(table), len(curves.H))
    result = invoke("verify", "--run", run, "--top", 1)  # fewer designs: no stale PNG left
    assert not (folder / "verify_2.png").exists()


def test_a_curve_that_did_not_converge_is_never_a_hit(run):
    from dataclasses import replace

    from invmag.design.verify import simulate_designs

    optimize(run, "--target-hc", 0.35, "--generations", 3, "--simulations", 0, "--top", 1)
    d = read_design(run / "designs" / "001")
    cfg = tiny_config(**DESIGN)
    capped = replace(cfg, solver=replace(cfg.solver, max_iterations=2))
    v = simulate_designs(capped, d, 1, 0.02)
    assert not v.converged[0]
    d.goal = parse_goal({a: float(x) for a, x in zip(ANCHORS, v.simulated[0])
                         if np.isfinite(x)}, {}, {})  # the cut-short curve's own anchors
    assert not simulate_designs(capped, d, 1, 0.02).hit[0]


def test_designs_are_learned_from(run):
    """Every simulated structure joins verified.h5, and --learn trains the regressor on them:
    afterwards it predicts their simulated anchors better than the model before."""
    from invmag.models.surrogate import Surrogate

    optimize(run, "--target-hc", 0.3, "--top", 2, "--simulations", 16, "--learn", 40,
             "--no-assist")
    d = read_design(run / "designs" / "001")
    with h5py.File(run / "verified.h5") as f:
        n, phi, y = f["done"][:].sum(), f["phi"][:], f["anchors"][:]
    assert n == d.meta["simulations"] and phi.shape == (n, 16, 16)
    before, after = (Surrogate.load(run / name) for name in ("surrogate.initial.pt",
                                                             "surrogate.pt"))
    err = [np.abs(m.predict_samples(Samples.plain(phi)) - y)[:, 5].mean()
           for m in (before, after)]
    assert err[1] < 0.5 * err[0], err


def test_learning_keeps_the_runs_metrics_current_and_retraining_drops_its_backup(run):
    """After --learn, metrics.json holds the test MAE of the model now in the run; `train
    --force` then replaces the model, drops the backup of the old one, keeps verified.h5."""
    import json

    from invmag.data.sample_files import read_labels
    from invmag.models.surrogate import Surrogate

    assert invoke("generate", "--run", run, "--config", run / "config.toml",
                  "--labelled", 16).exit_code == 0
    (run / "metrics.json").write_text(json.dumps({"mae_test": {a: 9.0 for a in ANCHORS}}))
    optimize(run, "--target-hc", 0.3, "--top", 1, "--simulations", 8, "--learn", 5,
             "--no-data")  # new structures: a label may already meet hc 0.3
    metrics = json.loads((run / "metrics.json").read_text())
    with h5py.File(run / "verified.h5") as f:
        assert metrics["learned"] == {"epochs": 5, "verified_rows": int(f["done"][:].sum())}
    labels = read_labels(run / "labels.h5")
    _, test = labels.split(tiny_config(**DESIGN).data.test)
    model = Surrogate.load(run / "surrogate.pt")
    now = np.abs(model.predict_samples(labels.samples.take(test)) - labels.anchors[test]).mean(0)
    assert [metrics["mae_test"][a] for a in ANCHORS] == pytest.approx(now)
    assert (run / "surrogate.initial.pt").is_file()
    result = invoke("train", "--run", run, "--config", run / "config.toml", "--force")
    assert result.exit_code == 0, result.output
    assert not (run / "surrogate.initial.pt").exists() and (run / "verified.h5").is_file()


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["--target-mr", 1.2], "impossible"),
    (["--target-m1", 1.01], "impossible"),
    (["--target-hc", -0.1], "cannot be negative"),
    (["--target-hk80", -0.2], "cannot be negative"),
    (["--target-hc", 1.5], "anisotropy field"),
    (["--units", "si", "--target-hc", 7.0], "anisotropy field"),
    (["--units", "si", "--target-mr", 1.7], "cannot exceed Ms"),
    (["--min-mr", 1.1], "impossible"),
    (["--target-hk90", 0.5, "--target-hc", 0.3], "hk"),
    (["--target-hc", 0.2, "--min-hk90", 0.3], "impossible together"),
    (["--learn", 3, "--simulations", 0, "--target-hc", 0.3], "--learn"),
    (["--target-mr", 0.5, "--min-mr", 0.7], "outside"),
    (["--maximize", "hx"], "not an anchor"),
    (["--weight", "mr=2", "--target-hc", 0.3], "not a target"),
    (["--algorithm", "ga", "--maximize", "hc", "--maximize", "mr"], "NSGA-II"),
    (["--algorithm", "cmaes", "--target-hc", 0.3], "--algorithm"),
    (["--population", 1, "--target-hc", 0.3], "--population"),
    ([], "nothing to design"),
])
def test_impossible_requests_end_with_one_line(run, args, message):
    result = invoke("optimize", "--run", run, *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not (run / "designs").exists()


def test_target_outside_the_labels_warns_extrapolation(run):
    result = optimize(run, "--target-hc", 0.8, "--generations", 3)
    assert "extrapolat" in result.output and "0.8" in result.output


def test_no_trained_model_or_design(tmp_path):
    (tmp_path / "config.toml").write_text(tiny_config(**DESIGN).to_toml())
    result = invoke("optimize", "--run", tmp_path, "--target-hc", 0.3)
    assert result.exit_code == 2 and "no trained model" in result.stderr
    result = invoke("verify", "--run", tmp_path)
    assert result.exit_code == 2 and "no designs" in result.stderr


def test_surrogate_assisted_polish_needs_fewer_simulations_for_the_same_hits(voronoi):
    """A model whose error is about the hit window (the engine's anchors plus seeded noise of
    0.02) picks which children are simulated: the seeded polish then meets the goal with fewer
    simulations than the plain one, from the same starts."""
    from invmag.design.polish import PolishSettings, met, polish
    from invmag.physics.simulation import simulate_curves

    cfg = tiny_config(**DESIGN)
    phi = np.stack([voronoi(16, 3, theta, seed) for theta, seed in ((0.9, 1), (1.3, 2))])
    run = lambda s: simulate_curves(s.phi, cfg)  # noqa: E731
    noise = np.random.default_rng(7)

    def model(s):
        return run(s).anchors + noise.normal(0, 0.02, (len(s), 6))

    goal = parse_goal({"hc": 0.3}, {}, {})
    settings = PolishSettings(simulations=48, offspring=4, proposals=16)
    plain = polish(run, Samples.plain(phi), goal, 0.02, settings, seed=3)
    assisted = polish(run, Samples.plain(phi), goal, 0.02, settings, seed=3, predict=model)
    hits = [met(goal, p.simulated, np.ones(2, bool), 0.02).sum() for p in (plain, assisted)]
    assert hits[1] >= hits[0] == 2
    assert assisted.simulations.sum() < 0.7 * plain.simulations.sum(), (
        assisted.simulations, plain.simulations)


def test_the_pool_is_ranked_by_the_ensembles_expected_misfit():
    """Two candidates whose members agree on the mean prediction: the one they disagree on
    comes after the one they agree on, even when its mean is a little closer; for objectives
    alone the mean prediction orders them."""
    from types import SimpleNamespace

    from invmag.design.sources import expected_order

    hc = ANCHORS.index("hc")
    members = np.full((2, 3, 6), 0.5)
    members[:, 0, hc] = [0.300, 0.300]   # agreed, 0.010 off the target 0.31
    members[:, 1, hc] = [0.258, 0.358]   # mean 0.308 (0.002 off), members ±0.05 apart
    members[:, 2, hc] = [0.200, 0.200]   # agreed, far off
    surrogate = SimpleNamespace(predict_members=lambda z, *_: members,
                                predict=lambda z, *_: members.mean(0))
    goal = parse_goal({"hc": 0.31}, {}, {})
    assert expected_order(surrogate, goal, np.zeros((3, 4)), 0.02, None).tolist() == [0, 1, 2]
    # a bound: both means keep hc ≥ 0.29, but one member of candidate 1 breaks it
    bound = parse_goal({}, {"hc": 0.29}, {}, bounds_only=True)
    members[:] = members[:, [1, 0, 2]]   # the disagreed one first: stable order alone won't do
    assert expected_order(surrogate, bound, np.zeros((3, 4)), 0.02, None).tolist() == [1, 0, 2]
    members[:] = members[:, [1, 0, 2]]
    most = parse_goal({}, {}, {}, maximize=["hc"])
    assert expected_order(surrogate, most, np.zeros((3, 4)), 0.02, None).tolist() == [1, 0, 2]
