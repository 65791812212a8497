"""One design: search a surrogate's latent space for a goal, check the candidates' consistency.

Projection (on by default): the regressor was trained on encoder outputs, which fill only part
of the latent space (some latent directions collapse to nearly constant values; the codes are
not Gaussian). A search over free codes finds codes where the regressor extrapolates. So each
code x the search proposes is evaluated at z = encode(decode(x)), the code of the structure it
decodes to; the candidates are these codes z, and their prediction is the surrogate's prediction
for that structure.

Consistency: a decoded image is blurry, and a code far from the data decodes to a structure
whose own code (encode(decode(z))) lies elsewhere and predicts something else: the search has
then found a hole in the regressor, not a magnet. A candidate is consistent when
max_a |predict(encode(decode(z)))_a − predict(z)_a| ≤ tolerance (Ms, H_A); inconsistent ones are
ranked after the consistent ones (feasible candidates always first), or dropped.
"""

from dataclasses import asdict, dataclass
from functools import partial
import time

import numpy as np

from ..data.labels import one_thread
from .store import Design
from .targets import Goal

CONSISTENCY_TOLERANCE = 0.05  # Ms, H_A
PRIOR_QUANTILE = 0.99
DIVERSITY = 0.1  # × sqrt(2L), the typical distance of two prior draws


@dataclass(frozen=True)
class Settings:
    """Search settings: pymoo algorithm, population, generations, seed; latent box ±bound;
    prior_quantile of |z|²; consistency tolerance (Ms, H_A); keep: candidates stored;
    diversity: near-duplicate distance as a fraction of sqrt(2L) (see search.search);
    project: evaluate codes at encode(decode(x)) (module docstring)."""

    algorithm: str
    population: int
    generations: int
    seed: int
    bound: float
    prior_quantile: float = PRIOR_QUANTILE
    tolerance: float = CONSISTENCY_TOLERANCE
    keep: int = 16
    diversity: float = DIVERSITY
    project: bool = True
    drop_inconsistent: bool = False

    def check(self):
        for name, lowest in (("population", 2), ("generations", 1), ("keep", 1)):
            if getattr(self, name) < lowest:
                raise ValueError(f"--{name} must be ≥ {lowest}, got {getattr(self, name)}")
        if not self.bound > 0:
            raise ValueError(f"the latent bound must be positive, got {self.bound}")
        if not self.diversity >= 0:
            raise ValueError(f"--diversity must be ≥ 0, got {self.diversity}")
        if not self.tolerance > 0:
            raise ValueError(f"--consistency must be positive, got {self.tolerance}")


def trusted_prediction(surrogate, z: np.ndarray) -> np.ndarray:
    """Anchors (N, 6) predicted for codes z, capped to the range of the training labels: beyond
    it the regressor extrapolates, and a search would be rewarded for exploiting that (e.g.
    predicted mr > 1 when maximizing mr)."""
    return np.clip(surrogate.predict(z), surrogate.label_min, surrogate.label_max)


def consistency(surrogate, z: np.ndarray, predicted: np.ndarray):
    """(phi (K, ny, nx) decoded from z, roundtrip anchors (K, 6) predicted (trusted) from
    encode(phi), deviation (K,) max |roundtrip − predicted| over the six anchors)."""
    phi = surrogate.decode(z)
    roundtrip = trusted_prediction(surrogate, surrogate.encode(phi))
    return phi, roundtrip, np.abs(roundtrip - predicted).max(1)


def optimize(surrogate, goal: Goal, settings: Settings, progress=None) -> Design:
    """Search, check consistency, rank, keep the best settings.keep. progress as search's."""
    from .search import prior_radius2, search  # pymoo: imported when used

    settings.check()
    latent = surrogate.config.vae.latent
    project = (lambda x: surrogate.encode(surrogate.decode(x))) if settings.project else None
    start = time.perf_counter()
    with one_thread():  # a generation is a few small matrix products: threads only contend
        result = search(partial(trusted_prediction, surrogate), goal, surrogate.y_std, latent,
                        settings.bound, prior_radius2(latent, settings.prior_quantile), settings.algorithm,
                        settings.population, settings.generations, settings.seed,
                        settings.diversity, 4 * settings.keep, project, progress)
        phi, roundtrip, deviation = consistency(surrogate, result.z, result.predicted)
    consistent = deviation <= settings.tolerance
    # feasible before infeasible, then consistent before inconsistent, then the search's order
    order = np.lexsort((np.arange(len(deviation)), ~consistent, result.cv > 0))
    if settings.drop_inconsistent:
        order = order[consistent[order]]
    order = order[:settings.keep]
    meta = {**asdict(settings), "latent": latent, "seconds": time.perf_counter() - start,
            "model_config": surrogate.config.to_toml(),
            "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    return Design(goal=goal, z=result.z[order], phi=phi[order], predicted=result.predicted[order],
                  roundtrip=roundtrip[order], deviation=deviation[order],
                  consistent=consistent[order], objectives=result.F[order], cv=result.cv[order],
                  history=result.history, meta=meta)
