"""Field terms of the 2D in-plane model, in reduced units (fields in Ms, energies in µ0·Ms²).

The magnetization and the easy axes stay in the xy plane, so the state is one angle per cell,
theta[b, iy, ix], measured from +y towards +x: m = (sin θ, cos θ, 0). Easy axes likewise:
k = (sin φ, cos φ, 0). Every term gives its field h = H/Ms and its energy density averaged
over the cells, in units of µ0·Ms² (paper eqs. 2–5).
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .demag import DemagKernel
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
    def m(self):
        return torch.sin(self.theta), torch.cos(self.theta)


class LinearTerm:
    """A term whose field is linear in m: its energy density is −½ m·h."""

    def energy(self, state: State) -> torch.Tensor:
        mx, my = state.m
        hx, hy = self.field(state, mx, my)
        return -0.5 * (mx * hx + my * hy).mean(dim=(-2, -1))


class Exchange(LinearTerm):
    """h = (2A / µ0Ms²) Σ_neighbours (m_j − m_i) / d², free (Neumann) boundary as fidimag."""

    def __init__(self, material: Material, dx: float, dy: float):
        self.cx = 2 * material.A / (material.Kd * dx * dx)
        self.cy = 2 * material.A / (material.Kd * dy * dy)

    def field(self, state, mx, my):
        m = torch.stack((mx, my), dim=-3)  # (B, 2, ny, nx)
        p = F.pad(m, (1, 1, 1, 1), mode="replicate")  # ghost cells copy the edge: zero normal derivative
        lap = (self.cx * (p[..., 1:-1, 2:] + p[..., 1:-1, :-2] - 2 * m)
               + self.cy * (p[..., 2:, 1:-1] + p[..., :-2, 1:-1] - 2 * m))
        return lap[..., 0, :, :], lap[..., 1, :, :]


class Anisotropy(LinearTerm):
    """Uniaxial, per-cell axis k: h = (2K1 / µ0Ms²)(k·m) k."""

    def __init__(self, material: Material):
        self.c = 2 * material.K1 / material.Kd

    def field(self, state, mx, my):
        km = self.c * (state.kx * mx + state.ky * my)
        return km * state.kx, km * state.ky


class Demag(LinearTerm):
    """Magnetostatic field h = −N ∗ m of one layer of long cells, open boundaries."""

    def __init__(self, kernel: DemagKernel):
        self.kernel = kernel

    def field(self, state, mx, my):
        return self.kernel.field(mx, my)


class Zeeman:
    """Applied field h along +y (one value per structure)."""

    def field(self, state, mx, my):
        return torch.zeros_like(mx), state.h[:, None, None].expand_as(my)

    def energy(self, state: State) -> torch.Tensor:
        return -state.h * torch.cos(state.theta).mean(dim=(-2, -1))


class Micromagnet:
    """The energy of a grid of nx × ny cells (dx × dy × dz, metres) of one material."""

    def __init__(self, material: Material, nx: int, ny: int, dx: float, dy: float, dz: float,
                 device=None, dtype=torch.float32):
        self.material, self.nx, self.ny = material, nx, ny
        self.device, self.dtype = torch.device(device or "cpu"), dtype
        kernel = DemagKernel(nx, ny, dx, dy, dz, device=self.device, dtype=dtype)
        self.terms = [Exchange(material, dx, dy), Anisotropy(material), Demag(kernel), Zeeman()]

    def field(self, state: State):
        """Effective field (hx, hy), units of Ms."""
        mx, my = state.m
        hx, hy = torch.zeros_like(mx), torch.zeros_like(my)
        for term in self.terms:
            tx, ty = term.field(state, mx, my)
            hx, hy = hx + tx, hy + ty
        return hx, hy

    def gradient(self, state: State) -> torch.Tensor:
        """dE/dθ per cell in units of µ0Ms²·V; equals the torque (m × h)_z, so |.| = |m × h_eff|/Ms."""
        mx, my = state.m
        hx, hy = self.field(state)
        return mx * hy - my * hx

    def energy(self, state: State) -> torch.Tensor:
        """Total energy density per structure (B,), units of µ0·Ms²."""
        return sum(term.energy(state) for term in self.terms)

    def axes(self, phi: torch.Tensor):
        """Easy-axis components (kx, ky) from angles phi (B, ny, nx), rad from +y towards +x."""
        phi = phi.to(device=self.device, dtype=self.dtype)
        return torch.sin(phi), torch.cos(phi)
