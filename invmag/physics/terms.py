"""Field terms of the 2D in-plane model over a state that holds per-cell material tensors (as in
magnum.np), in reduced units of each structure's main phase: fields in its Ms, energies in
µ0·Ms².

The magnetization and the easy axes stay in the xy plane, so the state is one angle per cell,
theta[b, iy, ix], measured from +y towards +x: m = (sin θ, cos θ, 0). Easy axes likewise:
k = (sin φ, cos φ, 0). Fields are stacked as (B, 2, ny, nx) with components (x, y). Every term
adds its field h = H/Ms0 into a shared buffer and gives its energy density averaged over the
cells, in units of µ0·Ms0² (paper eqs. 2–5, with per-cell Ms, A and K1). A model is a list of
terms (Micromagnet); the torque of the standard list has a fused one-pass form (Torque).

Per-cell material (Cells, SI) enters as CellTensors: s = Ms/Ms0 (the demagnetizing field is that
of Ms·m, a cell with Ms = 0 carries no moment), the exchange coupling of each cell to its four
neighbours with the harmonic mean of A between unlike cells (magnum.np's and mumax3's
convention), and the anisotropy coefficient 2K1/(µ0·Ms·Ms0). The interface exchange:
h_i = Σ_j 2·A_ij / (µ0·Ms_i·Ms0·d²) · (m_j − m_i), A_ij = 2·A_i·A_j / (A_i + A_j).
"""

from dataclasses import dataclass
import math

import numpy as np
import torch
import torch.nn.functional as F

from .demag import DemagKernel, convolve
from .material import MU0, Cells, Material

# neighbour offsets (dy, dx) of the four exchange bonds, in the order of CellTensors.exchange
BONDS = ((0, 1), (0, -1), (1, 0), (-1, 0))


def _shifted(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """x at the neighbour (iy + dy, ix + dx) of each cell, wrapping around the grid (callers
    give the wrapped bonds zero weight unless the grid is periodic)."""
    return torch.roll(x, shifts=(-dy, -dx), dims=(-2, -1))


@dataclass
class CellTensors:
    """Per-cell material of a batch in reduced units of each structure's main phase:
    s (B, ny, nx) = Ms/Ms0; exchange (B, 4, ny, nx) the bond coefficients 2A_ij/(µ0·Ms_i·Ms0·d²)
    to the neighbours of BONDS (0 on cells without moment, and across the grid edge unless it
    is periodic);
    anisotropy (B, ny, nx) = 2K1/(µ0·Ms·Ms0) (0 without moment); hA (B,) = H_A/Ms0 of the main
    phase, float64 (the applied field is hA·H rounded once)."""

    s: torch.Tensor
    exchange: torch.Tensor
    anisotropy: torch.Tensor
    hA: torch.Tensor

    @classmethod
    def of(cls, cells: Cells, dx: float, dy: float, device=None, dtype=torch.float32,
           periodic: bool = False):
        """The tensors of per-cell material (SI), bonds of cells dx × dy (m); periodic: the
        bonds across the grid edges too."""
        js, A, K = (np.asarray(v, np.float64) for v in (cells.Js, cells.A, cells.K1))
        main = cells.main()
        js0 = np.array([m.Js for m in main])[:, None, None]
        magnetic = js > 0
        per_ms = np.where(magnetic, MU0 / np.where(magnetic, js * js0, 1), 0)  # 1/(µ0·Ms·Ms0)
        bonds = []
        for dy_, dx_ in BONDS:
            d = dx if dx_ else dy
            a_j = np.roll(A, (-dy_, -dx_), axis=(-2, -1))
            total = A + a_j
            harmonic = np.where(total > 0, 2 * A * a_j / np.where(total > 0, total, 1), 0)
            inside = np.ones(A.shape[-2:], bool)
            if not periodic and dx_:
                inside[:, -1 if dx_ > 0 else 0] = False
            elif not periodic:
                inside[-1 if dy_ > 0 else 0, :] = False
            bonds.append(np.where(inside, 2 * harmonic * per_ms / d ** 2, 0))
        as_tensor = lambda v: torch.as_tensor(v, device=device, dtype=dtype)  # noqa: E731
        return cls(as_tensor(js / js0), as_tensor(np.stack(bonds, 1)),
                   as_tensor(2 * K * per_ms),
                   torch.tensor([m.hA for m in main], device=device, dtype=torch.float64))

    @classmethod
    def uniform_of(cls, material: Material, n: int, ny: int, nx: int, dx: float, dy: float,
                   device=None, dtype=torch.float32, periodic: bool = False):
        """n structures of one material."""
        return cls.of(Cells.uniform(material, n, ny, nx), dx, dy, device, dtype, periodic)


@dataclass
class State:
    """One batch of structures at one point of their curves.

    theta: magnetization angles (B, ny, nx), rad.  kx, ky: easy-axis components (B, ny, nx).
    h: applied field along +y per structure (B,), units of Ms0.  cells: per-cell material.
    """

    theta: torch.Tensor
    kx: torch.Tensor
    ky: torch.Tensor
    h: torch.Tensor
    cells: CellTensors

    @property
    def m(self) -> torch.Tensor:
        """Unit magnetization (B, 2, ny, nx)."""
        return torch.stack((torch.sin(self.theta), torch.cos(self.theta)), dim=-3)


class LinearTerm:
    """A term whose field is linear in m: its energy density is −½ ⟨(Ms/Ms0) m·h⟩."""

    def energy(self, state: State) -> torch.Tensor:
        m = state.m
        h = torch.zeros_like(m)
        self.add_field(h, state, m)
        return -0.5 * (state.cells.s * (m * h).sum(dim=-3)).mean(dim=(-2, -1))


class Exchange(LinearTerm):
    """h_i = Σ_j c_ij (m_j − m_i) over the four neighbours (CellTensors.exchange); a missing
    neighbour at an open edge adds nothing (free boundary, as fidimag)."""

    def add_field(self, h, state, m):
        for c, (dy, dx) in zip(state.cells.exchange.unbind(-3), BONDS):
            h += c[:, None] * (_shifted(m, dy, dx) - m)


class Anisotropy(LinearTerm):
    """Uniaxial, per-cell axis k and coefficient c = 2K1/(µ0·Ms·Ms0): h = c (k·m) k."""

    def add_field(self, h, state, m):
        km = state.cells.anisotropy * (state.kx * m[..., 0, :, :] + state.ky * m[..., 1, :, :])
        h[..., 0, :, :] += km * state.kx
        h[..., 1, :, :] += km * state.ky


class Demag(LinearTerm):
    """Magnetostatic field h = −N ∗ (Ms/Ms0 · m) of one layer of long cells (the kernel's
    boundaries); kernel None: the grid's of the Micromagnet it is given to."""

    def __init__(self, kernel: DemagKernel | None = None):
        self.kernel = kernel

    def add_field(self, h, state, m):
        h += self.kernel.field(state.cells.s[:, None] * m)


class Zeeman:
    """Applied field h along +y (one value per structure)."""

    def add_field(self, h, state, m):
        h[..., 1, :, :] += state.h[:, None, None]

    def energy(self, state: State) -> torch.Tensor:
        return -state.h * (state.cells.s * torch.cos(state.theta)).mean(dim=(-2, -1))


STANDARD = (Demag, Exchange, Anisotropy, Zeeman)  # the model of paper eqs. 2–5


def standard_terms() -> list:
    """A fresh list of the standard terms (Demag of the model's grid)."""
    return [term() for term in STANDARD]


def reference_bonds(reference: Material, dx: float, dy: float) -> tuple[float, float]:
    """Exchange bond coefficients 2A/(µ0·Ms²·d²) of the reference material along x and y (Ms0
    per unit of m)."""
    return 2 * reference.A / (reference.Kd * dx * dx), 2 * reference.A / (reference.Kd * dy * dy)


def _inner(s: torch.Tensor, periodic: bool) -> torch.Tensor:
    """(1, 4, ny, nx): 1 for bonds inside the grid, 0 across its edge (where the zero-padded
    convolution has no neighbour either) unless it is periodic."""
    ny, nx = s.shape[-2:]
    inner = torch.ones((1, 4, ny, nx), device=s.device, dtype=s.dtype)
    if not periodic:
        inner[:, 0, :, -1] = inner[:, 1, :, 0] = inner[:, 2, -1, :] = inner[:, 3, 0, :] = 0
    return inner


def bond_excess(cells: CellTensors, c: tuple[float, float], periodic: bool = False
                ) -> tuple[torch.Tensor, np.ndarray]:
    """(excess (B, 4, ny, nx), several (B,)): what each bond adds to the reference's c·s_j (c of
    reference_bonds), and which structures are of several materials (need it or s at all). A
    structure of the reference material at any temperature (A ∝ Ms², so its bonds equal c up to
    roundoff: below 1e-9·c) gets exactly zero (bonds within 1e-6·c: a working precision's
    rounding of the same value), so its fused torque is bit for bit the one-material torque."""
    c_j = torch.tensor([c[0], c[0], c[1], c[1]], device=cells.s.device,
                       dtype=torch.float64)[None, :, None, None]
    s_j = torch.stack([_shifted(cells.s, dy, dx) for dy, dx in BONDS], 1).double()
    excess = cells.exchange.double() - c_j * s_j * _inner(cells.s, periodic)
    negligible = excess.abs().amax(dim=(1, 2, 3)) <= 1e-6 * max(c)
    excess[negligible] = 0
    several = ~negligible | (cells.s != 1).flatten(1).any(1)
    return excess.to(cells.s.dtype), several.cpu().numpy()


class Torque:
    """(m × h_eff)_z of the standard terms in one convolution (units of Ms0), zero on cells
    without moment: their fused form, an optimization tested against their sum.

    Exchange rides in the demag spectrum as a uniform neighbour sum c (Σ_j s_j m_j) of the
    reference material (the exchange self-term, free boundary included, is parallel to m and
    exerts no torque); where a structure's bonds differ from c·s_j (a second phase, an
    interface) the difference is added as a four-bond stencil. Anisotropy and Zeeman torques are
    local: with a = c_K·kx·ky and b = c_K·(ky² − kx²), c_K(k·m)(m × k)_z = a(mx² − my²) +
    b·mx·my, and h ŷ gives h·mx.
    """

    def __init__(self, reference: Material, kernel: DemagKernel, dx: float, dy: float):
        self.c = reference_bonds(reference, dx, dy)
        self.cK = 2 * reference.K1 / reference.Kd
        self.shape, self.pad = kernel.shape, "circular" if kernel.periodic else "constant"
        k = kernel.spectrum.clone()
        py, px = kernel.shape
        fx = torch.fft.rfftfreq(px, device=k.device, dtype=torch.float64)[:, None]
        fy = torch.fft.fftfreq(py, device=k.device, dtype=torch.float64)[None, :]
        neighbours = (2 * self.c[0] * torch.cos(2 * math.pi * fx)
                      + 2 * self.c[1] * torch.cos(2 * math.pi * fy)).to(k.real.dtype)
        k[0] += neighbours
        k[2] += neighbours
        self.spectrum = k

    def coefficients(self, kx: torch.Tensor, ky: torch.Tensor, anisotropy=None):
        """The anisotropy coefficients (a, b) of easy axes (kx, ky) and per-cell coefficients
        2K1/(µ0·Ms·Ms0) (default: the reference material's): fixed per structure, so a solver
        computes them once."""
        c = self.cK if anisotropy is None else anisotropy
        return c * kx * ky, c * (ky * ky - kx * kx)

    def __call__(self, theta, a, b, h, s=None, excess=None) -> torch.Tensor:
        """Torque (B, ny, nx) at angles theta (B, ny, nx), coefficients a, b, applied field h
        (B,) in Ms0: mx·(hy + h + a·mx + b·my) − my·(hx + a·my), accumulated in place. s (B, ny,
        nx) and excess (bond_excess()) for a structure of several materials, None for one."""
        mx, my = torch.sin(theta), torch.cos(theta)
        m = torch.stack((mx, my), dim=-3)
        field = convolve(m if s is None else s[:, None] * m, self.spectrum, self.shape)
        if excess is not None:
            padded = F.pad(m, (1, 1, 1, 1), self.pad)  # the neighbours as views, no copy per bond
            ny, nx = m.shape[-2:]
            for e, (dy, dx) in zip(excess.unbind(-3), BONDS):
                field.addcmul_(e[:, None], padded[..., 1 + dy:1 + dy + ny, 1 + dx:1 + dx + nx])
        hx, hy = field.unbind(-3)
        t = hy.add_(h[:, None, None]).addcmul_(a, mx).addcmul_(b, my).mul_(mx)
        t = t.addcmul_(hx.addcmul_(a, my), my, value=-1)
        return t if s is None else t.mul_(s > 0)


class Micromagnet:
    """The energy of a grid of nx × ny cells (dx × dy × dz, metres) as a list of field terms
    (default standard_terms(); a Demag without kernel gets the grid's). Each term has
    add_field(h, state, m) and energy(state). For the standard terms the descent's torque is
    their fused form (`torque`, None otherwise); `reference`: the material whose exchange rides
    in its spectrum and against which structures count as of several materials. periodic:
    in-plane periodic boundaries (demag kernel and exchange bonds), else open."""

    def __init__(self, reference: Material, nx: int, ny: int, dx: float, dy: float, dz: float,
                 terms: list | None = None, device=None, dtype=torch.float32,
                 periodic: bool = False):
        self.reference, self.nx, self.ny, self.dx, self.dy = reference, nx, ny, dx, dy
        self.periodic = periodic
        self.device, self.dtype = torch.device(device or "cpu"), dtype
        self.bonds = reference_bonds(reference, dx, dy)
        terms = standard_terms() if terms is None else terms
        if any(type(t) is Demag and t.kernel is None for t in terms):
            kernel = DemagKernel(nx, ny, dx, dy, dz, self.device, dtype, periodic)
            terms = [Demag(kernel) if type(t) is Demag and t.kernel is None else t for t in terms]
        self.terms = terms
        self.torque = None
        if len(terms) == len(STANDARD) and {type(t) for t in terms} == set(STANDARD):
            demag = next(t for t in terms if type(t) is Demag)
            self.torque = Torque(reference, demag.kernel, dx, dy)

    def cells(self, cells: Cells | None, n: int) -> CellTensors:
        """CellTensors of per-cell material, or of n structures of the reference material."""
        if cells is None:
            return CellTensors.uniform_of(self.reference, n, self.ny, self.nx, self.dx, self.dy,
                                          self.device, self.dtype, self.periodic)
        return CellTensors.of(cells, self.dx, self.dy, self.device, self.dtype, self.periodic)

    def field(self, state: State, m: torch.Tensor | None = None) -> torch.Tensor:
        """Effective field (B, 2, ny, nx), units of Ms0."""
        m = state.m if m is None else m
        h = torch.zeros_like(m)
        for term in self.terms:
            term.add_field(h, state, m)
        return h

    def prepare(self, kx: torch.Tensor, ky: torch.Tensor, cells: CellTensors
                ) -> tuple[tuple, np.ndarray]:
        """(tensors, several): what descent() needs of structures with easy axes (kx, ky) (B, ny,
        nx) and material `cells`, fixed along their curves (tensors of B rows), and which of
        them are of several materials (bond_excess)."""
        excess, several = bond_excess(cells, self.bonds, self.periodic)
        if self.torque is None:
            return (kx, ky, cells.s, cells.exchange, cells.anisotropy, cells.hA), several
        return (*self.torque.coefficients(kx, ky, cells.anisotropy), cells.s, excess), several

    def descent(self, theta: torch.Tensor, h: torch.Tensor, tensors, several: bool
                ) -> torch.Tensor:
        """The minimizer's torque (m × h_eff)_z (B, ny, nx), units of Ms0, zero on cells without
        moment, at angles theta and applied fields h (B,) (Ms0) of structures `tensors`
        (prepare()): the fused torque for the standard terms, else the terms' summed field.
        several False: no structure is of several materials, s = 1 and no bond excess is left
        out of the fused torque (it would change no bit, only time)."""
        if self.torque is not None:
            a, b, s, excess = tensors
            return self.torque(theta, a, b, h, *((s, excess) if several else ()))
        kx, ky, *cells = tensors
        state = State(theta, kx, ky, h, CellTensors(*cells))
        m = state.m
        field = self.field(state, m)
        return (m[:, 0] * field[:, 1] - m[:, 1] * field[:, 0]) * (state.cells.s > 0)

    def gradient(self, state: State) -> torch.Tensor:
        """dE/dθ per cell in units of µ0Ms0²·V: (Ms/Ms0)·(m × h_eff)_z, by descent()."""
        tensors = self.prepare(state.kx, state.ky, state.cells)[0]
        return self.descent(state.theta, state.h, tensors, several=True) * state.cells.s

    def energy(self, state: State) -> torch.Tensor:
        """Total energy density per structure (B,), units of µ0·Ms0²."""
        return sum(term.energy(state) for term in self.terms)

    def axes(self, phi: torch.Tensor):
        """Easy-axis components (kx, ky) from angles phi (B, ny, nx), rad from +y towards +x."""
        phi = phi.to(device=self.device, dtype=self.dtype)
        return torch.sin(phi), torch.cos(phi)
