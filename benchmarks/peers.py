"""The same demagnetization curve computed by an independent code (magnum.np), for cross-checks
and benchmarks. Not part of the invmag package: magnum.np is a test extra.

magnum.np works in SI units on a 3D mesh; the structure becomes nx × ny × 1 cells of
dx × dx × thickness with a per-cell easy axis (sin φ, cos φ, 0), and its MinimizerBB relaxes
every field step (Exl et al. 2014, the algorithm invmag's solver restricts to the plane).

Per-cell material: Js (T), A (J/m) and K1 (J/m³) may each be an (ny, nx) array indexed
[iy, ix] like phi, one value per cell, in place of material's constant. magnum.np takes them as
per-cell tensors as they are: its demag field is that of Ms_i m_i; its exchange couples
neighbours i, j with 2 A_i A_j / (A_i dx_j + A_j dx_i), the harmonic mean of A over dx (0 when
one of them is 0; 0/0 when both are, which its nan_to_num turns into a zero field); anisotropy
and exchange fields are divided by the cell's own Ms. A cell with Js = 0 (a non-magnetic phase)
is held at m = 0: magnum.np's midpoint step keeps m = 0 exactly and its torque m × (m × H) there
is 0, so the cell carries no moment, takes no part in the step length or the stopping test, and
exerts no torque on its neighbours (their exchange with it, A_ij (0 − m_i), is parallel to m_i),
whatever its A and K1; its own exchange and anisotropy fields, divided by Ms = 0, magnum.np
zeroes with nan_to_num.

Units with per-cell material: the main phase is the cells of the largest Js (A and K1 of the
first such cell in [iy, ix] order); fields are in its H_A = 2 K1 / Js = 2 K1 / (µ0 Ms) (A/m) and
the magnetization is the Ms-weighted mean M = Σ_i Ms_i m_y,i / (N_cells · Ms_main), so a
saturated structure has M = Σ_i Js_i / (N_cells · Js_main) (1 for one material).

Periodic boundaries (images > 0): magnum.np's Mesh(..., pbc=(k, k, 0)) wraps the exchange and
sums its demag kernel over the (2k + 1)² nearest images, a block (2k + 1)·n·dx wide and as long
as the cells, which still has a macroscopic demagnetizing field −N·⟨M⟩. BlockCancel adds it
back (+N·⟨M⟩, N measured from magnum.np's own kernel on a uniform state), so that a uniform
in-plane M feels no field, as inside a bulk magnet (invmag's periodic grid, docs/engine.md).
"""

from contextlib import contextmanager
import logging
import os

import numpy as np
import torch

from invmag.physics.solver_settings import DTYPES, SolverSettings
from invmag.physics.material import MU0, Material

# magnum.np's step bound in its units, m/A (τ multiplies m × H with H in A/m); 1.28 in units of
# 1/Ms for Nd2Fe14B, close to invmag's default tau_max = 1 (docs/conventions.md: a bounded step).
MAGNUMNP_TAU_MAX = 1e-6


def _set_default_device(device):
    """torch.set_default_device, None for the CPU: the same default without the function mode
    that a device set puts before every torch call (a Python dispatch each; it made magnum.np
    1.5 × slower and, left behind, every later torch call in the process)."""
    torch.set_default_device(None if torch.device(device).type == "cpu" else device)


@contextmanager
def _torch_defaults(dtype, device):
    """magnum.np reads (and on import overwrites) torch's global default dtype and device:
    set them for the duration of a run and restore the caller's afterwards."""
    saved = torch.get_default_dtype(), torch.get_default_device()
    torch.set_default_dtype(dtype)
    _set_default_device(device)
    try:
        yield
    finally:
        torch.set_default_dtype(saved[0])
        _set_default_device(saved[1])


def _import_magnumnp(device):
    """Import magnum.np, undoing what its import does to torch's global state (default dtype and
    device, RNG seed). CUDA_DEVICE tells it the device instead of probing the GPUs."""
    rng = torch.random.get_rng_state()
    with _torch_defaults(torch.get_default_dtype(), torch.get_default_device()):
        os.environ.setdefault("CUDA_DEVICE", "0" if torch.device(device).type == "cuda" else "-1")
        import magnumnp
        magnumnp.logging.set_log_level(logging.WARNING)  # one line per iteration otherwise
    torch.random.set_rng_state(rng)
    return magnumnp


def _per_cell(name, value, default, shape):
    """(ny, nx) float64 array of a material parameter: the given per-cell array, or the constant."""
    if value is None:
        return np.full(shape, float(default))
    value = np.asarray(value, dtype=np.float64)
    if value.shape != shape:
        raise ValueError(f"per-cell {name} must have the shape of phi {shape}, got {value.shape}")
    if not (np.isfinite(value).all() and (value >= 0).all()):
        raise ValueError(f"per-cell {name} must be finite and >= 0")
    return value


class BlockCancel:
    """magnum.np field term h = N·⟨Ms m⟩ (in-plane, A/m) that cancels the macroscopic field of the
    finite block of a pseudo-periodic DemagField: N (3 × 3, its in-plane block nonzero) measured
    on uniform states (Nxy is not quite 0: its images of the offset n/2 are not symmetric)."""

    def __init__(self, mnp, mesh, demag):
        probe = mnp.State(mesh)
        probe.material = {"Ms": probe.Constant(1.0)}
        self.N = torch.zeros(3, 3)
        for axis in range(2):
            probe.m = probe.Constant([float(axis == 0), float(axis == 1), 0.0])
            self.N[:2, axis] = -demag.h(probe)[..., :2].mean(dim=(0, 1, 2))

    def h(self, state):
        moment = (state.material["Ms"] * state.m).mean(dim=(0, 1, 2))
        return (self.N.to(moment) @ moment).expand_as(state.m)

    def E(self, state):
        return -0.5 * MU0 * (state.material["Ms"] * state.m * self.h(state)
                             * state.mesh.cell_volumes).sum()


def _demag_terms(mnp, mesh, images: int) -> list:
    """magnum.np's demag of the mesh: open, or pseudo-periodic with the block's field cancelled."""
    demag = mnp.DemagField()
    return [demag, BlockCancel(mnp, mesh, demag)] if images else [demag]


def magnumnp_demag(m, images: int, cell_size_m: float = 2e-9, thickness_m: float = 36e-6):
    """magnum.np's demag field (ny, nx, 2) in units of Ms of an in-plane m (ny, nx, 2) [iy, ix]
    of one material, float64, on a grid periodic with `images` images per side (0: open)."""
    mnp = _import_magnumnp("cpu")
    m = np.asarray(m, np.float64).transpose(1, 0, 2)[:, :, None]  # [ix, iy, iz, xy]
    with _torch_defaults(torch.float64, torch.device("cpu")):
        mesh = mnp.Mesh((m.shape[0], m.shape[1], 1), (cell_size_m, cell_size_m, thickness_m),
                        pbc=(images, images, 0))
        state = mnp.State(mesh)
        state.material = {"Ms": state.Constant(1.0)}
        state.m = torch.tensor(np.concatenate((m, np.zeros_like(m[..., :1])), -1))
        h = sum(term.h(state) for term in _demag_terms(mnp, mesh, images))
    return h[:, :, 0, :2].numpy().transpose(1, 0, 2)


def magnumnp_curve(phi, material: Material = Material(), cell_size_m: float = 2e-9,
                   thickness_m: float = 36e-6, settings: SolverSettings = SolverSettings(),
                   tau_max: float = MAGNUMNP_TAU_MAX, device="cpu", *, Js=None, A=None, K1=None,
                   images: int = 0):
    """Demagnetization curve of one structure phi[iy, ix] (rad from +y towards +x) by magnum.np,
    with invmag's protocol (docs/conventions.md): m along +y at H = +H_A, then H lowered in steps of
    settings.field_step (H_A) to −H_A, each field relaxed from the previous state.

    Material: Js (T), A (J/m), K1 (J/m³) given as (ny, nx) arrays [iy, ix] set that parameter per
    cell; material supplies any not given (module docstring: the main phase, Js = 0 cells). With
    none given it is one material throughout and the result is the same as with no per-cell path.

    Precision: settings.dtype for everything magnum.np computes (its demag kernel is always
    built in float64 and then cast). Stopping: magnum.np stops when max |m × (m × H)| over cells
    and components is below dm_tol (A/m); dm_tol = settings.tolerance · Ms_main, the same bound
    in A/m for every cell whatever its Ms. |m × (m × H)| = |m × H| for a unit m, so this is
    invmag's max |m × h_eff| < tolerance (units of Ms_main) taken per component: it stops no
    later than invmag on the same state (at most √2 looser).
    tau_min (settings, 1/Ms_main) is converted to m/A; tau_max is in m/A.
    images: periodic boundaries with that many images per side (module docstring), 0: open.

    Returns (H (n,) in H_A of the main phase, M (n,) = Σ Ms_i m_y,i / (N_cells · Ms_main)).
    Raises RuntimeError if a field step does not converge within settings.max_iterations or m
    turns non-finite.
    """
    mnp = _import_magnumnp(device)
    phi = np.asarray(phi, dtype=np.float64)
    Js, A, K1 = (_per_cell(name, v, getattr(material, name), phi.shape)
                 for name, v in (("Js", Js), ("A", A), ("K1", K1)))
    if not Js.max() > 0:
        raise ValueError("no magnetic cell (Js = 0 everywhere)")
    i = np.unravel_index(np.argmax(Js), Js.shape)  # main phase: first cell of the largest Js
    main = Material(A=float(A[i]), Js=float(Js[i]), K1=float(K1[i]))
    weight = (Js / main.Js).T[:, :, None, None]  # Ms_i / Ms_main; exactly 1 for one material
    # magnum.np indexes cells [ix, iy, iz]
    phi, Ms, A, K1 = (x.T[:, :, None] for x in (phi, Js / MU0, A, K1))
    H = settings.fields()
    M = np.empty(len(H))
    dtype = DTYPES[settings.dtype]
    with _torch_defaults(dtype, torch.device(device)):
        mesh = mnp.Mesh((phi.shape[0], phi.shape[1], 1), (cell_size_m, cell_size_m, thickness_m),
                        pbc=(images, images, 0))
        state = mnp.State(mesh)
        axis = np.stack((np.sin(phi), np.cos(phi), np.zeros_like(phi)), axis=-1)
        tensor = lambda x: torch.tensor(x, dtype=dtype)  # noqa: E731
        state.material = {"Ms": tensor(Ms), "A": tensor(A), "Ku": tensor(K1),
                          "Ku_axis": tensor(axis)}
        m = state.Constant([0.0, 1.0, 0.0])
        m[torch.as_tensor(Ms[..., 0] == 0, device=m.device)] = 0.0  # no moment: held at m = 0
        state.m = m
        weight = tensor(weight)
        zeeman = mnp.ExternalField([0.0, 0.0, 0.0])
        minimizer = mnp.MinimizerBB([*_demag_terms(mnp, mesh, images), mnp.ExchangeField(),
                                     mnp.UniaxialAnisotropyField(), zeeman])
        for k, h in enumerate(H):
            zeeman.h = torch.tensor([0.0, float(h * main.HA), 0.0])  # A/m
            ok = minimizer.minimize(state, maxiter=settings.max_iterations,
                                    dm_tol=settings.tolerance * main.Ms,
                                    tau_min=settings.tau_min / main.Ms, tau_max=tau_max)
            if not ok:
                raise RuntimeError(f"magnum.np did not converge at H = {h:+.2f} H_A")
            if not torch.isfinite(state.m).all():
                raise RuntimeError(f"magnum.np's m is not finite at H = {h:+.2f} H_A")
            # weight · m has m's layout, so one material reduces exactly as m[..., 1].mean()
            M[k] = (state.m * weight)[..., 1].mean().item()
    return H, M
