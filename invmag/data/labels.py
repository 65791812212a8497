"""Labels of structures: demagnetization curves by the physics engine, one batch at a time.

`label_batch` is a pure function of plain data (arrays and a config dict) so that it can run in
this process, in local worker processes or on a Dask cluster, and give the same result.
"""

from ..config import config_from_dict
from ..physics.simulation import simulate_curves
from .boundary import label_cells


def label_batch(phis, config: dict, progress=None, masks=None, phase=None):
    """Demagnetization curves of structures phis (N, ny, nx) rad under a config (Config.to_dict())
    by invmag.physics.simulation (the retry included). progress: optional callable(n_fields_done)
    of the first pass. A config with phases (data.boundary) gives each sample's phase (N, 3)
    (thickness nm, boundary Js T, temperature K) and, with a [boundary] section, its boundary
    cells masks (N, ny, nx) bool: the solver gets their per-cell material (label_cells). Returns
    (M (N, n) in the Ms of the main phase at the sample's temperature, fields in its H_A, NaN
    where not computed; converged (N,) bool)."""
    cfg = config_from_dict(config)
    extra = {} if phase is None else {"cells": label_cells(cfg, masks, phase)}
    curve = simulate_curves(phis, cfg, progress=progress, **extra)
    return curve.M, curve.converged
