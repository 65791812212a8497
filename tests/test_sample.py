"""Samples, the one value of a magnet sample (invmag.data.sample): batching, the per-cell
material it gives the engine, and the HDF5 files written before it existed, which still read."""

import h5py
import numpy as np
import pytest

from invmag.data.sample import BOUNDARY, Region, Samples, columns, read_samples
from invmag.data.sample_files import read_labels
from invmag.design.design_folder import read_design
from invmag.design.targets import parse_goal
from invmag.physics.material import MU0
from conftest import tiny_config, tiny_magnet

NY, NX = 4, 5


def _magnet(n=3, T=(300.0, 350.0, 423.0)):
    rng = np.random.default_rng(0)
    mask = rng.uniform(size=(n, NY, NX)) < 0.3
    return Samples(rng.uniform(-1.5, 1.5, (n, NY, NX)), T,
                   {BOUNDARY: Region(mask, np.full(n, 2.0), np.array([0.0, 0.5, 1.0]))})


def test_take_join_and_at_keep_every_part_of_a_sample_together():
    s = _magnet()
    again = Samples.join([s.take([2]), s.take([0, 1])])
    order = [2, 0, 1]
    np.testing.assert_array_equal(again.phi, s.phi[order])
    np.testing.assert_array_equal(again.mask, s.mask[order])
    np.testing.assert_array_equal(again.phase, s.phase[order])
    assert again.phi.dtype == np.float32 and len(again) == 3 and again.grid == (NY, NX)
    hot = s.at(450.0)
    assert (hot.temperature == 450.0).all() and (s.temperature == [300.0, 350.0, 423.0]).all()
    assert s.with_boundary_js([0.1, 0.2, 0.3]).boundary.Js.tolist() == [0.1, 0.2, 0.3]
    with pytest.raises(ValueError, match="must fit grain maps"):
        Samples(s.phi, 300.0, {BOUNDARY: s.boundary.take([0])})


def test_the_material_of_a_boundary_cell_by_hand():
    """At 300 K a boundary cell of Js_b = 0.5 T holds Js_b, A·(Js_b/Js)² and the section's K1;
    the main phase's cells the config's material; a plain sample of a config without phases at
    300 K takes the engine's one-material path (None)."""
    cfg = tiny_magnet(boundary={"thickness": [0.0, 4.0], "Js": [0.0, 1.2], "K1": 1e5})
    s = _magnet(T=300.0).take([1])
    cells = s.material(cfg)
    m = s.mask[0]
    assert (cells.Js[0][m] == 0.5).all() and (cells.Js[0][~m] == 1.61).all()
    np.testing.assert_allclose(cells.A[0][m], 8e-12 * (0.5 / 1.61) ** 2, rtol=1e-14)
    assert (cells.K1[0][m] == 1e5).all() and (cells.K1[0][~m] == 4.2e6).all()
    assert Samples.plain(s.phi).material(tiny_config()) is None
    assert cells.main()[0].HA * MU0 == pytest.approx(2 * 4.2e6 / 1.61 * MU0)  # 6.56 T


def test_columns_and_read_samples_round_trip(tmp_path):
    s = _magnet()
    with h5py.File(tmp_path / "s.h5", "w") as f:
        for name, value in columns(s).items():
            f[name] = value
    with h5py.File(tmp_path / "s.h5", "r") as f:
        back = read_samples(f)
        two = read_samples(f, slice(1, 3))
    np.testing.assert_array_equal(back.phi, s.phi)
    np.testing.assert_array_equal(back.mask, s.mask)
    np.testing.assert_array_equal(back.phase, s.phase)
    np.testing.assert_array_equal(two.temperature, [350.0, 423.0])


def _old_labels(path, phases: bool):
    """A labels.h5 as invmag wrote it before Samples existed (docs/conventions.md's layout):
    phi, params, done, M, anchors, converged, flagged, H and, for a real magnet, phase and
    boundary."""
    n, k = 3, 7
    with h5py.File(path, "w") as f:
        f["phi"] = np.full((n, NY, NX), 0.25, np.float32)
        f["params"] = np.tile([2.0, 0.5, 11.0], (n, 1))
        f["done"], f["converged"] = np.ones(n, bool), np.ones(n, bool)
        f["flagged"], f["H"] = np.zeros(n, bool), np.linspace(1, -1, k)
        f["M"], f["anchors"] = np.zeros((n, k)), np.full((n, 6), 0.5)
        if phases:
            f["phase"] = [[2.0, 0.4, 300.0], [0.0, np.nan, 380.0], [4.0, 1.0, 450.0]]
            f["boundary"] = np.arange(n * NY * NX).reshape(n, NY, NX) % 5 == 0


@pytest.mark.parametrize("phases", [False, True])
def test_labels_written_before_samples_still_read(tmp_path, phases):
    _old_labels(tmp_path / "labels.h5", phases)
    labels = read_labels(tmp_path / "labels.h5")
    s = labels.samples
    assert s.phi.shape == (3, NY, NX) and labels.good.all()
    if not phases:  # quick and paper runs: one material at 300 K
        assert s.boundary is None and (s.temperature == 300.0).all()
        return
    assert s.temperature.tolist() == [300.0, 380.0, 450.0]
    assert s.boundary.thickness.tolist() == [2.0, 0.0, 4.0] and s.mask.sum() == 12


def test_a_design_written_before_phases_reads_at_300_k(tmp_path):
    """design.h5 of the first versions: no phase, no boundary."""
    k = 2
    with h5py.File(tmp_path / "design.h5", "w") as f:
        f["phi"] = np.zeros((k, NY, NX), np.float32)
        for name in ("predicted", "first_shot", "simulated", "searched", "roundtrip"):
            f[name] = np.full((k, 6), 0.3)
        f["simulations"], f["row"] = np.zeros(k, int), np.full(k, -1)
        f["z"], f["objectives"] = np.zeros((k, 4)), np.zeros((k, 1))
        f["deviation"], f["consistent"], f["cv"] = np.zeros(k), np.ones(k, bool), np.zeros(k)
        f.create_dataset("source", data=np.array(["search"] * k, dtype=object),
                         dtype=h5py.string_dtype())
        f.attrs["goal"] = parse_goal({"hc": 0.3}, {}, {}).to_json()
        f.attrs["meta"] = "{}"
    d = read_design(tmp_path)
    assert d.temperature == 300.0 and d.samples.boundary is None and len(d.samples) == k
