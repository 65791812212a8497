"""Labels of structures: demagnetization curves by the physics engine, one batch at a time.

`label_batch` is a pure function of plain data (Samples and a config dict) so that it can run
in this process, in local worker processes or on a Dask cluster, and give the same result.
"""

from ..config import config_from_dict
from ..physics.simulation import simulate_curves


def label_batch(samples, config: dict, progress=None):
    """Demagnetization curves of Samples under a config (Config.to_dict()) by
    invmag.physics.simulation (the retry included). progress: optional callable(n_fields_done)
    of the first pass. Returns (M (N, n) in the Ms of the main phase at the sample's
    temperature, fields in its H_A, NaN where not computed; converged (N,) bool)."""
    curve = simulate_samples(samples, config_from_dict(config), progress)
    return curve.M, curve.converged


def simulate_samples(samples, cfg, progress=None):
    """SimulatedCurves (physics.simulation) of Samples exactly as labels are made: each sample's
    material at its temperature with its regions (Samples.material). progress:
    callable(n_fields_done)."""
    return simulate_curves(samples.phi, cfg, progress=progress, cells=samples.material(cfg))
