"""Demag tensor of one layer of 2 × 2 × 36 000 nm cells: sum rules, a 60-digit reference for the
Newell formulas, and the exact demagnetizing factor of a uniformly magnetized prism (Aharoni)."""

import mpmath as mp
import pytest
import torch

from invmag.physics.demag import DemagKernel, layer_tensor

DX, DZ = 2.0, 36000.0
mp.mp.dps = 60


def _newell_f(x, y, z):
    x, y, z = abs(x), abs(y), abs(z)
    x2, y2, z2 = x * x, y * y, z * z
    r = mp.sqrt(x2 + y2 + z2)
    res = (2 * x2 - y2 - z2) * r / 6
    if x2 + z2 > 0:
        res += y / 2 * (z2 - x2) * mp.asinh(y / mp.sqrt(x2 + z2))
    if x2 + y2 > 0:
        res += z / 2 * (y2 - x2) * mp.asinh(z / mp.sqrt(x2 + y2))
    if x * r > 0:
        res -= x * y * z * mp.atan(y * z / (x * r))
    return res


def _newell_g(x, y, z):
    sign = mp.sign(x) * mp.sign(y)
    x, y, z = abs(x), abs(y), abs(z)
    x2, y2, z2 = x * x, y * y, z * z
    r = mp.sqrt(x2 + y2 + z2)
    res = -x * y * r / 3
    if x2 + y2 > 0:
        res += x * y * z * mp.asinh(z / mp.sqrt(x2 + y2))
    if y2 + z2 > 0:
        res += y / 6 * (3 * z2 - y2) * mp.asinh(x / mp.sqrt(y2 + z2))
    if x2 + z2 > 0:
        res += x / 6 * (3 * z2 - x2) * mp.asinh(y / mp.sqrt(x2 + z2))
    if z * r > 0:
        res -= z**3 / 6 * mp.atan(x * y / (z * r))
    if y * r > 0:
        res -= z * y2 / 2 * mp.atan(x * z / (y * r))
    if x * r > 0:
        res -= z * x2 / 2 * mp.atan(y * z / (x * r))
    return sign * res


def _newell(fn, X, Y):
    """The textbook formula −D²x D²y D²z fn / (4π V) at 60 digits."""
    X, Y, dx, dz = mp.mpf(X) * DX, mp.mpf(Y) * DX, mp.mpf(DX), mp.mpf(DZ)
    total = 0
    for i, wi in ((-1, 1), (0, -2), (1, 1)):
        for j, wj in ((-1, 1), (0, -2), (1, 1)):
            for k, wk in ((-1, 1), (0, -2), (1, 1)):
                total += wi * wj * wk * fn(X + i * dx, Y + j * dx, k * dz)
    return -total / (4 * mp.pi * dx * dx * dz)


@pytest.fixture(scope="module")
def tensor():
    return layer_tensor(41, 41, DX, DX, DZ)


@pytest.mark.parametrize("X,Y", [(0, 0), (1, 0), (0, 1), (3, 2), (-5, 7), (40, 13)])
def test_tensor_matches_high_precision_newell(tensor, X, Y):
    nxx, nyy, nxy = (t[40 + Y, 40 + X] for t in tensor)
    ref_xx = float(_newell(_newell_f, X, Y))
    ref_yy = float(_newell(lambda a, b, c: _newell_f(b, a, c), X, Y))
    ref_xy = float(_newell(_newell_g, X, Y))
    scale = abs(ref_xx) + abs(ref_yy)
    assert abs(nxx - ref_xx) < 1e-8 * scale
    assert abs(nyy - ref_yy) < 1e-8 * scale
    assert abs(nxy - ref_xy) < 1e-8 * scale


def test_self_term_trace_is_one_and_nzz_vanishes(tensor):
    nxx, nyy, nxy = (t[40, 40] for t in tensor)
    nzz = float(_newell(lambda a, b, c: _newell_f(c, b, a), 0, 0))
    assert nxx + nyy + nzz == pytest.approx(1.0, abs=1e-12)
    assert 0 < nzz < 1e-4  # the long cell: almost no demag along z
    assert nxx == pytest.approx(nyy, abs=1e-14) and nxx == pytest.approx(0.5, abs=1e-4)
    assert nxy == 0.0


def _aharoni_dz(a, b, c):
    """Exact demag factor along c of a prism 2a × 2b × 2c (Aharoni, JAP 83, 3432 (1998))."""
    a, b, c = mp.mpf(a), mp.mpf(b), mp.mpf(c)
    r = mp.sqrt(a * a + b * b + c * c)
    ab, bc, ac = mp.sqrt(a * a + b * b), mp.sqrt(b * b + c * c), mp.sqrt(a * a + c * c)
    t = ((b * b - c * c) / (2 * b * c) * mp.log((r - a) / (r + a))
         + (a * a - c * c) / (2 * a * c) * mp.log((r - b) / (r + b))
         + b / (2 * c) * mp.log((ab + a) / (ab - a)) + a / (2 * c) * mp.log((ab + b) / (ab - b))
         + c / (2 * a) * mp.log((bc - b) / (bc + b)) + c / (2 * b) * mp.log((ac - a) / (ac + a))
         + 2 * mp.atan(a * b / (c * r)) + (a**3 + b**3 - 2 * c**3) / (3 * a * b * c)
         + (a * a + b * b - 2 * c * c) / (3 * a * b * c) * r + c / (a * b) * (ac + bc)
         - (ab**3 + bc**3 + ac**3) / (3 * a * b * c))
    return float(t / mp.pi)


@pytest.mark.parametrize("n", [1, 4, 16, 48])
def test_uniform_square_sample_has_exact_prism_demag_factors(n):
    """Σ over cells of the exact cell tensor = the exact factor of the whole n×n×1 prism."""
    kernel = DemagKernel(n, n, DX, DX, DZ, dtype=torch.float64)
    ux = torch.zeros(1, 2, n, n, dtype=torch.float64)
    ux[:, 0] = 1
    h = kernel.field(ux)
    n_xx, n_yx = -h[:, 0].mean().item(), -h[:, 1].mean().item()
    half = n * DX / 2
    exact = _aharoni_dz(DZ / 2, half, half)  # x is the prism's "c" axis
    assert n_xx == pytest.approx(exact, abs=1e-7)
    assert abs(n_yx) < 1e-10
    h = kernel.field(ux.flip(1))  # m along y
    assert -h[:, 1].mean().item() == pytest.approx(n_xx, abs=1e-10)
    # long square prism: in-plane factors 0.5 − O(w/L)
    assert 0.5 - n * DX / DZ < n_xx < 0.5


def test_bad_grid_is_rejected():
    with pytest.raises(ValueError):
        layer_tensor(0, 4, DX, DX, DZ)
