"""The same demagnetization curve computed by an independent code (magnum.np), for cross-checks
and benchmarks. Not part of the invmag package: magnum.np is a test extra.

magnum.np works in SI units on a 3D mesh; the structure becomes nx × ny × 1 cells of
dx × dx × thickness with a per-cell easy axis (sin φ, cos φ, 0), and its MinimizerBB relaxes
every field step (Exl et al. 2014, the algorithm invmag's solver restricts to the plane).
"""

from contextlib import contextmanager
import logging
import os

import numpy as np
import torch

from invmag.physics.solver_settings import DTYPES, SolverSettings
from invmag.physics.material import Material

# magnum.np's step bound in its units, m/A (τ multiplies m × H with H in A/m); 1.28 in units of
# 1/Ms for Nd2Fe14B, close to invmag's default tau_max = 1 (docs/conventions.md: a bounded step).
MAGNUMNP_TAU_MAX = 1e-6


@contextmanager
def _torch_defaults(dtype, device):
    """magnum.np reads (and on import overwrites) torch's global default dtype and device:
    set them for the duration of a run and restore the caller's afterwards."""
    saved = torch.get_default_dtype(), torch.get_default_device()
    torch.set_default_dtype(dtype)
    torch.set_default_device(device)
    try:
        yield
    finally:
        torch.set_default_dtype(saved[0])
        torch.set_default_device(saved[1])


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


def magnumnp_curve(phi, material: Material = Material(), cell_size_m: float = 2e-9,
                   thickness_m: float = 36e-6, settings: SolverSettings = SolverSettings(),
                   tau_max: float = MAGNUMNP_TAU_MAX, device="cpu"):
    """Demagnetization curve of one structure phi[iy, ix] (rad from +y towards +x) by magnum.np,
    with invmag's protocol (docs/conventions.md): m along +y at H = +H_A, then H lowered in steps of
    settings.field_step (H_A) to −H_A, each field relaxed from the previous state.

    Precision: settings.dtype for everything magnum.np computes (its demag kernel is always
    built in float64 and then cast). Stopping: magnum.np stops when max |m × (m × H)| over cells
    and components is below dm_tol (A/m); dm_tol = settings.tolerance · Ms. |m × (m × H)| =
    |m × H| for a unit m, so this is invmag's max |m × h_eff| < tolerance (units of Ms) taken
    per component: it stops no later than invmag on the same state (at most √2 looser).
    tau_min (settings, 1/Ms) is converted to m/A; tau_max is in m/A.

    Returns (H (n,) in H_A, M (n,) = <m_y> in Ms). Raises RuntimeError if a field step does
    not converge within settings.max_iterations.
    """
    mnp = _import_magnumnp(device)
    phi = np.asarray(phi, dtype=np.float64).T  # magnum.np indexes cells [ix, iy, iz]
    H = settings.fields()
    M = np.empty(len(H))
    dtype = DTYPES[settings.dtype]
    with _torch_defaults(dtype, torch.device(device)):
        mesh = mnp.Mesh((phi.shape[0], phi.shape[1], 1), (cell_size_m, cell_size_m, thickness_m))
        state = mnp.State(mesh)
        axis = np.stack((np.sin(phi), np.cos(phi), np.zeros_like(phi)), axis=-1)[:, :, None]
        state.material = {"Ms": material.Ms, "A": material.A, "Ku": material.K1,
                          "Ku_axis": torch.tensor(axis, dtype=dtype)}
        state.m = state.Constant([0.0, 1.0, 0.0])
        zeeman = mnp.ExternalField([0.0, 0.0, 0.0])
        minimizer = mnp.MinimizerBB([mnp.DemagField(), mnp.ExchangeField(),
                                     mnp.UniaxialAnisotropyField(), zeeman])
        for k, h in enumerate(H):
            zeeman.h = torch.tensor([0.0, float(h * material.HA), 0.0])  # A/m
            ok = minimizer.minimize(state, maxiter=settings.max_iterations,
                                    dm_tol=settings.tolerance * material.Ms,
                                    tau_min=settings.tau_min / material.Ms, tau_max=tau_max)
            if not ok:
                raise RuntimeError(f"magnum.np did not converge at H = {h:+.2f} H_A")
            M[k] = state.m[..., 1].mean().item()
    return H, M
