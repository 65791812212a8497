"""The grain-surface shell (the optional [shell] config section; invmag.data.shell): its cells,
its material under its own temperature law, its draws, its HDF5 columns, the surrogate's channel
and condition, bad inputs, and the engine against magnum.np with the same per-cell tensors."""

import h5py
import numpy as np
import pytest

from invmag.config import config_from_dict, load_config
from invmag.data import generate as generate_module
from invmag.data.boundary import boundary_mask, draw_sample, edge_distance
from invmag.data.generate import LABELLED, generate_data
from invmag.data.sample import BOUNDARY, SHELL, Region, Samples, columns, from_columns, read_samples
from invmag.data.sample_files import SampleStore, read_labels, structure_layout
from invmag.data.shell import (SHELL_KEY, depths, draw_shell, max_shell, shell_mask,
                               shell_region)
from invmag.data.structures import draw, draw_seeds, sample_seed, voronoi
from invmag.models.conditions import (condition_names, condition_values, image_channels,
                                      structure_images)
from invmag.physics.temperature import S_ND2FE14B
from conftest import against_magnumnp, tiny_magnet

SHELL_SECTION = {"thickness": [0.0, 4.0], "K1": [0.0, 0.6], "Js": 0.9, "Tc": 550.0}


def with_shell(cfg, **shell):
    d = cfg.to_dict()
    d["shell"] = {**SHELL_SECTION, **shell}
    return config_from_dict(d)


def straight_edge(nx=40):
    """Two grains meeting along x = 40.5 nm on a 2-nm grid: (grain, dist) of edge_distance."""
    return edge_distance(np.array([[20.5, 40.0], [60.5, 40.0]]), nx, 40, 2.0)


# -- geometry --

@pytest.mark.parametrize("t_b, s, boundary, shell", [
    (0.0, 0.0, [], []), (0.0, 2.0, [], [19, 20]), (0.0, 4.0, [], [18, 19, 20, 21]),
    (2.0, 2.0, [20], [19, 21]), (4.0, 2.0, [19, 20], [18, 21]), (2.0, 4.0, [20], [18, 19, 21, 22]),
])
def test_a_straight_edge_gives_each_grain_a_shell_beside_the_band(t_b, s, boundary, shell):
    """Column ix's centre (2·ix + 1 nm) lies |2·ix + 1 − 40.5| from the edge: 0.5 nm (20),
    1.5 (19), 2.5 (21), 3.5 (18), 4.5 (22); the shell is the columns outside t_b/2 and within
    t_b/2 + s, on both sides."""
    grain, dist = straight_edge()
    band = boundary_mask([[20.5, 40.0], [60.5, 40.0]], 2, 40, 40, 2.0, t_b)
    mask = shell_mask(dist[None], [t_b], [s], 40, 40)[0]
    assert np.flatnonzero(band.all(0)).tolist() == boundary and band.sum() == 40 * len(boundary)
    assert np.flatnonzero(mask.all(0)).tolist() == shell and mask.sum() == 40 * len(shell)
    assert not (mask & band).any()
    sides = grain.reshape(40, 40)[mask]
    assert (sides == 0).sum() == (sides == 1).sum()  # each grain its own shell


def test_a_shell_that_would_swallow_a_grain_is_lowered():
    """Grain 0 is the slab x < 6 nm (seeds at 3 and 9 nm): its deepest centre (1 nm) lies 5 nm
    from the edge, so t_b/2 + s ≤ 5 nm leaves it a cell."""
    grain, dist = edge_distance(np.array([[3.0, 40.0], [9.0, 40.0]]), 40, 40, 2.0)
    depth = depths(grain[None], dist[None])
    assert depth.tolist() == [5.0]
    assert max_shell(np.array([5.0, 5.0, 5.0, np.inf]), [0.0, 2.0, 4.0, 4.0], 2.0).tolist() == \
        [4.0, 4.0, 2.0, np.inf]
    cfg = with_shell(load_config("magnet"), thickness=[0.0, 8.0])
    r = shell_region(np.array([[0.99, 0.5]]), depth, dist[None], np.array([4.0]), cfg)
    assert r.thickness.tolist() == [2.0]
    assert not r.mask[0, :, 0].any() and r.mask[0, :, 1].all()  # centre 3 nm: 2 ≤ 2 < 4


def test_drawn_shells_leave_every_grain_an_interior_cell():
    cfg = with_shell(load_config("magnet"), thickness=[0.0, 8.0])
    for i in range(30):
        seed = sample_seed(cfg.seed, LABELLED, i)
        sample, _ = draw_sample(seed, cfg)
        _, _, seeds = draw_seeds(seed, cfg.grid, cfg.structures)
        grain, _ = edge_distance(seeds, 40, 40, 2.0)
        inside = ~(sample.mask[0] | sample.shell.mask[0]).ravel()
        assert set(grain[inside]) == set(grain), i


# -- material --

def law_ratio(T, Tc):
    """m(T)/m(300 K) of Kuz'min's closed formula with Nd2Fe14B's s and p = 5/2."""
    m = lambda t: np.cbrt(1 - S_ND2FE14B * (t / Tc) ** 1.5 - (1 - S_ND2FE14B) * (t / Tc) ** 2.5)
    return m(T) / m(300.0)


@pytest.mark.parametrize("T", [300.0, 423.0])
def test_the_material_of_a_shell_cell_by_hand(T):
    """A 2 × 2 sample: one main-phase cell, one boundary cell (1.0 T), two shell cells (Js ×
    0.9, K1 × 0.3 at 300 K, Tc 550 K): each cell's Js, A, K1 from the closed formulas."""
    cfg = with_shell(load_config("magnet"))
    b = np.array([[[False, True], [False, False]]])
    sh = np.array([[[False, False], [True, True]]])
    s = Samples(np.zeros((1, 2, 2)), T, {BOUNDARY: Region(b, [2.0], [1.0]),
                                         SHELL: Region(sh, [2.0], [0.9 * 1.61], [0.3 * 4.2e6])})
    cells = s.material(cfg)
    r, q = law_ratio(T, 585.0), law_ratio(T, 550.0)
    want = {"Js": [[1.61 * r, 1.0 * r], [1.449 * q] * 2],
            "A": [[8e-12 * r**2, 8e-12 * (1.0 / 1.61) ** 2 * r**2], [8e-12 * 0.81 * q**2] * 2],
            "K1": [[4.2e6 * r**3, 0.0], [0.3 * 4.2e6 * q**3] * 2]}
    for name, value in want.items():
        np.testing.assert_allclose(getattr(cells, name)[0], value, rtol=1e-12, err_msg=name)


# -- draws --

def test_shells_are_drawn_on_their_own_stream_beside_the_same_samples():
    magnet = load_config("magnet")
    cfg = with_shell(magnet)
    drawn = []
    for i in range(40):
        seed = sample_seed(cfg.seed, LABELLED, i)
        sample, params = draw_sample(seed, cfg)
        plain, plain_params = draw_sample(seed, magnet)
        assert sample.phi.tobytes() == plain.phi.tobytes() and params == plain_params
        np.testing.assert_array_equal(sample.mask, plain.mask)
        np.testing.assert_array_equal(sample.phase, plain.phase)
        again, _ = draw_sample(seed, cfg)
        np.testing.assert_array_equal(again.shell.mask, sample.shell.mask)
        np.testing.assert_array_equal(again.shell_phase, sample.shell_phase)
        u = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SHELL_KEY,))).uniform(
            size=2)
        s, f = draw_shell(seed, cfg)
        assert (s, f) == (2.0 * min(2, int(u[0] * 3)), 0.6 * u[1])
        assert sample.shell.K1[0] == pytest.approx(4.2e6 * f, rel=1e-12)
        assert sample.shell.thickness[0] <= s
        drawn.append((s, f))
    assert {s for s, _ in drawn} == {0.0, 2.0, 4.0}
    quick = load_config("quick")
    shell_only = with_shell(quick)
    sample, params = draw_sample(sample_seed(0, LABELLED, 0), shell_only)
    phi, q_params = draw(sample_seed(0, LABELLED, 0), quick.grid, quick.structures)
    assert sample.phi[0].tobytes() == phi.tobytes() and params == q_params
    assert sample.boundary is None and sample.temperature.tolist() == [300.0]


# -- files and batches --

def shelled(n=3):
    rng = np.random.default_rng(0)
    mask = rng.uniform(size=(n, 4, 5)) < 0.3
    shell = rng.uniform(size=(n, 4, 5)) < 0.3
    shell[1] = False  # a sample of shell thickness 0
    return Samples(rng.uniform(-1.5, 1.5, (n, 4, 5)), [300.0, 350.0, 423.0],
                   {BOUNDARY: Region(mask, np.full(n, 2.0), np.array([0.0, 0.5, 1.0])),
                    SHELL: Region(shell & ~mask, np.array([2.0, 0.0, 4.0]), np.full(n, 1.61),
                                  np.array([0.0, 1e6, 2e6]))})


def test_shells_round_trip_through_batches_and_hdf5(tmp_path):
    s = shelled()
    again = Samples.join([s.take([2]), s.take([0, 1])])
    np.testing.assert_array_equal(again.shell_phase, s.shell_phase[[2, 0, 1]])
    np.testing.assert_array_equal(again.shell.mask, s.shell.mask[[2, 0, 1]])
    layout = structure_layout(4, 5, phases=True, boundary=True, shell=True)
    with SampleStore(tmp_path / "s.h5", layout, 3) as store:
        store.write([0, 1, 2], params=np.zeros((3, 3)), **columns(s, True, True, True))
    with h5py.File(tmp_path / "s.h5", "r") as f:
        back = read_samples(f)
        assert list(f["shell_phase"].attrs["columns"]) == ["shell_thickness_nm", "shell_Js_T",
                                                           "shell_K1_J_per_m3"]
    for name in ("phi", "temperature", "mask", "phase", "shell_phase"):
        np.testing.assert_array_equal(getattr(back, name), getattr(s, name))
    np.testing.assert_array_equal(back.shell.mask, s.shell.mask)
    plain = from_columns(s.phi, s.phase, s.mask)  # a file without the shell columns
    assert plain.shell is None and np.isnan(plain.shell_phase[:, 1:]).all()
    assert set(columns(plain, True, True, True)) == {"phi", "phase", "boundary", "shell",
                                                     "shell_phase"}


def test_generate_stores_the_shells(tmp_path, monkeypatch):
    cfg = with_shell(tiny_magnet(data={"unlabelled": 2, "labelled": 3, "test": 1}))
    monkeypatch.setattr(generate_module, "label_batch", lambda samples, config, progress=None: (
        np.zeros((len(samples), len(cfg.solver.fields()))), np.ones(len(samples), bool)))
    generate_data(cfg, tmp_path / "run")
    labels = read_labels(tmp_path / "run" / "labels.h5")
    for i in range(3):
        sample, _ = draw_sample(sample_seed(cfg.seed, LABELLED, i), cfg)
        np.testing.assert_array_equal(labels.samples.shell.mask[i], sample.shell.mask[0])
        np.testing.assert_array_equal(labels.samples.shell_phase[i], sample.shell_phase[0])
        np.testing.assert_array_equal(labels.samples.phase[i], sample.phase[0])


# -- the surrogate's inputs --

def test_the_shell_is_one_more_channel_and_condition():
    magnet = load_config("magnet")
    cfg = with_shell(magnet)
    assert (image_channels(magnet), image_channels(cfg)) == (2, 3)
    assert condition_names(cfg) == ["boundary_Js_T", "temperature_K", "shell_K1",
                                    "sw_remanence", "sw_switching"]
    s = shelled()
    np.testing.assert_allclose(condition_values(cfg, s)[:, 2], [0.0, 1.0, 2e6 / 4.2e6], rtol=1e-6)
    images = structure_images(s, ("boundary", "shell"))
    np.testing.assert_array_equal(images[:, 2], s.shell.mask)
    np.testing.assert_array_equal(images[:, 1], s.mask)
    with pytest.raises(ValueError, match="shell cells given to a model trained without"):
        structure_images(s, ("boundary",))


# -- bad inputs --

@pytest.mark.parametrize("shell, message", [
    ({"K1": [-0.1, 0.5]}, "shell.K1 must be a list [lo, hi] (× material.K1) with 0 ≤ lo"),
    ({"thickness": [0.0, 3.0]}, "config: shell.thickness must be multiples of grid.cell_size"),
    ({"thickness": [0.0, 10.0]}, "shell.thickness must be ≤ the half-width of the densest"),
    ({"Tc": 440.0}, "config: shell.Tc must be above every temperature drawn"),
    ({"Js": 1.2}, "config: shell.Js must be a number > 0 and ≤ 1"),
])
def test_bad_shells_are_one_line(shell, message):
    with pytest.raises(ValueError) as e:
        with_shell(load_config("magnet"), **shell)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_shell_cells_need_a_shell_section():
    s = shelled()
    with pytest.raises(ValueError, match="shell cells given, but the config has no .shell."):
        s.material(load_config("magnet"))
    bad = Samples(s.phi, 300.0, {SHELL: Region(s.shell.mask, np.full(3, 3.0), s.shell.Js,
                                               s.shell.K1)})
    with pytest.raises(ValueError, match="shell thickness 3 nm is not a multiple of the cell"):
        bad.material(with_shell(load_config("magnet")))


# -- against magnum.np --

CASES = [  # boundary thickness nm, boundary Js T, seed (3 grains, θ ≤ 30°, 16 × 16 cells)
    (0.0, 0.0, 21),
    (2.0, 0.5, 23),  # seed 22 reverses one field step apart (module docstring of the test)
]


@pytest.mark.parametrize("t_b, js_b, seed", CASES)
def test_magnumnp_gives_the_same_anchors_with_a_shell(t_b, js_b, seed):
    """A 2-nm shell of K1 × 0.3 and Js × 0.9, without and with a boundary phase, at 300 K: the
    engine (float32, the paper's protocol) and magnum.np (float64) on the same per-cell
    tensors. The issue asked for every anchor within 0.005; measured: within 7.8e-6 and 4.5e-6,
    M within 7.5e-6 and 1.5e-5. Seed 22 with the boundary differs at one field step: at
    H = −0.30 H_A magnum.np holds a state of M = 0.575 (stationary to a torque of 1e-6, as to
    1e-4) where the engine (float32 and float64 alike) reverses to −0.87, so hk70 and hc lie
    0.0064 and 0.0099 apart: a bifurcation of the reversal path, not of the material."""
    cfg = with_shell(load_config("magnet"))
    phi, seeds = voronoi(16, 16, 2.0, 3, np.radians(30), np.random.default_rng(seed))
    grain, dist = edge_distance(seeds, 16, 16, 2.0)
    band = (dist < t_b / 2 - 1e-9).reshape(1, 16, 16)
    sh = shell_mask(dist[None], [t_b], [2.0], 16, 16)
    assert sh.any() and not (sh | band).all()
    s = Samples(phi, 300.0, {BOUNDARY: Region(band, [t_b], [js_b]),
                             SHELL: Region(sh, [2.0], [0.9 * 1.61], [0.3 * 4.2e6])})
    a, a_ref, M, M_ref = against_magnumnp(phi, s.material(cfg))
    assert np.abs(a - a_ref).max() < 5e-5, (a, a_ref)
    assert np.nanmax(np.abs(M - M_ref)) < 5e-5
