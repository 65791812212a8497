"""The one place a config becomes a solver: curves and anchors of structures under a run
config, with the retry every caller shares (`invmag simulate`, labels, designs, recipes).

A curve that did not converge or misses an anchor is computed once more with half the step
bounds tau_max and lbfgs_rotation (same structure); the second result is kept either way, so a
structure gets the same anchors whichever command simulates it.
"""

from dataclasses import dataclass, field, replace

import numpy as np

from .anchors import anchors
from .curve import CurveSolver
from .material import Cells
from .solver_settings import SolverSettings


@dataclass
class SimulatedCurves:
    """Demagnetization curves of N structures: H (n,) in H_A (+1 → −1), M (N, n) in Ms (NaN
    where not computed), anchors (N, 6), converged (N,), flagged (N,) an anchor is missing,
    iterations (N,); states (N, n, ny, nx) the magnetization angles (rad) at each computed field
    when asked for, else None; materials: per structure the Material of its main phase, whose
    Ms and H_A the reduced units are (SI: M·Ms, H·H_A); files: what was written of them
    ({kind: path})."""

    H: np.ndarray
    M: np.ndarray
    anchors: np.ndarray
    converged: np.ndarray
    flagged: np.ndarray
    iterations: np.ndarray
    states: np.ndarray | None = None
    materials: list = field(default_factory=list)
    files: dict = field(default_factory=dict)


def halved(settings: SolverSettings) -> SolverSettings:
    """The retry's settings: half the step bounds tau_max and lbfgs_rotation."""
    return replace(settings, tau_max=settings.tau_max / 2,
                   tau_min=min(settings.tau_min, settings.tau_max / 2),
                   lbfgs_rotation=settings.lbfgs_rotation / 2)


def build_solver(cfg, ny: int, nx: int, settings: SolverSettings | None = None,
                 cell_size: float | None = None, device=None) -> CurveSolver:
    """A CurveSolver of cfg's material and thickness for ny × nx cells of `cell_size` nm
    (default the config's), with `settings` (default cfg.solver) on `device` (default the
    config's solver_device), with the grid's boundaries (open or periodic)."""
    from ..runtime import solver_device

    return CurveSolver(cfg.material, nx, ny, (cell_size or cfg.grid.cell_size) * 1e-9,
                       cfg.grid.thickness * 1e-9, settings or cfg.solver,
                       solver_device(str(device or cfg.solver_device)),
                       periodic=cfg.grid.periodic)


def simulate_curves(phis, cfg, fast: bool | None = None, cell_size: float | None = None,
                    device=None, progress=None, states: bool = False,
                    cells: Cells | None = None, threads: int = 1) -> SimulatedCurves:
    """Curves of structures phis (N, ny, nx) rad under cfg (material, grid, solver settings;
    `fast` overrides solver.fast, `cell_size` nm the grid's), retried as the module says.
    progress: callable(n_fields) per accepted field step of the first pass; states: keep the
    magnetization; cells: per-cell material (default: cfg.material everywhere), M then in
    each structure's main-phase Ms and H in its H_A; threads: torch's CPU threads (one for the
    small grids of labels, which run in parallel processes)."""
    from ..runtime import one_thread

    if cell_size is not None and not cell_size > 0:
        raise ValueError(f"cell_size must be positive, got {cell_size} nm")
    phis = np.asarray(phis, dtype=np.float32)
    settings = cfg.solver if fast is None else replace(cfg.solver, fast=fast)
    ny, nx = phis.shape[1:]
    with one_thread(threads):  # small FFTs: several threads run slower, much slower on a busy CPU
        c = build_solver(cfg, ny, nx, settings, cell_size, device).run(phis, progress, states,
                                                                       cells)
        values, flagged = anchors(c.H, c.M)
        redo = ~c.converged | flagged
        if redo.any():
            again = build_solver(cfg, ny, nx, halved(settings), cell_size, device).run(
                phis[redo], states=states, cells=None if cells is None else cells.take(redo))
            c.M[redo], c.converged[redo] = again.M, again.converged
            c.iterations[redo] += again.iterations
            if states:
                c.states[redo] = again.states
            values[redo], flagged[redo] = anchors(again.H, again.M)
    materials = cells.main() if cells is not None else [cfg.material] * len(phis)
    return SimulatedCurves(c.H, c.M, values, c.converged, flagged, c.iterations, c.states,
                           materials)
