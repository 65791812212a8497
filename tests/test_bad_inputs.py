"""Bad input to `invmag simulate` is one line on stderr and exit 2, and nothing runs: a
temperature below Nd2Fe14B's spin reorientation (a user thinking in °C), a per-cell Js no
material has, an .npz array that is not numbers."""

import numpy as np
import pytest

from conftest import assert_user_error, invoke


@pytest.mark.parametrize("temperature, low", [("20", "20"), ("134.9", "134.9"),
                                              ("20:300:3", "20")])
def test_a_temperature_below_the_spin_reorientation(tmp_path, tiny_toml_file, structure,
                                                    temperature, low):
    """K1 ∝ m³ does not hold below 135 K: the line gives the law's range and reads the number
    as °C too (20 °C = 293 K); no curve is written."""
    result = invoke("simulate", tmp_path / "s.npy", "--config", tiny_toml_file, "--temperature",
                    temperature, "--out", tmp_path / "c.csv")
    celsius = f"{low} °C = {float(low) + 273.15:.0f} K"
    assert_user_error(result, f"{low} K lies below Nd2Fe14B's spin reorientation (135 K)",
                      "[135, 585) K", "temperatures are in kelvin", celsius)
    assert not (tmp_path / "c.csv").exists()


def test_the_spin_reorientation_itself_is_in_range(tiny_toml_file, structure):
    """135 K is the law's lowest temperature, and runs."""
    import invmag

    assert np.isfinite(invmag.simulate(structure, tiny_toml_file, temperature=135).anchors[0, 0])


@pytest.mark.parametrize("js, shown", [(50.0, "50"), (2.6, "2.6")])
def test_a_per_cell_js_above_2_5_T(tmp_path, tiny_toml_file, structure, js, shown):
    """Js = 50 T (a unit slip, e.g. kA/m or emu) names the file, the key and the bound."""
    np.savez(tmp_path / "big.npz", phi=structure, Js=np.where(structure > 0, js, 1.61))
    assert_user_error(invoke("simulate", tmp_path / "big.npz", "--config", tiny_toml_file),
                      "big.npz: per-cell Js must be ≤ 2.5 T", f"got {shown} T")


@pytest.mark.parametrize("key, array, fragment", [
    ("K1", np.full((16, 16), "4.2e6"), "K1 must be an array of numbers, got dtype <U5"),
    ("Js", np.full((16, 16), None, dtype=object), "Js must be an array of numbers, got Python"),
    ("A", np.ones((16, 16), dtype=complex), "A must be an array of numbers, got dtype complex"),
    ("phi", np.full((16, 16), "x"), "phi must be an array of numbers"),
])
def test_an_npz_array_that_is_not_numbers(tmp_path, tiny_toml_file, structure, key, array,
                                          fragment):
    np.savez(tmp_path / "bad.npz", **{"phi": structure, key: array})
    assert_user_error(invoke("simulate", tmp_path / "bad.npz", "--config", tiny_toml_file),
                      f"bad.npz: {fragment}")


def test_an_npy_named_npz(tmp_path, tiny_toml_file, structure):
    (tmp_path / "s.npy").rename(tmp_path / "s.npz")
    assert_user_error(invoke("simulate", tmp_path / "s.npz", "--config", tiny_toml_file),
                      "s.npz: one .npy array, not an .npz archive")
