"""Export to OVF 2.0 and VTK, checked by ubermag's discretisedfield as the independent reader
and writer; OVF structures as input to `simulate`."""

import discretisedfield as df
import h5py
import numpy as np
import pytest

from invmag import ANCHORS
from invmag.config import config_from_dict, load_config
from invmag.data.ovf import read_ovf, write_ovf
from invmag.data.vtk import write_vtk
from conftest import assert_user_error, invoke

CELL, THICK = 2e-9, 36e-6


@pytest.fixture
def phi():
    """A 5 × 7 (ny × nx) structure: the axes cannot be swapped unnoticed."""
    return np.random.default_rng(0).uniform(-1.5, 1.5, (5, 7)).astype(np.float32)


def assert_same_field(field, phi):
    """A discretisedfield field holds phi as unit vectors on 2 × 2 × 36000 nm cells, x along ix."""
    assert tuple(field.mesh.n) == (7, 5, 1)
    np.testing.assert_allclose(field.mesh.cell, (CELL, CELL, THICK), rtol=1e-12)
    np.testing.assert_allclose(field.mesh.region.pmin, 0, atol=1e-20)
    expected = np.stack([np.sin(phi.T), np.cos(phi.T), np.zeros_like(phi.T)], -1)[:, :, None]
    np.testing.assert_allclose(field.array, expected, atol=1e-7)


@pytest.mark.parametrize("writer", [write_ovf, write_vtk])
def test_written_files_open_in_discretisedfield_with_the_same_axes(tmp_path, phi, writer):
    path = tmp_path / f"s.{writer.__name__[-3:]}"
    writer(path, phi, CELL, THICK)
    assert_same_field(df.Field.from_file(path), phi)


@pytest.mark.parametrize("representation", ["bin8", "bin4", "txt"])
def test_reads_what_discretisedfield_writes(tmp_path, phi, representation):
    mesh = df.Mesh(p1=(0, 0, 0), p2=(7 * CELL, 5 * CELL, THICK), cell=(CELL, CELL, THICK))
    vectors = 3 * np.stack([np.sin(phi.T), np.cos(phi.T), np.zeros_like(phi.T)], -1)[:, :, None]
    df.Field(mesh, nvdim=3, value=vectors).to_file(tmp_path / "s.ovf",
                                                    representation=representation)
    angles, cell = read_ovf(tmp_path / "s.ovf")  # any length: only the direction counts
    np.testing.assert_allclose(angles, phi, atol=1e-6)
    assert cell == pytest.approx(CELL, rel=1e-12)


def test_bad_ovf_files(tmp_path, phi):
    mesh = df.Mesh(p1=(0, 0, 0), p2=(7 * CELL, 5 * CELL, 2 * THICK), cell=(CELL, CELL, THICK))
    df.Field(mesh, nvdim=3, value=(0, 1, 0)).to_file(tmp_path / "two.ovf")
    with pytest.raises(ValueError, match="one layer"):
        read_ovf(tmp_path / "two.ovf")
    mesh = df.Mesh(p1=(0, 0, 0), p2=(7 * CELL, 5 * CELL, THICK), cell=(CELL, CELL, THICK))
    df.Field(mesh, nvdim=3, value=(0, 1, 1)).to_file(tmp_path / "tilted.ovf")
    with pytest.raises(ValueError, match="x–y plane"):
        read_ovf(tmp_path / "tilted.ovf")
    (tmp_path / "no.ovf").write_text("# OOMMF OVF 1.0\n")
    with pytest.raises(ValueError, match="not an OVF 2.0 file"):
        read_ovf(tmp_path / "no.ovf")
    # no data format, or binary without its byte count: was an IndexError and a traceback
    write_ovf(tmp_path / "s.ovf", phi, CELL, THICK)
    good = (tmp_path / "s.ovf").read_bytes()
    for name, begin in [("no_format.ovf", "# Begin: Data"),
                        ("no_size.ovf", "# Begin: Data Binary")]:
        (tmp_path / name).write_bytes(good.replace(b"# Begin: Data Binary 8", begin.encode(), 1))
        assert_user_error(invoke("simulate", tmp_path / name), name,
                          f"'{begin}' must name the data format")
    # a binary body cut short, and binary bytes declared as text: one line naming the file
    data = good.index(b"# Begin: Data Binary 8\n") + len(b"# Begin: Data Binary 8\n")
    (tmp_path / "cut.ovf").write_bytes(good[:data + 8 * 40])
    assert_user_error(invoke("simulate", tmp_path / "cut.ovf"), "cut.ovf: 39 values, the header "
                      f"promises {3 * phi.size}")
    (tmp_path / "text.ovf").write_bytes(good.replace(b"Data Binary 8", b"Data Text"))
    assert_user_error(invoke("simulate", tmp_path / "text.ovf"), "text.ovf: the data under "
                      "'# Begin: Data Text' are not numbers")


def test_export_then_simulate_the_ovf_as_the_npy(tmp_path):
    d = load_config("quick").to_dict()
    d["solver"].update(field_step=0.05, device="cpu")  # a coarse field axis: fast
    (tmp_path / "tiny.toml").write_text(config_from_dict(d).to_toml())
    phi = np.random.default_rng(1).uniform(-1.5, 1.5, (16, 16)).astype(np.float32)
    np.save(tmp_path / "s.npy", phi)
    result = invoke("export", tmp_path / "s.npy", tmp_path / "s.ovf")
    assert result.exit_code == 0, result.output
    curves = []
    for name in ("s.npy", "s.ovf"):
        out = tmp_path / f"{name}.csv"
        result = invoke("simulate", tmp_path / name, "--out", out, "--config",
                        tmp_path / "tiny.toml")
        assert result.exit_code == 0, result.output
        curves.append(np.loadtxt(out, delimiter=",", skiprows=1))
    np.testing.assert_array_equal(curves[0], curves[1])
    assert_user_error(invoke("simulate", tmp_path / "s.ovf", "--cell-size", 3, "--config",
                             tmp_path / "tiny.toml"), "s.ovf: cells of 2 nm, but 3 nm")
    assert_user_error(invoke("export", tmp_path / "s.npy", tmp_path / "s.png"),
                      "must end in .ovf or .vtk")


def test_export_a_design_folder_one_file_per_rank(tmp_path, phi):
    folder = tmp_path / "designs" / "001"
    folder.mkdir(parents=True)
    with h5py.File(folder / "design.h5", "w") as f:
        f["phi"] = np.stack([phi, -phi])
    result = invoke("export", folder, tmp_path / "d.ovf")
    assert result.exit_code == 0, result.output
    for i, expected in enumerate((phi, -phi), 1):
        assert_same_field(df.Field.from_file(tmp_path / f"d_{i}.ovf"), expected)
    assert not (tmp_path / "d.ovf").exists()


@pytest.mark.parametrize("suffix", [".ovf", ".vtk"])
def test_a_magnet_design_exports_its_boundary_cells_beside_the_axes(tmp_path, phi, suffix):
    """A design of a real magnet (design.h5 with phase and boundary): per rank its easy axes and
    its boundary cells, a scalar field 1 in the boundary that discretisedfield reads back."""
    folder = tmp_path / "designs" / "001"
    folder.mkdir(parents=True)
    mask = np.zeros((2, *phi.shape), bool)
    mask[0, :, 3] = mask[1, 2, :] = True
    with h5py.File(folder / "design.h5", "w") as f:
        f["phi"], f["boundary"] = np.stack([phi, -phi]), mask
        f["phase"] = [[2.0, 0.5, 423.0], [2.0, 0.0, 423.0]]
    result = invoke("export", folder, tmp_path / f"d{suffix}")
    assert result.exit_code == 0, result.output
    for i, (axes, cells) in enumerate(zip((phi, -phi), mask), 1):
        assert_same_field(df.Field.from_file(tmp_path / f"d_{i}{suffix}"), axes)
        region = df.Field.from_file(tmp_path / f"d_{i}_boundary{suffix}")
        np.testing.assert_array_equal(np.asarray(region.array).reshape(cells.T.shape), cells.T)


def test_simulate_keeps_the_states_and_exports_them(tmp_path):
    """The states at the anchors carry the curve's M (mean cos θ); exported, discretisedfield
    reads the same magnetization."""
    d = load_config("quick").to_dict()
    d["solver"].update(field_step=0.05, device="cpu")
    (tmp_path / "c.toml").write_text(config_from_dict(d).to_toml())
    np.save(tmp_path / "s.npy", np.random.default_rng(2).uniform(-1, 1, (12, 16)).astype(
        np.float32))
    result = invoke("simulate", tmp_path / "s.npy", "--states", tmp_path / "st.h5", "--out",
                    tmp_path / "c.csv", "--config", tmp_path / "c.toml")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "st.png").read_bytes()[:4] == b"\x89PNG"
    curve = np.loadtxt(tmp_path / "c.csv", delimiter=",", skiprows=1)
    with h5py.File(tmp_path / "st.h5") as f:
        states, h = f["states"][()], f["H_states"][()]
        assert list(f["states"].attrs["names"]) == list(ANCHORS) and h[:2].tolist() == [1, 0]
    m = np.interp(h, curve[::-1, 0], curve[::-1, 1])  # h is a computed field: exact
    np.testing.assert_allclose(np.cos(states).mean((1, 2)), m, rtol=1e-6)
    result = invoke("export", tmp_path / "st.h5", tmp_path / "st.ovf")
    assert result.exit_code == 0, result.output
    for i in range(6):
        field = df.Field.from_file(tmp_path / f"st_{i + 1}.ovf")
        assert field.array[..., 1].mean() == pytest.approx(m[i], rel=1e-6)
    result = invoke("simulate", tmp_path / "s.npy", "--states", tmp_path / "all.h5",
                    "--every-step", "--config", tmp_path / "c.toml")
    assert result.exit_code == 0, result.output
    with h5py.File(tmp_path / "all.h5") as f:
        np.testing.assert_allclose(np.cos(f["states"][()]).mean((1, 2)), curve[:, 1], rtol=1e-6)
