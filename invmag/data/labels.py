"""Labels of structures: demagnetization curves by the physics engine, one batch at a time.

`label_batch` is a pure function of plain data (arrays and a config dict) so that it can run in
this process, in local worker processes or on a Dask cluster, and give the same result.
"""

import numpy as np

from ..config import config_from_dict
from ..physics.simulation import simulate_curves
from ..physics.temperature import T_ROOM
from .boundary import has_phases, label_cells


def label_batch(phis, config: dict, progress=None, masks=None, phase=None):
    """Demagnetization curves of structures phis (N, ny, nx) rad under a config (Config.to_dict())
    by invmag.physics.simulation (the retry included). progress: optional callable(n_fields_done)
    of the first pass. A config with phases (data.boundary) gives each sample's phase (N, 3)
    (thickness nm, boundary Js T, temperature K) and, with a [boundary] section, its boundary
    cells masks (N, ny, nx) bool: the solver gets their per-cell material (label_cells). Returns
    (M (N, n) in the Ms of the main phase at the sample's temperature, fields in its H_A, NaN
    where not computed; converged (N,) bool)."""
    curve = simulate_samples(phis, config_from_dict(config), masks, phase, progress)
    return curve.M, curve.converged


def simulate_samples(phis, cfg, masks=None, phase=None, progress=None):
    """Curves (physics.simulation.Curve) of structures phis (N, ny, nx) rad exactly as labels
    are made: under a config with phases (data.boundary) each sample's material at its phase
    (N, 3) (thickness nm, boundary Js T, T K) with boundary cells masks (N, ny, nx) bool
    (label_cells); otherwise the config's material (phase, if given, must be at 300 K).
    progress: callable(n_fields_done)."""
    cells = None
    if has_phases(cfg) and phase is not None:
        cells = label_cells(cfg, masks if cfg.boundary is not None else None, phase)
    elif phase is not None and not np.allclose(np.asarray(phase)[:, 2], T_ROOM):
        raise ValueError("a config without a [temperature] section simulates at 300 K only")
    return simulate_curves(phis, cfg, progress=progress, cells=cells)
