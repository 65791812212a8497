"""Real magnets in the data: the grain-boundary phase and the operating temperature (the optional
[boundary] and [temperature] config sections; invmag.data.boundary). No simulation runs here:
label_batch's call of the solver is checked with a stand-in."""

import hashlib

import h5py
import numpy as np
import pytest

from invmag.config import config_from_dict, load_config, parse_config
from invmag.data import generate as generate_module
from invmag.data import labels as labels_module
from invmag.data.boundary import (EPS, boundary_mask, boundary_masks, draw_phase, draw_sample,
                                  edge_distance)
from invmag.data.generate import LABELLED, UNLABELLED, generate_data
from invmag.data.run_folder import SAMPLE_KEYS, config_changes
from invmag.data.sample import Samples, from_columns
from invmag.data.sample_files import read_labels, structure_layout
from invmag.data.structures import draw, sample_seed
from invmag.physics.temperature import material_at, scale_at
from conftest import tiny_config, tiny_magnet

# sha256 of quick.to_toml() and paper.to_toml() before the optional sections existed
TOML_SHA256 = {"quick": "5737890bea8d25d6655f1f2fe30e3bafeee123429014b1d67f48b014369cd235",
               "paper": "65a0d174521e01b2b56c04527a0b1efd1f4f45fd64fe1e4a645ec774511b1fc4"}
# the quick config's first labelled structures before data.boundary existed: seed, params, phi
QUICK_DRAWS = [(5634659350049889, (10, 2.7269965433620165), "c0f77076406491326f25"),
               (1297343548419186, (16, 2.618070226591445), "c7d26d855375b953923c"),
               (4515543422309131, (2, 0.27842874270684903), "3ab9f52bbd54c09346c0")]


# -- geometry --

@pytest.mark.parametrize("edge, thickness, columns", [
    (40.5, 0.0, []), (40.5, 2.0, [20]), (40.5, 4.0, [19, 20]), (40.5, 6.0, [19, 20, 21]),
    (40.0, 4.0, [19, 20]), (40.0, 2.0, []),  # on a cell face: its nearest centres are 1 nm off
])
def test_a_straight_edge_gives_a_band_of_the_thickness(edge, thickness, columns):
    """Two grains meeting along x = edge nm on a 2-nm grid: the band is the columns whose
    centres (2·ix + 1 nm) lie within thickness/2 of the edge."""
    seeds = np.array([[edge - 20.0, 40.0], [edge + 20.0, 40.0]])  # a vertical bisector
    mask = boundary_mask(seeds, 2, 40, 40, 2.0, thickness)
    assert mask.shape == (40, 40) and mask.dtype == bool
    assert mask.sum() == 40 * len(columns)
    assert np.flatnonzero(mask.all(0)).tolist() == columns


def test_a_tilted_edge_and_one_grain():
    """The cells of a 45° edge x + y = 40 nm within 2 nm: |x + y − 40|/√2 < 2 by brute force;
    one grain has no edge at all."""
    mask = boundary_mask([[10.0, 10.0], [30.0, 30.0]], 2, 20, 20, 2.0, 4.0)
    iy, ix = np.mgrid[0:20, 0:20]
    x, y = 2 * ix + 1.0, 2 * iy + 1.0
    np.testing.assert_array_equal(mask, np.abs(x + y - 40) / np.sqrt(2) < 2 - EPS)
    assert not boundary_mask([[5.0, 7.0]], 1, 20, 20, 2.0, 8.0).any()
    stacked = boundary_masks(np.array([[[10.0, 10.0], [30.0, 30.0]]] * 2), [2, 1], 20, 20, 2.0,
                             [4.0, 4.0])
    np.testing.assert_array_equal(stacked[0], mask)
    assert not stacked[1].any()  # its second seed is not one of its grains


def test_edge_distance_is_the_brute_force_one_beyond_the_nearest_seeds():
    """40 seeds (more than the 16 looked at first): the same grains and distances as the
    minimum over every other seed."""
    seeds = np.random.default_rng(3).uniform(0, 60, (40, 2))
    grain, dist = edge_distance(seeds, 30, 30, 2.0)
    iy, ix = np.mgrid[0:30, 0:30]
    x = np.c_[ix.ravel() + 0.5, iy.ravel() + 0.5] * 2.0
    d2 = ((x[:, None] - seeds[None]) ** 2).sum(-1)
    i = d2.argmin(1)
    sep = np.linalg.norm(seeds[None] - seeds[i][:, None], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (d2 - d2[np.arange(len(x)), i][:, None]) / (2 * sep)
    d[sep == 0] = np.inf
    np.testing.assert_array_equal(grain, i)
    np.testing.assert_allclose(dist, d.min(1), rtol=0, atol=1e-9)


@pytest.mark.parametrize("thickness, message", [
    (3.0, "boundary thickness 3 nm is not a multiple of the cell size (2 nm)"),
    (-2.0, "boundary thickness must be a number ≥ 0 nm"),
    (12.0, "boundary thickness 12 nm leaves grain 0 without interior cells (at most 10 nm"),
])
def test_bad_thickness_is_one_line(thickness, message):
    """Grain 0 is the slab x < 6 nm: its deepest centre (1 nm) is 5 nm from the edge."""
    seeds = [[3.0, 40.0], [9.0, 40.0]]
    widest = boundary_mask(seeds, 2, 40, 40, 2.0, 10.0)  # centres 3, 5 | 7, 9 nm: d < 5 nm
    assert np.flatnonzero(widest.any(0)).tolist() == [1, 2, 3, 4] and widest[:, 1:5].all()
    with pytest.raises(ValueError) as e:
        boundary_mask(seeds, 2, 40, 40, 2.0, thickness)
    assert message in str(e.value) and "\n" not in str(e.value)


# -- draws --

def test_the_quick_configs_structures_are_as_they_were():
    quick = load_config("quick")
    for seed, params, digest in QUICK_DRAWS:
        phi, got = draw(seed, quick.grid, quick.structures)
        assert got == (*params, seed)
        assert hashlib.sha256(phi.tobytes()).hexdigest()[:20] == digest


def test_phases_are_drawn_from_the_seed_beside_the_same_structures():
    magnet, quick = load_config("magnet"), load_config("quick")
    seeds = [sample_seed(magnet.seed, LABELLED, i) for i in range(300)]
    assert seeds[:3] == [s for s, _, _ in QUICK_DRAWS]  # magnet keeps quick's seed
    drawn = [draw_sample(s, magnet) for s in seeds[:40]]
    for s, (sample, params) in zip(seeds, drawn):
        again, again_params = draw_sample(s, magnet)
        assert sample.phi.tobytes() == again.phi.tobytes() and params == again_params
        np.testing.assert_array_equal(sample.mask, again.mask)
        np.testing.assert_array_equal(sample.phase, again.phase)
        q_phi, q_params = draw(s, quick.grid, quick.structures)
        assert sample.phi[0].tobytes() == q_phi.tobytes() and params == q_params
        # one grain: no edge
        assert sample.mask.any() == (sample.phase[0, 0] > 0 and params[0] > 1)
    phases = np.array([draw_phase(s, magnet) for s in seeds])
    assert set(phases[:, 0]) == {0.0, 2.0, 4.0}
    assert 0 <= phases[:, 1].min() and phases[:, 1].max() <= 1.2
    assert 300 <= phases[:, 2].min() and phases[:, 2].max() <= 450
    assert phases[:, 2].std() > 30  # spread over the range, not stuck at one end
    # each section's draws do not depend on the other being there
    no_t = tiny_magnet(temperature=False)
    no_b = tiny_magnet(boundary=False)
    for s in seeds[:5]:
        t, js, T = draw_phase(s, tiny_magnet())
        assert draw_phase(s, no_t)[:2] == (t, js) and draw_phase(s, no_t)[2] == 300.0
        assert draw_phase(s, no_b)[2] == T and draw_phase(s, no_b)[0] == 0.0
        assert np.isnan(draw_phase(s, no_b)[1])
        assert draw_sample(s, no_b)[0].boundary is None


def test_a_thickness_that_would_swallow_a_grain_is_lowered():
    """With 16 grains in 32 × 32 nm² some grains are a few cells: the drawn 8 nm is lowered to
    the largest thickness that leaves each grain an interior cell, and that is what is stored."""
    cfg = tiny_magnet(boundary={"thickness": [8.0, 8.0], "Js": [0.5, 0.5], "K1": 0.0},
                      structures={"grain_density": [15625.0, 15625.0]})
    lowered = 0
    for s in range(30):
        sample, (n, _, _) = draw_sample(s, cfg)
        mask, (t, js, _) = sample.mask[0], sample.phase[0]
        assert n == 16 and t in (0.0, 2.0, 4.0, 6.0, 8.0) and js == 0.5
        lowered += t < 8
        np.testing.assert_array_equal(mask, boundary_mask(
            _seeds_of(s, cfg), n, 16, 16, 2.0, t))  # raises if a grain lost its interior
    assert lowered > 0


def _seeds_of(seed, cfg):
    from invmag.data.structures import draw_seeds
    return draw_seeds(seed, cfg.grid, cfg.structures)[2]


# -- configs --

def test_quick_and_paper_are_unchanged_and_magnet_round_trips():
    for name, digest in TOML_SHA256.items():
        cfg = load_config(name)
        assert hashlib.sha256(cfg.to_toml().encode()).hexdigest() == digest
        assert cfg.boundary is None and cfg.temperature is None
        assert "boundary" not in cfg.to_dict() and "temperature" not in cfg.to_dict()
    magnet = load_config("magnet")
    assert parse_config(magnet.to_toml()) == magnet
    assert (magnet.boundary.thickness, magnet.boundary.Js, magnet.boundary.K1) == \
        ((0.0, 4.0), (0.0, 1.2), 0.0)
    assert magnet.temperature.range == (300.0, 450.0)
    quick = load_config("quick")
    assert magnet.to_dict() | {"name": "quick", "boundary": None, "temperature": None} == \
        quick.to_dict() | {"boundary": None, "temperature": None}  # quick + the two sections
    changed = [c for c in config_changes(quick, magnet) if c.startswith(SAMPLE_KEYS)]
    assert any(c.startswith("boundary.thickness") for c in changed)
    assert any(c.startswith("temperature.range") for c in changed)
    d = magnet.to_dict()
    del d["boundary"]["K1"]  # optional: 0 J/m³
    assert config_from_dict(d) == magnet


@pytest.mark.parametrize("section, value, message", [
    ("boundary", {"thickness": [1.0, 4.0]}, "boundary.thickness must be multiples of grid.cell"),
    ("boundary", {"thickness": [4.0, 2.0]}, "boundary.thickness must be a list [lo, hi] of nm"),
    ("boundary", {"thickness": [-2.0, 2.0]}, "boundary.thickness must be a list [lo, hi] of nm"),
    ("boundary", {"Js": [0.0, 1.7]}, "boundary.Js must be ≤ material.Js, got [0.0, 1.7]"),
    ("boundary", {"Js": [-0.1, 1.0]}, "boundary.Js must be a list [lo, hi] of T with 0 ≤ lo"),
    ("boundary", {"K1": -1.0}, "boundary.K1 must be a number ≥ 0"),
    ("boundary", {"A": 1e-12}, "boundary.A is an unknown key"),
    ("temperature", {"range": [0.0, 400.0]}, "temperature.range must be a list [lo, hi] of K"),
    ("temperature", {"range": [300.0, 585.0]}, "with 135 ≤ lo ≤ hi < 585, got [300.0, 585.0]"),
    ("temperature", {"range": [20.0, 180.0]}, "with 135 ≤ lo ≤ hi < 585, got [20.0, 180.0]"),
    ("temperature", {"range": [400.0, 300.0]}, "temperature.range must be a list [lo, hi] of K"),
    ("temperature", {"range": 300.0}, "temperature.range must be a list [lo, hi] of K"),
    ("temperature", {"range": [300.0, "hot"]}, "temperature.range must be a list [lo, hi] of K"),
])
def test_bad_sections_name_the_key(section, value, message):
    d = load_config("magnet").to_dict()
    d[section].update(value)
    with pytest.raises(ValueError) as e:
        config_from_dict(d)
    assert str(e.value).startswith("config: ") and message in str(e.value)
    assert "\n" not in str(e.value)


# -- the material of a label --

@pytest.mark.parametrize("T", [300.0, 423.0])
def test_label_cells_follow_the_temperature_and_boundary_laws(T):
    cfg = tiny_magnet(boundary={"thickness": [0.0, 4.0], "Js": [0.0, 1.2], "K1": 1e5})
    m = cfg.material
    masks = np.zeros((3, 16, 16), bool)
    masks[0, :, 7:9] = masks[1, 3, :] = True  # sample 2: no boundary cells
    phase = np.array([[4.0, 0.8, T], [2.0, 0.0, T], [0.0, np.nan, T]])
    cells = from_columns(np.zeros((3, 16, 16)), phase, masks).material(cfg)
    main = material_at(T, m)
    j, k, a = scale_at(T)
    assert cells.Js.shape == (3, 16, 16)
    for name in ("Js", "A", "K1"):
        np.testing.assert_allclose(getattr(cells, name)[~masks], getattr(main, name), rtol=1e-14)
    np.testing.assert_allclose(cells.Js[0][masks[0]], 0.8 * j, rtol=1e-14)
    np.testing.assert_allclose(cells.A[0][masks[0]], m.A * (0.8 / m.Js) ** 2 * a, rtol=1e-14)
    np.testing.assert_allclose(cells.K1[0][masks[0]], 1e5 * k, rtol=1e-14)
    # at T the boundary's A is still A(T)·(Js_b(T)/Js(T))²
    np.testing.assert_allclose(cells.A[0][masks[0]], main.A * (0.8 * j / main.Js) ** 2,
                               rtol=1e-12)
    assert (cells.Js[1][masks[1]] == 0).all() and (cells.A[1][masks[1]] == 0).all()
    if T == 300.0:
        assert (main.Js, main.A, main.K1) == (m.Js, m.A, m.K1)
        assert cells.main()[2] == m
    else:
        assert 0.8 < j < 1 and k < j and main.Js == m.Js * j
    uniform = from_columns(np.zeros((3, 16, 16)), phase).material(tiny_magnet(boundary=False))
    np.testing.assert_array_equal(uniform.Js, np.full((3, 16, 16), main.Js))


@pytest.mark.parametrize("phase, masks, message", [
    ([2.0, 0.5, 0.0], True, "0 K lies below Nd2Fe14B's spin reorientation (135 K)"),
    ([2.0, 0.5, 585.0], True, "temperature must lie in [135, 585) K, got 585"),
    ([2.0, 0.5, -10.0], None, "-10 K lies below Nd2Fe14B's spin reorientation (135 K)"),
    ([2.0, -0.1, 300.0], True, "boundary Js must lie in [0, 1.61] T (the main phase's), got -0.1"),
    ([2.0, 1.7, 300.0], True, "boundary Js must lie in [0, 1.61] T (the main phase's), got 1.7"),
    ([3.0, 0.5, 300.0], True, "boundary thickness 3 nm is not a multiple of the cell size"),
])
def test_bad_label_material_is_one_line(phase, masks, message):
    cfg = tiny_magnet()
    m = None
    if masks:
        m = np.zeros((1, 16, 16), bool)
        m[0, 5] = True
    with pytest.raises(ValueError) as e:
        from_columns(np.zeros((1, 16, 16)), np.array([phase]), m).material(cfg)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_boundary_cells_need_a_boundary_section():
    m = np.zeros((1, 16, 16), bool)
    m[0, 5] = True
    with pytest.raises(ValueError, match=r"no \[boundary\] section"):
        from_columns(np.zeros((1, 16, 16)), np.array([[2.0, 0.5, 300.0]]), m).material(
            tiny_magnet(boundary=False))
    with pytest.raises(ValueError, match=r"must fit grain maps \(1, 16, 16\)"):
        Samples(np.zeros((1, 16, 16)), 300.0,
                {"boundary": from_columns(np.zeros((1, 8, 16)), [[2.0, 0.5, 300.0]],
                                          m[:, :8]).boundary})


# -- the run files and the solver's input --

def test_label_batch_gives_the_solver_per_cell_material(monkeypatch):
    seen = {}

    class SimulatedCurves:
        M = np.zeros((2, 3))
        converged = np.ones(2, bool)

    def fake(phis, cfg, **kwargs):
        seen.update(kwargs, cfg=cfg)
        return SimulatedCurves

    monkeypatch.setattr(labels_module, "simulate_curves", fake)
    cfg = tiny_magnet()
    masks = np.zeros((2, 16, 16), bool)
    masks[1, :, 3] = True
    phase = np.array([[0.0, 0.3, 350.0], [2.0, 0.3, 400.0]])
    labels_module.label_batch(from_columns(np.zeros((2, 16, 16)), phase, masks), cfg.to_dict())
    assert seen["cfg"] == cfg
    cells = seen["cells"]
    assert cells.Js[0, 0, 0] == material_at(350.0, cfg.material).Js
    assert cells.Js[1, 0, 3] == pytest.approx(0.3 * scale_at(400.0)[0], rel=1e-14)
    seen.clear()
    labels_module.label_batch(Samples.plain(np.zeros((2, 16, 16))), tiny_config().to_dict())
    assert seen["cells"] is None  # a config without phases: the solver as before


def test_generate_stores_the_phases_and_passes_them_to_the_labels(tmp_path, monkeypatch):
    """structures.h5 and labels.h5 of a magnet config hold phase (N, 3) and boundary (N, ny, nx)
    as draw_sample gives them, and label_batch gets the labelled ones."""
    calls = []

    def fake_labels(samples, config, progress=None):
        calls.append(samples)
        return np.zeros((len(samples), len(cfg.solver.fields()))), np.ones(len(samples), bool)

    monkeypatch.setattr(generate_module, "label_batch", fake_labels)
    cfg = tiny_magnet(data={"unlabelled": 4, "labelled": 5, "test": 1})
    generate_data(cfg, tmp_path / "run")
    for name, stream, n in (("structures.h5", UNLABELLED, 4), ("labels.h5", LABELLED, 5)):
        with h5py.File(tmp_path / "run" / name, "r") as f:
            assert list(f["phase"].attrs["columns"]) == ["boundary_thickness_nm",
                                                         "boundary_Js_T", "temperature_K"]
            assert f["boundary"].shape == (n, 16, 16) and f["boundary"].dtype == bool
            assert f["boundary"].chunks == (1, 16, 16) and "phases" in f.attrs
            for i in range(n):
                sample, params = draw_sample(sample_seed(cfg.seed, stream, i), cfg)
                assert f["phi"][i].tobytes() == sample.phi[0].tobytes()
                np.testing.assert_array_equal(f["boundary"][i], sample.mask[0])
                np.testing.assert_array_equal(f["phase"][i], sample.phase[0])
    labels = read_labels(tmp_path / "run" / "labels.h5")
    got = Samples.join(calls)
    np.testing.assert_array_equal(got.mask, labels.samples.mask)
    np.testing.assert_array_equal(got.phase, labels.samples.phase)
    assert labels.samples.phase.shape == (5, 3)


def test_the_quick_layout_is_unchanged():
    assert set(structure_layout(16, 16)) == {"phi", "params", "done"}
    assert set(structure_layout(16, 16, phases=True)) == {"phi", "params", "done", "phase"}


def test_labels_of_a_magnet_run_through_the_engine():
    """label_batch with the engine's per-cell material: at 300 K without boundary cells the
    curve is bit for bit the config's uniform material; a non-magnetic boundary decouples the
    grains and raises hc (here 0.36 → 0.49 H_A); every curve converges."""
    from invmag.physics.anchors import anchors

    cfg = tiny_magnet()
    sample, (n_grains, _, _) = draw_sample(7, cfg)
    phi, mask = sample.phi[0], sample.mask[0]
    assert n_grains == 3 and 0 < mask.sum() < mask.size
    none = np.zeros_like(mask)
    phase = np.array([[0.0, np.nan, 300.0], [2.0, 0.0, 300.0], [2.0, 1.0, 423.0]])
    M, converged = labels_module.label_batch(
        from_columns(np.stack([phi] * 3), phase, np.stack([none, mask, mask])), cfg.to_dict())
    uniform, _ = labels_module.label_batch(Samples.plain(phi), tiny_config().to_dict())
    np.testing.assert_array_equal(M[0], uniform[0])
    assert converged.all()
    values, flagged = anchors(cfg.solver.fields(), M)
    assert not flagged.any() and values[1, 5] > values[0, 5] + 0.05
