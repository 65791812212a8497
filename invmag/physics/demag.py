"""Demagnetizing tensor of one layer of long rectangular cells, and its FFT convolution.

The Newell tensor needs fourth-order differences of the functions f and g (Newell, Williams and
Dunlop, JGR 98, 9551 (1993)). For one layer of cells of thickness L ≫ dx the z-difference is
2[f(x, y, L) − f(x, y, 0)], and evaluating f at z = L cancels catastrophically (terms of size L³
must leave a result of size L·dx²). We use the exact large-L expansion instead,

    f(x, y, L) = L·f2(x, y) − x²y²/(8L) + O(ρ⁶/L³) + terms the x and y differences annihilate,
    g(x, y, L) = L·g2(x, y)             + O(ρ⁶/L³) + annihilated terms,

whose neglected part is below 1e-8 relative for any sample smaller than L/10. Tests compare it
with the naive formula evaluated at 60 digits.

Periodic grids (periodic_tensor): the layer tensor summed over 5 images on each side (11 × 11
copies, 0.8 µm for 80-nm samples ≪ L/10) plus the analytic far-image correction (far_images),
k = 0 set to the infinite plate's 0 (docs/engine.md, "Periodic boundaries").
"""

from functools import lru_cache

import numpy as np
import torch


def _f0(x, y):
    """Newell f(x, y, 0) (float64 arrays, lengths in units of dx)."""
    x, y = np.abs(x), np.abs(y)
    r = np.hypot(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(x > 0, -0.5 * y * x * x * np.arcsinh(y / np.where(x > 0, x, 1)), 0.0)
    return (2 * x * x - y * y) * r / 6 + t


def _g0(x, y):
    """Newell g(x, y, 0)."""
    s = np.sign(x) * np.sign(y)
    x, y = np.abs(x), np.abs(y)
    r = np.hypot(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(y > 0, -y**3 / 6 * np.arcsinh(x / np.where(y > 0, y, 1)), 0.0)
        b = np.where(x > 0, -x**3 / 6 * np.arcsinh(y / np.where(x > 0, x, 1)), 0.0)
    return s * (-x * y * r / 3 + a + b)


def _f2(x, y):
    """Coefficient of L in f(x, y, L) for L → ∞, up to annihilated terms."""
    x, y = np.abs(x), np.abs(y)
    rho2 = x * x + y * y
    with np.errstate(divide="ignore", invalid="ignore"):
        log = np.where(rho2 > 0, 0.5 * np.log(np.where(rho2 > 0, rho2, 1)), 0.0)
        at = np.where(x > 0, np.arctan(y / np.where(x > 0, x, 1)), np.pi / 2)
    return 0.5 * (x * x - y * y) * log - x * y * at


def _g2(x, y):
    """Coefficient of L in g(x, y, L) for L → ∞, up to annihilated terms."""
    s = np.sign(x) * np.sign(y)
    x, y = np.abs(x), np.abs(y)
    rho2 = x * x + y * y
    with np.errstate(divide="ignore", invalid="ignore"):
        log = np.where(rho2 > 0, 0.5 * np.log(np.where(rho2 > 0, rho2, 1)), 0.0)
        ax = np.where(y > 0, np.arctan(x / np.where(y > 0, y, 1)), np.pi / 2)
        ay = np.where(x > 0, np.arctan(y / np.where(x > 0, x, 1)), np.pi / 2)
    return s * (-x * y * log - 0.5 * y * y * ax - 0.5 * x * x * ay)


def _second_differences(func, X, Y, a, b):
    """D²x D²y func at offsets (X, Y) with steps (a, b)."""
    out = 0.0
    for i, wi in ((-1, 1.0), (0, -2.0), (1, 1.0)):
        for j, wj in ((-1, 1.0), (0, -2.0), (1, 1.0)):
            out = out + wi * wj * func(X + i * a, Y + j * b)
    return out


def layer_tensor(nx: int, ny: int, dx: float, dy: float, dz: float):
    """In-plane demag tensor (Nxx, Nyy, Nxy) of one layer of dx × dy × dz cells (any length unit).

    Returns float64 arrays of shape (2ny−1, 2nx−1), indexed by offset (Y, X) with zero offset at
    the centre. Self term: Nxx + Nyy + Nzz = 1 with Nzz ≈ 0 for dz ≫ dx.
    """
    if min(nx, ny) < 1 or min(dx, dy, dz) <= 0:
        raise ValueError("grid sizes and cell dimensions must be positive")
    # Lengths in units of dx, offsets as (Y, X) grids.
    b, L = dy / dx, dz / dx
    X = np.arange(-(nx - 1), nx, dtype=np.float64)[None, :]
    Y = b * np.arange(-(ny - 1), ny, dtype=np.float64)[:, None]
    X, Y = np.broadcast_arrays(X, Y)
    scale = 1.0 / (2 * np.pi * b)  # −2·D²z/(4π·dx·dy·dz) with D²z f = 2[f(L) − f(0)], dx = 1

    def component(f2, f0, correction):
        main = _second_differences(f2, X, Y, 1.0, b)
        thin = _second_differences(f0, X, Y, 1.0, b) / L
        return -scale * (main + correction / L**2 - thin)

    x2y2 = -4.0 * b * b / 8.0  # D²x D²y of −x²y²/8 with steps (1, b)
    nxx = component(_f2, _f0, x2y2)
    nyy = component(lambda x, y: _f2(y, x), lambda x, y: _f0(y, x), x2y2 / 1.0)
    nxy = component(_g2, _g0, 0.0)
    return nxx, nyy, nxy


IMAGES = 5  # periodic images summed on each side, the rest by far_images (docs/engine.md)


def _fold(n: int, images: int) -> np.ndarray:
    """(2·images·n + 2⌊n/2⌋ + 1, n) weights that sum the offsets −(images·n + ⌊n/2⌋) …
    +(images·n + ⌊n/2⌋) onto their classes mod n: 2·images + 1 images of each class around
    its minimum image, the two end offsets at half weight when n is even (class n/2 has the two
    minimum images ±n/2)."""
    reach = images * n + n // 2
    s = np.arange(-reach, reach + 1)
    fold = np.zeros((len(s), n))
    fold[np.arange(len(s)), s % n] = 1.0
    if n % 2 == 0:
        fold[[0, -1]] *= 0.5
    return fold


def far_images(nx: int, ny: int, b: float, images: int) -> float:
    """c = Σ ∂x⁴ log|R| over the lattice R = (a·nx, β·ny·b) (lengths in dx) outside the
    summed images (max(|a|, |β|) > images): the images beyond the cut-off, far from the sample
    (R ≪ L: 2D line dipoles N = (b/2π) ∂i∂j log R), change the kernel by ½ r r : Σ ∂∂N(R), i.e.
    (b/2π)·c·(½(x² − y²), ½(y² − x²), −xy) on (Nxx, Nyy, Nxy) (a uniform part aside). Rows
    beyond the cut-off sum to e^(−2π|β|·ny·b/nx) and are taken up to that of 1e-16."""
    px, py = float(nx), ny * b
    reach = images + 6 * int(np.ceil(px / py))
    rows = np.arange(-reach, reach + 1)
    a = np.arange(0, 20000)[None, :]
    x, y = a * px, rows[:, None] * py
    r2 = x * x + y * y
    with np.errstate(divide="ignore", invalid="ignore"):
        d4 = np.where(r2 > 0, -6 * (x**4 - 6 * x * x * y * y + y**4) / r2**4, 0.0)
    outside = (a > images) | (np.abs(rows[:, None]) > images)
    return float(((np.where(a > 0, 2.0, 1.0) * d4)[outside]).sum())


def _offsets(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The classes 0 … n−1 of offsets as minimum images (cells), for even and for odd functions
    of the offset: the class n/2 of an even n holds ±n/2, on which an odd function averages
    to 0."""
    x = (np.arange(n) + n // 2) % n - n // 2
    return x, np.where(2 * np.abs(x) == n, 0, x)


@lru_cache(maxsize=8)  # 0.5 s for 40 × 40; a curve's retry builds its solver again
def periodic_tensor(nx: int, ny: int, dx: float, dy: float, dz: float, images: int = IMAGES):
    """In-plane demag tensor (Nxx, Nyy, Nxy) of the layer repeated periodically in x and y,
    float64 (ny, nx) indexed by offset mod (ny, nx): the layer tensor summed over the
    (2·images + 1)² images of each minimum-image offset r (_fold), plus the images beyond by
    far_images. Its mean (the k = 0 term) is that of a finite block; DemagKernel sets it to the
    infinite plate's, zero."""
    big = layer_tensor(images * nx + nx // 2 + 1, images * ny + ny // 2 + 1, dx, dy, dz)
    fx, fy = _fold(nx, images), _fold(ny, images)
    b = dy / dx
    (x, x_odd), (y, y_odd) = _offsets(nx), (b * v for v in _offsets(ny))
    x, x_odd, y, y_odd = x[None, :], x_odd[None, :], y[:, None], y_odd[:, None]
    c = b / (2 * np.pi) * far_images(nx, ny, b, images)
    tail = (0.5 * c * (x * x - y * y), 0.5 * c * (y * y - x * x), -c * x_odd * y_odd)
    return tuple(fy.T @ n @ fx + t for n, t in zip(big, tail))


class DemagKernel:
    """FFT convolution of m (…, 2, ny, nx) with the layer tensor: zero padded to (2ny, 2nx)
    (open boundaries) or circular on (ny, nx) (periodic: periodic_tensor, with no field for a
    uniform m, the infinite plate's k = 0 term).

    shape: the transform grid (py, px). spectrum: (3, px/2 + 1, py) complex, the spectra of
    −(Nxx, Nxy, Nyy) on that grid, indexed [component, x frequency, y frequency] (the layout of
    convolve). Every component is even or odd in both X and Y, so the values are real; they are
    stored as complex numbers because multiplying a complex transform by a real tensor would
    convert it on every call.
    """

    def __init__(self, nx: int, ny: int, dx: float, dy: float, dz: float, device=None,
                 dtype=torch.float32, periodic: bool = False):
        self.nx, self.ny, self.periodic = nx, ny, periodic
        self.shape = py, px = (ny, nx) if periodic else (2 * ny, 2 * nx)
        nxx, nyy, nxy = (periodic_tensor if periodic else layer_tensor)(nx, ny, dx, dy, dz)
        spectra = []
        for n in (nxx, nxy, nyy):
            if not periodic:  # place offset (Y, X) at index (Y mod py, X mod px): circular layout
                padded = np.zeros((py, px))
                padded[np.ix_(np.arange(-(ny - 1), ny) % py, np.arange(-(nx - 1), nx) % px)] = n
                n = padded
            spectra.append(-np.fft.rfft2(n).real.T)  # −N: h = −N ∗ m
        spectra = np.array(spectra)
        if periodic:
            spectra[:, 0, 0] = 0.0  # the infinite plate: no field of a uniform in-plane m
        self.spectrum = torch.as_tensor(spectra, device=device, dtype=dtype.to_complex())

    def field(self, m: torch.Tensor) -> torch.Tensor:
        """Demag field (…, 2, ny, nx) in units of Ms of the magnetization m (…, 2, ny, nx)."""
        return convolve(m, self.spectrum, self.shape)


def convolve(m: torch.Tensor, spectrum: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """h_i = Σ_j K_ij ∗ m_j of an in-plane field m (…, 2, ny, nx), zero padded to the grid
    shape (py, px) (no padding where it is (ny, nx): periodic) of spectrum (3, px//2 + 1, py),
    the spectra of (K_xx, K_xy, K_yy) (DemagKernel).

    The column transform runs on contiguous lines of the transposed row transform (25–30 %
    faster than on strided ones). The transforms skip the padding: the row transform runs on
    the ny rows of m only, and only the ny rows and nx columns of the result are transformed
    back.
    """
    ny, nx = m.shape[-2:]
    py, px = shape
    f = torch.fft.fft(torch.fft.rfft(m, n=px, dim=-1).mT, n=py, dim=-1)
    fx, fy = f.unbind(-3)
    kxx, kxy, kyy = spectrum
    h = torch.empty_like(f)
    torch.mul(kxx, fx, out=h[..., 0, :, :]).addcmul_(kxy, fy)
    torch.mul(kxy, fx, out=h[..., 1, :, :]).addcmul_(kyy, fy)
    return torch.fft.irfft(torch.fft.ifft(h, dim=-1)[..., :ny].mT, n=px, dim=-1)[..., :nx]
