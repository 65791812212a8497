"""Labels of structures: demagnetization curves by the physics engine, one batch at a time.

`label_batch` is a pure function of plain data (arrays and a config dict) so that it can run in
this process, in local worker processes or on a Dask cluster, and give the same result.
"""

from ..config import config_from_dict
from ..physics.simulation import simulate_curves


def label_batch(phis, config: dict, progress=None):
    """Demagnetization curves of structures phis (N, ny, nx) rad under a config (Config.to_dict())
    by invmag.physics.simulation (the retry included). progress: optional callable(n_fields_done)
    of the first pass. Returns (M (N, n) in Ms on the config's field axis, NaN where not
    computed; converged (N,) bool)."""
    curve = simulate_curves(phis, config_from_dict(config), progress=progress)
    return curve.M, curve.converged
