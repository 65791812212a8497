"""`invmag simulate` at a temperature, over a temperature range (the Kronmüller analysis), and
of any per-cell microstructure from an .npz; the bad input of each."""

import numpy as np
import pytest

import invmag
from invmag.physics.material import MU0, Material
from invmag.physics.temperature import material_at
from conftest import assert_user_error, invoke, tiny_config


def test_a_structure_at_423_K_is_in_the_units_of_the_material_at_423_K(tmp_path, tiny_toml_file,
                                                                        structure):
    """At 423 K the curve is in Ms(423 K) and H_A(423 K) (SimulatedCurves.materials), and the
    CSV's SI columns are µ0H = H·µ0H_A(T), J = M·Js(T); at 300 K it is the config's material."""
    hot = invmag.simulate(structure, tiny_toml_file, temperature=423,
                          out=tmp_path / "c.csv")
    m = material_at(423)
    for k in ("Js", "A", "K1"):
        assert getattr(hot.materials[0], k) == pytest.approx(getattr(m, k), rel=1e-12)
    rows = np.loadtxt(tmp_path / "c.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(rows[:, 2], rows[:, 0] * MU0 * m.HA, rtol=1e-12)
    np.testing.assert_allclose(rows[:, 3], rows[:, 1] * m.Js, rtol=1e-12)
    room = invmag.simulate(structure, tiny_toml_file)
    assert room.materials[0] == Material()
    # zero-temperature micromagnetics: the reduced coercivity hardly moves (Q = K1/Kd ∝ m(T))
    assert abs(hot.anchors[0, 5] - room.anchors[0, 5]) < 0.03


def test_the_kronmuller_fit_recovers_alpha_and_n_eff(tmp_path, tiny_toml_file, structure):
    """Over 300–450 K the fit's line µ0Hc = α·µ0H_A − N_eff·Js goes through the simulated
    µ0Hc within its printed residual; the command prints α and N_eff and writes the table
    and the plot."""
    result = invoke("simulate", tmp_path / "s.npy", "--temperature", "300:450:4", "--config",
                    tiny_toml_file, "--out", tmp_path / "k.csv", "--plot", tmp_path / "k.png")
    assert result.exit_code == 0, result.output
    assert "α =" in result.output and "N_eff =" in result.output
    table = np.genfromtxt(tmp_path / "k.csv", delimiter=",", names=True)
    assert list(table["T_K"]) == [300, 350, 400, 450] and (tmp_path / "k.png").stat().st_size
    curve, fit = invmag.kronmuller(structure, [300, 350, 400, 450], tiny_toml_file)
    np.testing.assert_allclose(fit.hc, table["mu0Hc_T"], rtol=1e-5)
    assert np.abs(fit.predict(fit.ha, fit.js) - fit.hc).max() <= 2.5 * fit.residual + 1e-12
    # α·µ0H_A − N_eff·Js at 300 K against the room-temperature curve, simulated alone
    room = invmag.simulate(structure, tiny_toml_file).anchors[0, 5] * MU0 * Material().HA
    assert fit.hc[0] == pytest.approx(room, abs=1e-4)
    assert 0 < fit.alpha < 1


def test_an_npz_of_per_cell_material_is_simulated_as_given(tmp_path, tiny_toml_file, structure):
    """phi with per-cell Js, A, K1: omitted keys take the config's material; a key-for-key copy
    of the config's material gives the curve of the plain structure; a non-magnetic band
    weighs nothing in M (Ms-weighted mean)."""
    cfg = tiny_toml_file
    plain = invmag.simulate(structure, cfg)
    np.savez(tmp_path / "same.npz", phi=structure, Js=np.full(structure.shape, 1.61))
    same = invmag.simulate(tmp_path / "same.npz", cfg)
    np.testing.assert_array_equal(same.M, plain.M)
    band = np.zeros(structure.shape, bool)
    band[:, 7:9] = True
    np.savez(tmp_path / "band.npz", phi=structure, Js=np.where(band, 0.0, 1.61),
             A=np.where(band, 0.0, 8e-12))
    result = invoke("simulate", tmp_path / "band.npz", "--config", cfg, "--out",
                    tmp_path / "b.csv")
    assert result.exit_code == 0, result.output
    M = np.loadtxt(tmp_path / "b.csv", delimiter=",", skiprows=1)[:, 1]
    assert M[0] <= 1 - band.mean() + 1e-9 and np.isfinite(M).all()


@pytest.mark.parametrize("args, fragment", [
    (("--temperature", "0"), "below Nd2Fe14B's spin reorientation (135 K)"),
    (("--temperature", "-5"), "below Nd2Fe14B's spin reorientation (135 K)"),
    (("--temperature", "585"), "must lie in [135, 585) K"),
    (("--temperature", "300:450"), "start:stop:count"),
    (("--temperature", "450:300:4"), "start < stop"),
    (("--temperature", "300:450:1"), "count ≥ 2"),
    (("--temperature", "warm"), "start:stop:count"),
    (("--temperature", "300:450:3", "--states", "{tmp}/s.h5"), "one temperature"),
])
def test_bad_temperatures_are_one_line_and_write_nothing(tmp_path, tiny_toml_file, structure, args,
                                                         fragment):
    args = [str(a).format(tmp=tmp_path) for a in args]
    before = sorted(tmp_path.iterdir())
    assert_user_error(invoke("simulate", tmp_path / "s.npy", "--config", tiny_toml_file,
                             "--out", tmp_path / "c.csv", *args), fragment)
    assert sorted(tmp_path.iterdir()) == before


@pytest.mark.parametrize("arrays, fragment", [
    ({"Js": np.zeros((16, 16))}, "no magnetic cell"),
    ({"A": -np.ones((16, 16))}, "A must be finite and ≥ 0"),
    ({"K1": np.ones((4, 4))}, "K1 has shape (4, 4)"),
    ({"Ms": np.ones((16, 16))}, "expected the keys phi and optionally Js, A, K1"),
])
def test_bad_npz_is_one_line(tmp_path, tiny_toml_file, structure, arrays, fragment):
    np.savez(tmp_path / "bad.npz", phi=structure, **arrays)
    assert_user_error(invoke("simulate", tmp_path / "bad.npz", "--config", tiny_toml_file),
                      fragment)


def test_info_gives_the_material_at_300_and_423_K():
    """`invmag info` prints Js, K1, A and µ0H_A at 300 K (the tiny_toml_file's constants) and 423 K
    (the temperature law: µ0H_A falls to 0.720 of its 300 K value), and the boundary phase."""
    result = invoke("info", "--config", "magnet")
    assert result.exit_code == 0, result.output
    hot = material_at(423)
    rows = {line.split("│")[2].strip(): line for line in result.output.splitlines()
            if line.startswith("│ main")}
    assert set(rows) == {"300", "423"}
    for T, m in (("300", Material()), ("423", hot)):
        for value in (f"{m.Js:.3f}", f"{m.K1 / 1e6:.3f}", f"{m.A * 1e12:.2f}",
                      f"{MU0 * m.HA:.3f}"):
            assert value in rows[T], (value, rows[T])
    assert "6.556" in rows["300"] and "4.723" in rows["423"]
    assert "│ boundary" in result.output and "0.00–4.44" in result.output


@pytest.mark.parametrize("section, fragment", [
    ("[boundary]\nthickness = [0.0, 3.0]\nJs = [0.0, 1.0]", "boundary.thickness must be multiples"),
    ("[boundary]\nthickness = [0.0, 4.0]\nJs = [0.0, 1.7]", "boundary.Js must be ≤ material.Js"),
    ("[boundary]\nthickness = [0.0, 4.0]\nJs = [-0.1, 1.0]", "boundary.Js must be"),
    ("[temperature]\nrange = [0.0, 450.0]", "temperature.range must be"),
    ("[temperature]\nrange = [300.0, 600.0]", "temperature.range must be"),
    ("[temperature]\nrange = [450.0, 300.0]", "temperature.range must be"),
    ("[temperature]\nrange = 423.0", "temperature.range must be"),
])
def test_a_bad_boundary_or_temperature_section_is_one_line_and_generates_nothing(
        tmp_path, section, fragment):
    path = tmp_path / "bad.toml"
    path.write_text(tiny_config().to_toml() + "\n" + section + "\n")
    assert_user_error(invoke("generate", "--config", path, "--run", tmp_path / "run"), fragment)
    assert not (tmp_path / "run").exists()


def test_generate_reports_labels_in_si_at_their_temperature(tmp_path):
    """Labels drawn at 423 K: their remanence in tesla is mr·Js(423 K), not mr·Js(300 K)."""
    from invmag.data.sample_files import read_labels

    path = tmp_path / "hot.toml"
    path.write_text(tiny_config(data={"labelled": 3, "unlabelled": 1}).to_toml()
                    + "\n[temperature]\nrange = [423.0, 423.0]\n")
    result = invoke("generate", "--config", path, "--run", tmp_path / "run")
    assert result.exit_code == 0, result.output
    labels = read_labels(tmp_path / "run" / "labels.h5")
    assert (labels.samples.temperature == 423).all()
    row = next(line for line in result.output.splitlines() if line.startswith("│ Jr"))
    jr_max = float(row.split("│")[-2])
    mr = labels.anchors[labels.good, 1]
    assert jr_max == pytest.approx(mr.max() * material_at(423).Js, rel=1e-3)
    assert abs(jr_max - mr.max() * Material().Js) > 0.1
