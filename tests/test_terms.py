"""The model is a list of field terms: the fused torque is only an optimization of the standard
list, and a new term joins the minimizer without a change to it (Bias: a term the package does
not have)."""

import math

import numpy as np
import pytest
import torch

from invmag.physics.curve import CurveSolver
from invmag.physics.material import Cells, Material
from invmag.physics.solver_settings import SolverSettings
from invmag.physics.terms import CellTensors, Exchange, Micromagnet, State, standard_terms

MAT = Material()
DX = 2e-9


class Bias:
    """A uniform field b·H_A (b in each structure's H_A) at angle psi (rad) from +y towards +x."""

    def __init__(self, b: float, psi: float = math.pi / 2):
        self.b, self.psi = b, psi

    def add_field(self, h, state, m):
        hb = (self.b * state.cells.hA).to(h.dtype)[:, None, None]
        h[:, 0] += hb * math.sin(self.psi)
        h[:, 1] += hb * math.cos(self.psi)

    def energy(self, state):  # −h_b·⟨(Ms/Ms0) m·b̂⟩, µ0·Ms0²
        return -self.b * state.cells.hA * (state.cells.s * torch.cos(state.theta - self.psi)
                                           ).mean(dim=(-2, -1))


def _cells(ny, nx):
    """Three structures: Nd2Fe14B; a weakly magnetic boundary (Js 0.5 T, A ∝ Js², K1 = 0) in
    rows 3–4; a boundary without moment in column 2."""
    js, a, k = (np.full((3, ny, nx), v) for v in (MAT.Js, MAT.A, MAT.K1))
    js[1, 3:5], a[1, 3:5], k[1, 3:5] = 0.5, MAT.A * (0.5 / MAT.Js) ** 2, 0
    js[2, :, 2] = a[2, :, 2] = k[2, :, 2] = 0
    return Cells(js, a, k)


def _state(seed, ny=9, nx=7):
    rng = np.random.default_rng(seed)
    theta, phi = (torch.as_tensor(rng.uniform(-np.pi, np.pi, (3, ny, nx))) for _ in range(2))
    return State(theta, torch.sin(phi), torch.cos(phi), torch.tensor([1.3, -0.4, 0.7],
                 dtype=torch.float64), CellTensors.of(_cells(ny, nx), DX, DX, dtype=torch.float64))


def _model(terms=None, ny=9, nx=7):
    return Micromagnet(MAT, nx, ny, DX, DX, 36e-6, terms, dtype=torch.float64)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_fused_torque_is_the_sum_of_the_terms(seed):
    """On random states of per-cell material (a boundary phase, cells without moment) the fused
    torque, chosen for the standard list, equals (m × Σ h)_z of the terms one by one, as does
    the torque of a list that is not the standard one (a zero Bias added: no fusion); fields,
    energies and gradients of the two models agree."""
    fused, summed = _model(), _model([*standard_terms(), Bias(0.0)])
    assert fused.torque is not None and summed.torque is None
    state = _state(seed)
    m = state.m
    h = torch.zeros_like(m)
    for term in fused.terms:
        term.add_field(h, state, m)
    expected = (m[:, 0] * h[:, 1] - m[:, 1] * h[:, 0]) * (state.cells.s > 0)
    for model in (fused, summed):
        tensors, several = model.prepare(state.kx, state.ky, state.cells)
        assert several.tolist() == [False, True, True]
        torque = model.descent(state.theta, state.h, tensors, several=True)
        np.testing.assert_allclose(torque, expected, rtol=0, atol=1e-11)
    np.testing.assert_allclose(summed.field(state), fused.field(state), rtol=0, atol=1e-12)
    np.testing.assert_allclose(summed.energy(state), fused.energy(state), rtol=1e-13)
    np.testing.assert_allclose(summed.gradient(state), fused.gradient(state), rtol=0, atol=1e-11)


def test_a_new_term_gives_the_derivative_of_its_energy():
    """With a Bias in the list the minimizer's torque is still dE/dθ of the total energy."""
    model = _model([*standard_terms(), Bias(0.3, 0.4)])
    state = _state(2)
    per_cell = model.gradient(state)[1] / state.theta[0].numel()
    for iy, ix in [(0, 0), (3, 2), (8, 6)]:
        energies = []
        for d in (1e-6, -1e-6):
            theta = state.theta.clone()
            theta[1, iy, ix] += d
            energies.append(model.energy(State(theta, state.kx, state.ky, state.h, state.cells)))
        assert (energies[0][1] - energies[1][1]).item() / 2e-6 == pytest.approx(
            per_cell[iy, ix].item(), rel=1e-5)


def _sw_curve(b_perp=0.0, b_par=0.0, psi=0.0):
    """Curves of one grain of 3 × 3 cells (6 nm, single domain) with easy axis at psi and the
    standard terms plus a Bias b_perp H_A along +x and one b_par H_A along +y."""
    terms = [*standard_terms(), Bias(b_perp), Bias(b_par, 0.0)]
    settings = SolverSettings(field_step=0.005, tolerance=1e-6, dtype="float64")
    solver = CurveSolver(MAT, 3, 3, DX, 36e-6, settings, terms=terms)
    return solver.run(np.full((1, 3, 3), psi))


def test_a_transverse_bias_gives_the_stoner_wohlfarth_astroid():
    """An aligned grain under a bias b ⊥ the axis: at H = 0 the moment tilts to sin θ = b, so
    Mr = √(1 − b²), and it switches where (b, H) crosses the astroid, |H| = (1 − b^⅔)^{3/2}
    (both 0.954 and 0.410 for b = 0.3, against 1 and 1 without the bias)."""
    b = 0.3
    c = _sw_curve(b_perp=b)
    assert c.converged.all()
    m = c.M[0]
    assert m[np.flatnonzero(c.H == 0)[0]] == pytest.approx(math.sqrt(1 - b * b), abs=1e-4)
    jump = np.argmax(-np.diff(m))
    h_sw = -0.5 * (c.H[jump] + c.H[jump + 1])
    assert h_sw == pytest.approx((1 - b ** (2 / 3)) ** 1.5, abs=0.005)  # one field step


def test_a_bias_along_the_field_shifts_the_curve_by_exactly_b():
    """A bias b along the applied field adds to it: M_b(H) = M(H + b), so the switching field of
    a grain with its axis at 30° moves by b to the field step, and every point of the curve
    follows (b = −0.2 H_A, 40 field steps)."""
    b, shift = -0.2, 40
    plain, biased = _sw_curve(psi=math.radians(30)).M[0], _sw_curve(b_par=b,
                                                                    psi=math.radians(30)).M[0]
    jump = [np.argmax(-np.diff(m)) for m in (plain, biased)]
    assert jump[0] - jump[1] == shift
    np.testing.assert_allclose(biased[:-shift], plain[shift:], rtol=0, atol=1e-5)


def test_the_summed_terms_give_the_fused_curves(voronoi):
    """The minimizer on the terms' summed field (a zero Bias in the list) relaxes per-cell
    material to the curves of the fused torque."""
    phis = np.stack([voronoi(9, 3, np.pi, s)[:, :7] for s in range(3)])
    settings = SolverSettings(field_step=0.05, dtype="float64")
    fused, summed = (CurveSolver(MAT, 7, 9, DX, 36e-6, settings, terms=terms).run(
        phis, cells=_cells(9, 7)) for terms in (None, [*standard_terms(), Bias(0.0)]))
    np.testing.assert_allclose(summed.M, fused.M, rtol=0, atol=1e-4)


def test_the_protocol_needs_one_zeeman_term():
    with pytest.raises(ValueError, match="Zeeman"):
        CurveSolver(MAT, 3, 3, terms=[Exchange(), Bias(0.1)])
