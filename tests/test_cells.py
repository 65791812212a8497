"""Per-cell material in the engine: the fused torque against the field terms, the energy's
derivative, the interface exchange (harmonic mean of A), cells without moment, the Ms-weighted
magnetization, and one material through per-cell tensors bit for bit as without them."""

import numpy as np
import pytest
import torch

from invmag.physics.material import Cells, Material
from invmag.physics.solver_settings import SolverSettings
from invmag.physics.terms import CellTensors, Exchange, Micromagnet, State
from conftest import curves

MAT = Material()
DX = 2e-9


def boundary_cells(phi, js_b, k_b=0.0):
    """Cells of Nd2Fe14B with a boundary phase on the cells whose +x or +y neighbour lies in
    another grain: Js = js_b, A = A·(js_b/Js)², K1 = k_b."""
    b = np.zeros(phi.shape, bool)
    b[:, :-1] |= phi[:, :-1] != phi[:, 1:]
    b[:-1] |= phi[:-1] != phi[1:]
    Js = np.where(b, js_b, MAT.Js)[None]
    return Cells(Js, np.where(b, MAT.A * (js_b / MAT.Js) ** 2, MAT.A)[None],
                 np.where(b, k_b, MAT.K1)[None]), b


def state(theta, phi, h, cells):
    t = torch.tensor(theta, dtype=torch.float64)[None]
    p = torch.tensor(phi, dtype=torch.float64)[None]
    return State(t, torch.sin(p), torch.cos(p), torch.tensor([h], dtype=torch.float64),
                 CellTensors.of(cells, DX, DX, dtype=torch.float64))


@pytest.mark.parametrize("js_b, k_b", [(0.0, 0.0), (0.5, 0.0), (1.0, 1e6)])
def test_fused_torque_is_the_terms_and_the_energys_derivative(voronoi, js_b, k_b):
    """With a boundary phase the fused torque (one convolution + the bond stencil) equals
    (Ms/Ms0)·(m × h_eff) of the four terms in every cell, and a finite difference of the
    total energy; cells without moment feel no torque."""
    ny, nx = 14, 10
    model = Micromagnet(MAT, nx, ny, DX, DX, 36e-6, dtype=torch.float64)
    phi = voronoi(14, 4, np.pi, 2)[:, :nx]
    cells, b = boundary_cells(phi, js_b, k_b)
    theta = np.random.default_rng(1).uniform(-np.pi, np.pi, (ny, nx))
    s = state(theta, phi, -0.4, cells)
    m, h = s.m, model.field(s)
    expected = (m[:, 0] * h[:, 1] - m[:, 1] * h[:, 0]) * s.cells.s
    g = model.gradient(s)
    np.testing.assert_allclose(g.numpy(), expected.numpy(), rtol=0, atol=1e-12)
    assert torch.isfinite(g).all()
    if js_b == 0:
        assert (g[0][torch.as_tensor(b)] == 0).all()
    per_cell = g[0].numpy() / (nx * ny)
    for iy, ix in [(0, 0), (5, 7), (11, 3), (4, 4)]:
        d = np.zeros_like(theta)
        d[iy, ix] = 1e-6
        e = [model.energy(state(theta + sgn * d, phi, -0.4, cells)).item() for sgn in (1, -1)]
        assert (e[0] - e[1]) / 2e-6 == pytest.approx(per_cell[iy, ix], rel=1e-5, abs=1e-12)


def test_interface_exchange_is_the_harmonic_mean_of_A():
    """A spiral m = (sin qx, cos qx) over two halves of A1 and A2 (same Js): every bond holds
    A_ij (2 − 2 cos q)/d², with A_ij = 2A1A2/(A1 + A2) on the interface bond (the arithmetic
    mean, (A1 + A2)/2, would give 5 % more energy here)."""
    nx, ny, q = 8, 3, 0.4
    A1, A2 = 8e-12, 2e-12
    A = np.where(np.arange(nx) < nx // 2, A1, A2)[None, None].repeat(ny, 1)
    cells = Cells(np.full((1, ny, nx), MAT.Js), A, np.full((1, ny, nx), MAT.K1))
    theta = np.broadcast_to(q * np.arange(nx), (ny, nx)).copy()
    s = state(theta, np.zeros((ny, nx)), 0.0, cells)
    e_si = Exchange().energy(s).item() * MAT.Kd
    bonds = (nx // 2 - 1) * (A1 + A2) + 2 * A1 * A2 / (A1 + A2)
    expected = bonds * (2 - 2 * np.cos(q)) / DX ** 2 / nx
    assert e_si == pytest.approx(expected, rel=1e-12)


def test_cells_without_moment_stay_put_and_weigh_nothing(voronoi):
    """A non-magnetic boundary (Js = 0, A = 0): no NaN anywhere on the curve, its cells never
    turn, and M is the Ms-weighted mean: at +H_A it is at most the magnetic share of the
    cells and M(Js_b = 0) < M(one material)."""
    phi = voronoi(16, 4, 0.3, 5)
    cells, b = boundary_cells(phi, 0.0)
    settings = SolverSettings(field_step=0.05)
    c = curves(phi, settings, cells)
    one = curves(phi, settings)
    assert np.isfinite(c.M).all() and c.converged.all()
    assert c.M[0, 0] <= 1 - b.mean() + 1e-12 and c.M[0, 0] > 0.98 * (1 - b.mean())
    assert c.M[0, 0] < one.M[0, 0]
    from invmag.physics.curve import CurveSolver

    kept = CurveSolver(MAT, 16, 16, settings=settings).run(phi[None], states=True, cells=cells)
    assert (kept.states[0][:, b] == 0).all()  # θ = 0 (m along +y) from start to end


def test_one_material_through_cells_is_bit_for_bit_the_same(voronoi):
    """Per-cell tensors of one material take the one-material path: the same curve to the bit,
    also beside a structure of two materials in the same batch: two grains with easy axes along
    ±y and a 0.5 T boundary column, which starts saturated along +y at +H_A."""
    halves = np.where(np.arange(16) < 8, 0.0, np.pi)[None].repeat(16, 0)
    phis = np.stack([voronoi(16, 4, np.pi, 7), halves])
    settings = SolverSettings(fast=True, batch_size=2)
    alone = curves(phis[0], settings)
    two, _ = boundary_cells(phis[1], 0.5)
    one = Cells.uniform(MAT, 1, 16, 16)
    mixed = Cells(*(np.concatenate([getattr(one, k), getattr(two, k)]) for k in ("Js", "A", "K1")))
    both = curves(phis, settings, mixed)
    np.testing.assert_array_equal(both.M[0], alone.M[0])
    # Ms-weighted mean of m_y = 1 in every cell, one column of 16 at 0.5 T: 1 − (1 − 0.5/1.61)/16
    # = 0.95691 (the open boundary's demagnetizing field tilts the corner cells: −1e-4)
    assert both.M[1][0] == pytest.approx(1 - (1 - 0.5 / 1.61) / 16, abs=2e-4)


def test_the_preconditioner_scales_only_soft_cells_by_their_stiffness():
    """A column of a 0.2 T boundary (no anisotropy) in a grain of Nd2Fe14B: its cells step by
    the stiffest grain cell's stiffness over theirs, from the SI constants by hand (exchange
    bonds 2·A_ij/(µ0·Ms_i·Ms0·d²), anisotropy 2K1/(µ0·Ms0²)); grain cells, and every cell of a
    structure of one material, by 1; never by more than PRECONDITION_MAX."""
    from invmag.physics.curve import PRECONDITION_MAX, preconditioner
    from invmag.physics.material import MU0

    ny, nx, js_b = 6, 7, 0.2
    b = np.zeros((ny, nx), bool)
    b[:, 3] = True
    A_b = MAT.A * (js_b / MAT.Js) ** 2
    cells = Cells(np.where(b, js_b, MAT.Js)[None], np.where(b, A_b, MAT.A)[None],
                  np.where(b, 0.0, MAT.K1)[None])
    P = preconditioner(CellTensors.of(cells, DX, DX, dtype=torch.float64), np.array([True]))[0]
    ms0, ms_b = MAT.Js / MU0, js_b / MU0
    grain = 4 * 2 * MAT.A / (MU0 * ms0 ** 2 * DX ** 2) + 2 * MAT.K1 / (MU0 * ms0 ** 2)
    harmonic = 2 * MAT.A * A_b / (MAT.A + A_b)
    soft = (2 * 2 * A_b + 2 * 2 * harmonic) / (MU0 * ms_b * ms0 * DX ** 2)  # 2 + 2 bonds
    assert P[2, 3].item() == pytest.approx(min(grain / soft, PRECONDITION_MAX), rel=1e-9)
    assert 1 < P[2, 3].item() and (P[:, [0, 1, 2, 4, 5, 6]] == 1).all()
    one = Cells.uniform(MAT, 1, ny, nx)
    assert (preconditioner(CellTensors.of(one, DX, DX), np.array([False])) == 1).all()
