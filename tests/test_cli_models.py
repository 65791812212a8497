"""`invmag info`, `train`, `predict`, `morph`: a small end-to-end run, resuming after a change of
epochs, and bad input that ends in one line on stderr with exit code 2."""

import json
import shutil

import numpy as np
import pytest
import torch

from invmag import ANCHORS
from invmag.config import load_config
from invmag.data.sample import Samples
from invmag.data.sample_files import read_labels
from invmag.design.sources import Candidates
from invmag.models.surrogate import load_surrogate
from invmag.physics.merit import FIGURES, bhmax_error, predicted_figures
from invmag.data.structures import save_structure
from conftest import assert_user_error, invoke, learning_config

PNGS = ("losses.png", "parity.png", "reconstructions.png")






def write_config(path, **sections):
    """conftest.learning_config updated by `sections` (e.g. vae={"latent": 4}) as a TOML file."""
    path.write_text(learning_config(**sections).to_toml())
    return path


@pytest.fixture
def trained(small_trained):
    """The session's small run (conftest.small_trained): (its config's TOML file, run)."""
    cfg, run, _ = small_trained
    return run.parent / f"{cfg.name}.toml", run


@pytest.fixture
def structures(tmp_path):
    rng = np.random.default_rng(3)
    paths = []
    for name, theta in (("a", 1.5), ("b", 0.1)):
        save_structure(tmp_path / f"{name}.npy", rng.uniform(-theta, theta, (16, 16)))
        paths.append(tmp_path / f"{name}.npy")
    return paths


def test_info_prints_the_paper_tables():
    result = invoke("info", "--config", "paper")
    assert result.exit_code == 0, result.output
    for count in ("15 382 256", "14 338 801", "1 502 006", "13 109 248", "Conv2DTrans"):
        assert count in result.output
    assert "holds 4 such regressors" in " ".join(result.output.split())


def test_train_writes_model_metrics_and_plots(trained, small_trained):
    config, run = trained
    assert (run / "surrogate.pt").is_file() and (run / "checkpoints" / "vae.pt").is_file()
    metrics = json.loads((run / "metrics.json").read_text())
    output = small_trained[2]  # train's output
    assert "test MAE" in output and f"{metrics['mae_test']['hc']:.4f}" in output
    assert set(metrics["mae_test"]) == set(ANCHORS) == set(metrics["mae_paper"])
    r = metrics["regressor"]
    assert np.shape(r["cv_curves"]) == (r["folds"], r["max_epochs"])
    assert r["epochs"] == [int(e) + 1 for e in np.argmin(r["cv_curves"], axis=1)]
    assert len(load_surrogate(run).regressor.members) == r["folds"]  # the folds' ensemble
    labels = read_labels(run / "labels.h5")
    train, test = labels.split(metrics["labelled"]["test"])
    assert len(test) == load_config(config).data.test
    mean = np.abs(labels.anchors[test] - labels.anchors[train].mean(0)).mean(0)
    assert all(metrics["mae_test"][a] < 0.8 * m for a, m in zip(ANCHORS, mean))  # it learned
    bh = metrics["bhmax_test_kJ_m3"]  # (BH)max of the test curves, and through their anchors
    material = load_config(config).material
    own = bhmax_error(labels.H, labels.M[test], labels.anchors[test], material)
    assert bh["mean"] == pytest.approx(own["mean"]) and bh["mean"] > 100
    assert bh["mae_anchor_curve"] == pytest.approx(own["mae_predicted"])
    assert 0 < bh["mae_predicted"] < bh["mean"]
    for png in PNGS:
        assert (run / "plots" / png).stat().st_size > 1000


def test_predict_and_morph(trained, structures, tmp_path):
    config, run = trained
    a, b = structures
    result = invoke("predict", a, "--config", config, "--run", run, "--plot", tmp_path / "p.png",
                    "--merit", tmp_path / "m.csv", "--demag-factor", 0.1)
    assert result.exit_code == 0, result.output
    assert "Predicted anchors of a.npy" in result.output and "hk90" in result.output
    assert "Predicted figures of merit, N = 0.1" in result.output
    surrogate = load_surrogate(run, load_config(config), torch.device("cpu"))
    values = surrogate.predict_samples(Samples.plain(np.load(a)))
    expected = predicted_figures(values, surrogate.config.material, 0.1)[0]
    rows = np.genfromtxt(tmp_path / "m.csv", delimiter=",", skip_header=1, usecols=2)
    assert np.isfinite(expected).all()
    np.testing.assert_allclose(rows, expected, rtol=1e-5)
    assert (tmp_path / "p.png").stat().st_size > 1000
    out = tmp_path / "strip.png"
    result = invoke("morph", a, b, "--steps", 3, "--config", config, "--run", run, "--out", out)
    assert result.exit_code == 0, result.output
    rows = out.with_suffix(".csv").read_text().splitlines()
    assert rows[0] == "alpha,m1,mr,hk90,hk80,hk70,hc" and len(rows) == 4
    assert rows[1].startswith("0,") and rows[3].startswith("1,")
    assert out.stat().st_size > 1000


def test_missing_or_untrained_run(tmp_path, structures):
    config = write_config(tmp_path / "small.toml")
    a, b = structures
    for args in (("predict", a), ("morph", a, b)):
        result = invoke(*args, "--config", config, "--run", tmp_path / "none")
        assert_user_error(result, "has no trained model", "invmag train")
    (tmp_path / "file").write_text("")
    assert_user_error(invoke("train", "--config", config, "--run", tmp_path / "file"), "is a file")
    odd = write_config(tmp_path / "odd.toml", grid={"nx": 9, "ny": 9})
    assert_user_error(invoke("train", "--config", odd, "--run", tmp_path / "odd"),
                      "halves to ≥ 5 cells")
    assert not (tmp_path / "odd").exists()  # refused before any data is generated


def test_bad_input_to_a_trained_run(trained, tmp_path):
    config, run = trained
    save_structure(tmp_path / "big.npy", np.zeros((20, 20)))
    assert_user_error(invoke("predict", tmp_path / "big.npy", "--config", config, "--run", run),
                      "16 × 16 cells")
    assert_user_error(invoke("predict", tmp_path / "no.npy", "--config", config, "--run", run),
                      "no such structure file")
    other = write_config(tmp_path / "other.toml", vae={"latent": 4})
    assert_user_error(invoke("predict", tmp_path / "big.npy", "--config", other, "--run", run),
                      "trained with a different config", "vae.latent")
    assert_user_error(invoke("train", "--config", config, "--run", run),
                      "already has a trained model", "--force")
    assert_user_error(invoke("train", "--config", other, "--run", run),
                      "already has a trained model")


def test_train_force_never_deletes_data(trained, tmp_path):
    """`train --force` passed its force on to generate, which deleted the data files of a run
    whose sample keys changed: hours of simulations gone on a flag that reads as "retrain"."""
    run = tmp_path / "run"
    shutil.copytree(trained[1], run)
    before = {name: (run / name).read_bytes() for name in ("structures.h5", "labels.h5")}
    other = write_config(tmp_path / "other.toml", solver={"tolerance": 2e-4})
    assert_user_error(invoke("train", "--config", other, "--run", run, "--force"),
                      "of other samples", "solver.tolerance", "invmag generate --force")
    assert {name: (run / name).read_bytes() for name in before} == before


def _cut(name):
    def damage(run):  # a copy that stopped half way
        path = run / name
        path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])
    return damage


def _scramble(name):
    def damage(run):  # same size, other bytes
        path = run / name
        path.write_bytes(bytes(range(256)) * (path.stat().st_size // 256))
    return damage


def _old_model(run):
    """A model file of format 1 (one regressor, before the ensemble)."""
    state = torch.load(run / "surrogate.pt", weights_only=True)
    regressor = {k.split(".", 2)[2]: v for k, v in state["regressor"].items()
                 if k.startswith("members.0.")}
    torch.save({**state, "format": 1, "regressor": regressor}, run / "surrogate.pt")


def _bad_config(old, new):
    def damage(run):
        (run / "bad.toml").write_text((run / "config.toml").read_text().replace(old, new, 1))
    return damage


A, BIG, EMPTY = "{tmp}/a.npy", "{tmp}/big.npy", "{tmp}/empty.npy"
BAD_INPUT = {  # case: (damage to a copy of the trained run, command, fragments of the error)
    "labels.h5 truncated": (_cut("labels.h5"), ["train", "--force"],
                            ["labels.h5 cannot be opened"]),
    "labels.h5 corrupt": (_scramble("labels.h5"), ["generate"], ["labels.h5 cannot be opened"]),
    "structures.h5 truncated": (_cut("structures.h5"), ["generate"],
                                ["structures.h5 cannot be opened"]),
    "structures.h5 corrupt": (_scramble("structures.h5"), ["train", "--force"],
                              ["structures.h5 cannot be opened"]),
    "surrogate.pt truncated": (_cut("surrogate.pt"), ["predict", A],
                               ["surrogate.pt cannot be read: truncated", "invmag train --force"]),
    "surrogate.pt corrupt": (_scramble("surrogate.pt"), ["morph", A, A],
                             ["surrogate.pt cannot be read: truncated or not a model file"]),
    "older model file": (_old_model, ["predict", A],
                         ["surrogate.pt is not a model file of format 2 (found 1)"]),
    "other grid, predict": (None, ["predict", BIG], ["big.npy: 20 × 20 cells", "16 × 16"]),
    "other grid, morph": (None, ["morph", A, BIG], ["big.npy: 20 × 20 cells", "16 × 16"]),
    "empty .npy": (None, ["predict", EMPTY], ["empty.npy: empty structure of shape (0, 16)"]),
    "NaN target": (None, ["optimize", "--target-hc", "nan"], ["--target-hc = nan"]),
    "infinite target": (None, ["optimize", "--target-mr", "inf"], ["--target-mr = inf"]),
    "negative target": (None, ["optimize", "--target-hc", "-0.3"], ["--target-hc = -0.3"]),
    "unknown config key": (_bad_config("[grid]", "[grid]\nnz = 1"), ["train", "--force"],
                           ["grid.nz is an unknown key"]),
    "wrong config type": (_bad_config("latent = 8", 'latent = "8"'), ["predict", A],
                          ["vae.latent must be an integer ≥ 1, got '8'"]),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_one_line_and_nothing_is_written_or_lost(trained, tmp_path, case):
    damage, command, fragments = BAD_INPUT[case]
    run = tmp_path / "run"
    shutil.copytree(trained[1], run)
    save_structure(tmp_path / "a.npy", np.zeros((16, 16)))
    save_structure(tmp_path / "big.npy", np.zeros((20, 20)))
    np.save(tmp_path / "empty.npy", np.zeros((0, 16), np.float32))
    config = run / "config.toml"
    if damage is not None:
        damage(run)
        config = run / "bad.toml" if (run / "bad.toml").exists() else config
    files = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    args = [str(a).format(tmp=tmp_path) for a in command]
    assert_user_error(invoke(*args, "--config", config, "--run", run), *fragments)
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == files


def test_more_epochs_resume_from_the_checkpoint(trained, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(trained[1], run)
    n = load_config(trained[0]).vae.epochs  # the VAE epochs it was trained for
    brief = {"max_epochs": 4}  # the regressor, retrained each time, is not what is tested
    more = write_config(tmp_path / "more.toml", vae={"epochs": n + 1}, regressor=brief)
    assert_user_error(invoke("train", "--config", more, "--run", run), "--force")
    result = invoke("train", "--config", more, "--run", run, "--force")
    assert result.exit_code == 0, result.output
    assert f"resumed from its checkpoint at epoch {n}" in result.output
    history = json.loads((run / "metrics.json").read_text())["vae"]["history"]
    assert [(h["epoch"], h["session"]) for h in history] == [(e, 1) for e in range(1, n + 1)] + [
        (n + 1, 2)]
    again = write_config(tmp_path / "again.toml", regressor=brief)  # n epochs again
    result = invoke("train", "--config", again, "--run", run, "--force")
    assert result.exit_code == 0, result.output
    # the checkpoint of more epochs was replaced silently
    assert f"holds {n + 1} epochs, more than vae.epochs = {n}" in result.output


# -- held-out labels and the data as a design source ----------------------------------------
def held_run(trained, tmp_path, box):
    """A copy of the trained run retrained (regressor; the VAE resumes) with `--hold-out box`."""
    run = tmp_path / "held"
    shutil.copytree(trained[1], run)
    result = invoke("train", "--config", trained[0], "--run", run, "--force", "--hold-out", box)
    assert result.exit_code == 0, result.output
    return run


def test_hold_out_removes_exactly_the_labels_inside_the_boxes(trained, tmp_path, monkeypatch):
    from invmag.data.holdout import describe, inside, parse_box

    labels = read_labels(trained[1] / "labels.h5")
    mid = np.median(labels.anchors[labels.good, 5])
    lo, hi = mid - 0.05, mid + 0.05  # wider than the hit window: no label outside meets mid
    box = f"hc={lo:.4f}:{hi:.4f}"
    run = held_run(trained, tmp_path, box)
    train, test = labels.split(load_config(trained[0]).data.test)
    held = inside(labels.anchors, [parse_box(box)])
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["hold_out"] == [describe(parse_box(box))]
    assert metrics["labelled"]["held_out"] == held[labels.good].sum() > 20
    assert metrics["labelled"]["train"] == (~held[train]).sum() < len(train)
    assert metrics["labelled"]["test"] == (~held[test]).sum() < len(test)
    model = load_surrogate(run)
    assert model.hold_out == (parse_box(box),)  # kept with the model for its design searches
    kept = train[~held[train]]  # the label range it saw: the kept training labels only
    np.testing.assert_allclose(model.label_max, labels.anchors[kept].max(0), rtol=1e-6)
    # a target in the hole is not refused; nothing in the hole is returned or polished from:
    # every structure the design takes from the data (designs at zero simulations and polish
    # starts, by file and row) is recorded on its way in
    taken = []

    def recording(self, rows):
        out = take(self, rows)
        taken.extend(zip(out.source, out.row))
        return out

    take = Candidates.take
    monkeypatch.setattr(Candidates, "take", recording)
    result = invoke("optimize", "--run", run, "--target-hc", mid, "--top", 2,
                    "--simulations", 4, "--pool", 0, "--generations", 2)
    assert result.exit_code == 0, result.output
    from invmag.design.design_folder import read_design
    d = read_design(run / "designs" / "001")
    starts = [row for file, row in taken if file == "labels.h5"]
    assert len(starts) >= 2  # the data did offer polish starts: the next line can fail
    assert not held[starts].any(), np.array(starts)[held[starts]]  # none in the hole
    returned = d.row[d.source == "labels.h5"]  # and no design began from a held-out label
    assert set(returned) <= set(starts) and not held[returned].any()
    assert d.meta["from_data"] == 0 and d.meta["hold_out"] == metrics["hold_out"]
    from invmag.design.sources import known_structures
    known = known_structures(run, (16, 16), model.hold_out)  # the data a search may start from
    labelled = known.source == "labels.h5"
    assert sorted(known.row[labelled]) == list(np.flatnonzero(labels.good & ~held))


def test_the_pool_is_ranked_by_the_trained_members_expected_misfit(trained, tmp_path,
                                                                    monkeypatch):
    """On the trained two-member ensemble and real pool structures: the pool's order is that of
    the expected misfit, the members' mean score, computed here from each member's predictions
    (the misfit of the members' mean prediction orders them otherwise); the pool route's starts
    (pool_starts, and those `optimize --pool` hands to the polish) are the best distinct ones
    in that order, and the first simulated."""
    import invmag
    import invmag.design.optimize as optimize_module
    from invmag.design.optimize import Settings
    from invmag.design.sources import draw_pool, expected_order, pool_starts
    from invmag.design.targets import parse_goal

    run = tmp_path / "run"
    shutil.copytree(trained[1], run)
    opened = invmag.open_run(run)
    cfg, model = opened.config, opened.surrogate
    assert len(model.regressor.members) == 2
    labels = read_labels(run / "labels.h5")
    targets = {a: float(np.median(labels.anchors[labels.good, ANCHORS.index(a)]))
               for a in ("hc", "mr")}
    goal, window, N, seed = parse_goal(targets, {}, {}), 0.02, 400, 1
    pool = draw_pool(cfg, N, seed)
    phi = pool.phi
    z = model.encode(pool)
    members = model.predict_members(z)  # (2, N, 6)

    def misfit(anchors):  # the polish's score of targets: Σ ((anchor − target) / window)²
        return sum(((anchors[..., ANCHORS.index(a)] - t) / window) ** 2
                   for a, t in targets.items())

    expected = misfit(members).mean(0)
    of_mean = misfit(members.mean(0))
    order = expected_order(model, goal, z, window, pool)
    assert sorted(order) == list(range(N))
    rises = np.diff(expected[order])  # best first by expected misfit (to roundoff)
    assert rises.min() > -1e-9, f"not by expected misfit: it falls by {-rises.min():.3g}"
    # the check can tell: by the mean's misfit (or at random) the order is far from sorted
    by_mean = np.argsort(of_mean, kind="stable")
    assert np.diff(expected[by_mean]).min() < -1 and set(by_mean[:20]) != set(order[:20])

    def distinct(rows, n, distance):  # the first rows whose mean |Δkx| to each taken ≥ distance
        taken = []
        for i in rows:
            if all(np.abs(np.sin(phi[i]) - np.sin(phi[j])).mean() >= distance for j in taken):
                taken.append(i)
        return taken[:n]

    settings = Settings.from_config(cfg, goal, pool=N, seed=seed)
    best = distinct(np.argsort(expected, kind="stable")[:32], 4, settings.distinct)
    starts = pool_starts(model, cfg, goal, settings, 4, True)
    assert list(starts.source) == ["pool"] * 4
    np.testing.assert_array_equal(starts.samples.phi, phi[best])
    # the command line's pool route: the starts it hands to the polish, best first
    handed = []

    def recording(simulate, starts, *args, **kwargs):
        p = polish(simulate, starts, *args, **kwargs)
        handed.append((starts.phi, p.screened))
        return p

    polish = optimize_module.polish
    monkeypatch.setattr(optimize_module, "polish", recording)
    result = invoke("optimize", "--run", run, "--target-hc", targets["hc"], "--target-mr",
                    targets["mr"], "--top", 1, "--simulations", 2, "--pool", N, "--seed", seed,
                    "--generations", 2, "--no-data")
    assert result.exit_code == 0, result.output
    (given, screened), = handed
    np.testing.assert_array_equal(given[:4], phi[best])  # pool starts first, then the search's
    assert screened[0] == 0  # the best pool start was the first simulated


@pytest.mark.parametrize("box, fragment", [
    ("hx=0.1:0.2", "'hx' is not an anchor"),
    ("hc=0.3:0.2", "empty or inverted"),
    ("hc=0.3:0.3", "empty or inverted"),
    ("hc=0.1", "expected ANCHOR=LOW:HIGH"),
    ("hc=0:1", "too few to train"),
])
def test_bad_hold_out_is_one_line_and_trains_nothing(trained, tmp_path, box, fragment):
    run = tmp_path / "run"
    shutil.copytree(trained[1], run)
    files = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    assert_user_error(invoke("train", "--config", trained[0], "--run", run, "--force",
                             "--hold-out", box), fragment)
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == files


def test_the_data_answers_a_goal_it_meets_at_zero_simulations(trained, tmp_path):
    from invmag.design.design_folder import read_design

    run = tmp_path / "run"
    shutil.copytree(trained[1], run)
    labels = read_labels(run / "labels.h5")
    target = float(np.median(labels.anchors[labels.good, 5]))
    result = invoke("optimize", "--run", run, "--target-hc", target, "--top", 3, "--pool", 0)
    assert result.exit_code == 0, result.output
    d = read_design(run / "designs" / "001")
    assert list(d.source) == ["labels.h5"] * 3 and d.meta["simulations"] == 0
    assert d.meta["from_data"] == 3 and (d.simulations == 0).all()
    assert not (run / "verified.h5").exists()  # nothing was simulated
    for i, row in enumerate(d.row):  # the labelled structures themselves, as simulated
        assert d.samples.phi[i].tobytes() == labels.samples.phi[row].tobytes()
        assert d.simulated[i] == pytest.approx(labels.anchors[row])
        assert abs(labels.anchors[row, 5] - target) <= 0.02 and labels.good[row]
    assert f"labels.h5:{d.row[0]}" in result.output and "from the run's data" in result.output
    material = load_config(trained[0]).material  # figures of merit: simulated, then predicted
    row = next(line for line in result.output.splitlines() if "BHmax" in line).split("│")
    i = FIGURES.index("BHmax")
    assert row[3].strip() == f"{predicted_figures(d.simulated[:1], material)[0, i]:.4g}"
    assert row[4].strip() == f"{predicted_figures(d.predicted[:1], material)[0, i]:.4g}"
    v = invoke("verify", "--run", run)  # simulated again: they hit
    assert "hit rate: 3/3" in v.output, v.output
    # a goal no label meets: no design from the data, new structures simulated
    beyond = labels.anchors[labels.good, 5].max() + 0.05
    result = invoke("optimize", "--run", run, "--target-hc", beyond, "--top", 1,
                    "--simulations", 4, "--pool", 0, "--generations", 2)
    d = read_design(run / "designs" / "002")
    assert d.meta["from_data"] == 0 and d.meta["simulations"] > 0
    # --no-data: new structures only, even where the data meets the goal
    result = invoke("optimize", "--run", run, "--target-hc", target, "--top", 1,
                    "--simulations", 4, "--pool", 0, "--generations", 2, "--no-data")
    d = read_design(run / "designs" / "003")
    assert d.meta["from_data"] == 0 and d.source[0] == "search" and d.row[0] == -1
