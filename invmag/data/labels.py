"""Labels of structures: demagnetization curves by the physics engine, one batch at a time.

`label_batch` is a pure function of plain data (arrays and a config dict) so that it can run in
this process, in local worker processes or on a Dask cluster, and give the same result.
"""

from dataclasses import replace

import numpy as np

from ..physics.anchors import anchors
from ..physics.curve import CurveSolver
from ..runtime import one_thread, solver_device
from ..config import config_from_dict


def label_batch(phis, config: dict, progress=None):
    """Demagnetization curves of structures phis (N, ny, nx) rad under a config (Config.to_dict()).

    Curves that did not converge or miss an anchor are computed once more with half the step
    bounds tau_max and lbfgs_rotation (same structure); the second result is kept either way. progress: optional
    callable(n_fields_done) of the first pass. Returns (M (N, n) in Ms on the config's field
    axis, NaN where not computed; converged (N,) bool).
    """
    cfg = config_from_dict(config)
    g, st = cfg.grid, cfg.solver
    phis = np.asarray(phis, dtype=np.float32)

    def run(settings, structures, callback=None):
        solver = CurveSolver(cfg.material, g.nx, g.ny, g.cell_size * 1e-9, g.thickness * 1e-9,
                             settings, solver_device(cfg.solver_device))
        return solver.run(structures, progress=callback)

    with one_thread():
        curves = run(st, phis, progress)
        M, converged = curves.M, curves.converged
        redo = ~converged | anchors(curves.H, M)[1]
        if redo.any():
            half = replace(st, tau_max=st.tau_max / 2, tau_min=min(st.tau_min, st.tau_max / 2),
                           lbfgs_rotation=st.lbfgs_rotation / 2)
            again = run(half, phis[redo])
            M[redo], converged[redo] = again.M, again.converged
    return M, converged
