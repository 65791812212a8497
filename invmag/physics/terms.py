"""Field terms of the 2D in-plane model, in reduced units (fields in Ms, energies in µ0·Ms²).

The magnetization and the easy axes stay in the xy plane, so the state is one angle per cell,
theta[b, iy, ix], measured from +y towards +x: m = (sin θ, cos θ, 0). Easy axes likewise:
k = (sin φ, cos φ, 0). Fields are stacked as (B, 2, ny, nx) with components (x, y). Every term
adds its field h = H/Ms into a shared buffer and gives its energy density averaged over the
cells, in units of µ0·Ms² (paper eqs. 2–5).
"""

from dataclasses import dataclass

import math

import torch
import torch.nn.functional as F

from .demag import DemagKernel, convolve
from .material import Material


@dataclass
class State:
    """One batch of structures at one point of their curves.

    theta: magnetization angles (B, ny, nx), rad.  kx, ky: easy-axis components (B, ny, nx).
    h: applied field along +y per structure (B,), units of Ms.
    """

    theta: torch.Tensor
    kx: torch.Tensor
    ky: torch.Tensor
    h: torch.Tensor

    @property
    def m(self) -> torch.Tensor:
        """Unit magnetization (B, 2, ny, nx)."""
        return torch.stack((torch.sin(self.theta), torch.cos(self.theta)), dim=-3)


class LinearTerm:
    """A term whose field is linear in m: its energy density is −½ m·h."""

    def energy(self, state: State) -> torch.Tensor:
        m = state.m
        h = torch.zeros_like(m)
        self.add_field(h, state, m)
        return -0.5 * (m * h).sum(dim=-3).mean(dim=(-2, -1))


class Exchange(LinearTerm):
    """h = (2A / µ0Ms²) Σ_neighbours (m_j − m_i) / d², free (Neumann) boundary as fidimag."""

    def __init__(self, material: Material, dx: float, dy: float):
        self.cx = 2 * material.A / (material.Kd * dx * dx)
        self.cy = 2 * material.A / (material.Kd * dy * dy)

    def add_field(self, h, state, m):
        p = F.pad(m, (1, 1, 1, 1), mode="replicate")  # ghost cells copy the edge: zero normal derivative
        h += self.cx * (p[..., 1:-1, 2:] + p[..., 1:-1, :-2] - 2 * m)
        h += self.cy * (p[..., 2:, 1:-1] + p[..., :-2, 1:-1] - 2 * m)

    def neighbour_spectrum(self, py: int, px: int, device=None, dtype=torch.float32):
        """Real spectrum (px/2 + 1, py) of the neighbour sum c Σ_j m_j on a zero-padded py × px
        grid, in the layout of demag.convolve: the exchange field but for its self-term, which
        is parallel to m (and so is the free-boundary correction: a missing neighbour counts as
        m_i itself)."""
        fx = torch.fft.rfftfreq(px, device=device, dtype=torch.float64)[:, None]
        fy = torch.fft.fftfreq(py, device=device, dtype=torch.float64)[None, :]
        s = 2 * self.cx * torch.cos(2 * math.pi * fx) + 2 * self.cy * torch.cos(2 * math.pi * fy)
        return s.to(dtype)


class Anisotropy(LinearTerm):
    """Uniaxial, per-cell axis k: h = (2K1 / µ0Ms²)(k·m) k."""

    def __init__(self, material: Material):
        self.c = 2 * material.K1 / material.Kd

    def add_field(self, h, state, m):
        km = self.c * (state.kx * m[..., 0, :, :] + state.ky * m[..., 1, :, :])
        h[..., 0, :, :] += km * state.kx
        h[..., 1, :, :] += km * state.ky


class Demag(LinearTerm):
    """Magnetostatic field h = −N ∗ m of one layer of long cells, open boundaries."""

    def __init__(self, kernel: DemagKernel):
        self.kernel = kernel

    def add_field(self, h, state, m):
        h += self.kernel.field(m)


class Zeeman:
    """Applied field h along +y (one value per structure)."""

    def add_field(self, h, state, m):
        h[..., 1, :, :] += state.h[:, None, None]

    def energy(self, state: State) -> torch.Tensor:
        return -state.h * torch.cos(state.theta).mean(dim=(-2, -1))


class Torque:
    """dE/dθ = (m × h_eff)_z of the whole model in one convolution (units of Ms).

    Exchange and demag are one kernel: the exchange self-term, free boundary included, is
    parallel to m and exerts no torque, so the neighbour sum rides in the demag spectrum.
    Anisotropy and Zeeman torques are local: with a = c·kx·ky and b = c·(ky² − kx²),
    c(k·m)(m × k)_z = a(mx² − my²) + b·mx·my, and h ŷ gives h·mx.
    """

    def __init__(self, exchange: Exchange, anisotropy: Anisotropy, kernel: DemagKernel):
        self.c = anisotropy.c
        k = kernel.spectrum.clone()
        py, px = k.shape[-1], 2 * (k.shape[-2] - 1)
        neighbours = exchange.neighbour_spectrum(py, px, k.device, k.real.dtype)
        k[0] += neighbours
        k[2] += neighbours
        self.spectrum = k

    def coefficients(self, kx: torch.Tensor, ky: torch.Tensor):
        """The anisotropy coefficients (a, b) of easy axes (kx, ky): fixed per structure, so a
        solver computes them once."""
        return self.c * kx * ky, self.c * (ky * ky - kx * kx)

    def __call__(self, theta, a, b, h) -> torch.Tensor:
        """Torque (B, ny, nx) at angles theta (B, ny, nx), coefficients a, b, applied field h
        (B,) in Ms: mx·(hy + h + a·mx + b·my) − my·(hx + a·my), accumulated in place."""
        mx, my = torch.sin(theta), torch.cos(theta)
        hx, hy = convolve(torch.stack((mx, my), dim=-3), self.spectrum).unbind(-3)
        t = hy.add_(h[:, None, None]).addcmul_(a, mx).addcmul_(b, my).mul_(mx)
        return t.addcmul_(hx.addcmul_(a, my), my, value=-1)


class Micromagnet:
    """The energy of a grid of nx × ny cells (dx × dy × dz, metres) of one material."""

    def __init__(self, material: Material, nx: int, ny: int, dx: float, dy: float, dz: float,
                 device=None, dtype=torch.float32):
        self.material, self.nx, self.ny = material, nx, ny
        self.device, self.dtype = torch.device(device or "cpu"), dtype
        kernel = DemagKernel(nx, ny, dx, dy, dz, device=self.device, dtype=dtype)
        exchange, anisotropy = Exchange(material, dx, dy), Anisotropy(material)
        self.terms = [Demag(kernel), exchange, anisotropy, Zeeman()]
        self.torque = Torque(exchange, anisotropy, kernel)

    def field(self, state: State, m: torch.Tensor | None = None) -> torch.Tensor:
        """Effective field (B, 2, ny, nx), units of Ms."""
        m = state.m if m is None else m
        h = torch.zeros_like(m)
        for term in self.terms:
            term.add_field(h, state, m)
        return h

    def gradient(self, state: State) -> torch.Tensor:
        """dE/dθ per cell in units of µ0Ms²·V; equals the torque (m × h)_z, so |.| = |m × h_eff|/Ms."""
        return self.torque(state.theta, *self.torque.coefficients(state.kx, state.ky), state.h)

    def energy(self, state: State) -> torch.Tensor:
        """Total energy density per structure (B,), units of µ0·Ms²."""
        return sum(term.energy(state) for term in self.terms)

    def axes(self, phi: torch.Tensor):
        """Easy-axis components (kx, ky) from angles phi (B, ny, nx), rad from +y towards +x."""
        phi = phi.to(device=self.device, dtype=self.dtype)
        return torch.sin(phi), torch.cos(phi)
