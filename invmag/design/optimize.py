"""One design: latent search with the surrogate, decoded codes sharpened into grains, each grain
structure refined by simulation (polish), ranked.

Projection (on by default): the regressor was trained on encoder outputs, which fill only part
of the latent space (some latent directions collapse to nearly constant values; the codes are
not Gaussian). A search over free codes finds codes where the regressor extrapolates. So each
code x the search proposes is evaluated at z = encode(decode(x)), the code of the structure it
decodes to; the candidates are these codes z, and their prediction is the surrogate's prediction
for that structure.

Consistency: a decoded image is blurry, and a code far from the data decodes to a structure
whose own code (encode(decode(z))) lies elsewhere and predicts something else: the search has
then found a hole in the regressor, not a magnet. A candidate is consistent when
max_a |predict(encode(decode(z)))_a − predict(z)_a| ≤ consistency (Ms, H_A), on the raw
predictions (the search itself sees them capped to the training labels' range); inconsistent ones
are ranked after the consistent ones (feasible candidates always first), or dropped.

Grains and polish: every returned design is a grain structure (sharpen.grains), distinct from
the designs ranked above it (mean |Δkx| ≥ `distinct`), and refined by simulation (polish) until
its simulated anchors meet the goal or its budget is spent. The polish starts from the best
`top` of `screen` × `top` distinct candidates by their simulated anchors (one simulation each). The design keeps, per structure, the
surrogate's prediction of the returned structure, the simulated anchors before (first shot) and
after the polish, and the number of simulations.
"""

from dataclasses import asdict, dataclass, field, fields
import time

import numpy as np

from .polish import PolishSettings, polish
from .sharpen import sharpen
from .store import Design
from .targets import Goal

CONSISTENCY = 0.05  # Ms, H_A
PRIOR_QUANTILE = 0.99
DIVERSITY = 0.1  # × sqrt(2L), the typical distance of two prior draws
DISTINCT = 0.05  # mean |Δkx| below which two grain structures count as copies
HIT_WINDOW = 0.02  # reduced units (Ms, H_A): about the regressor's error in paper Table 3


@dataclass(frozen=True)
class Settings:
    """Design settings. Latent search: pymoo algorithm, population, generations, seed; latent
    box ±bound; prior_quantile of |z|²; consistency (Ms, H_A); diversity: near-duplicate code
    distance as a fraction of sqrt(2L) (see search.search); project: evaluate codes at
    encode(decode(x)). Designs: top, the number returned; distinct (mean |Δkx|); window: the
    hit window (Ms, H_A); polish: the simulation budget and steps (None: no simulation)."""

    algorithm: str
    population: int
    generations: int
    seed: int
    bound: float
    prior_quantile: float = PRIOR_QUANTILE
    consistency: float = CONSISTENCY
    diversity: float = DIVERSITY
    project: bool = True
    drop_inconsistent: bool = False
    top: int = 5
    distinct: float = DISTINCT
    window: float = HIT_WINDOW
    polish: PolishSettings | None = field(default_factory=PolishSettings)

    @classmethod
    def from_config(cls, cfg, goal: Goal, simulations: int = PolishSettings.simulations,
                    **overrides) -> "Settings":
        """The settings of a run config (its [design] section and seed; NSGA-II for several
        objectives) with `overrides` (fields of Settings; None keeps the config's) and a polish
        budget of `simulations` per design (0: no polish)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown design setting(s): {', '.join(sorted(unknown))}")
        if simulations < 0:
            raise ValueError(f"--simulations must be ≥ 0, got {simulations}")
        d = cfg.design
        defaults = {"algorithm": "nsga2" if goal.multi else d.algorithm,
                    "population": d.population, "generations": d.generations, "seed": cfg.seed,
                    "bound": d.latent_bound,
                    "polish": PolishSettings(simulations=simulations) if simulations else None}
        return cls(**{**defaults, **given})

    def check(self):
        from ..data.config import ALGORITHMS  # torch: not at import, which `invmag --help` pays

        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"--algorithm must be one of {', '.join(ALGORITHMS)}, got "
                             f"{self.algorithm!r}")
        for name, lowest in (("population", 2), ("generations", 1), ("top", 1)):
            if getattr(self, name) < lowest:
                raise ValueError(f"--{name} must be ≥ {lowest}, got {getattr(self, name)}")
        if not self.bound > 0:
            raise ValueError(f"the latent bound must be positive, got {self.bound}")
        for name in ("diversity", "distinct"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"--{name} must be ≥ 0, got {getattr(self, name)}")
        for name in ("consistency", "window"):
            if not getattr(self, name) > 0:
                raise ValueError(f"--{name} must be positive, got {getattr(self, name)}")
        if self.polish:
            self.polish.check()


def capped(surrogate, z: np.ndarray) -> np.ndarray:
    """Anchors (N, 6) predicted for codes z, capped to the range of the training labels: beyond
    it the regressor extrapolates, and a search would be rewarded for exploiting that (e.g.
    predicted mr > 1 when maximizing mr)."""
    return np.clip(surrogate.predict(z), surrogate.label_min, surrogate.label_max)


def distinct_first(phi: np.ndarray, distance: float) -> np.ndarray:
    """Indices of structures phi (K, ny, nx), in their order, that differ from every one taken
    before by a mean |Δkx| of at least distance."""
    kx = np.sin(phi).reshape(len(phi), -1)
    taken = []
    for i in range(len(kx)):
        if all(np.abs(kx[i] - kx[j]).mean() >= distance for j in taken):
            taken.append(i)
    return np.array(taken, int)


def screened_error(evaluated: dict, searched: np.ndarray) -> list[float]:
    """The surrogate's first-shot error per anchor (6,): mean |simulated − searched| over the K
    screened candidates, whose first simulations are the first K rows of polish's `evaluated`,
    before any selection by simulation (curves that did not converge or miss an anchor left
    out)."""
    k = len(searched)
    good = evaluated["converged"][:k] & ~evaluated["flagged"][:k]
    return np.abs(evaluated["anchors"][:k] - searched)[good].mean(0).tolist()


def latent_search(surrogate, goal: Goal, settings: Settings, progress=None) -> dict:
    """The latent search's ranked candidates: z (K, L), searched (K, 6) raw prediction of z,
    roundtrip (K, 6) raw prediction of encode(decode(z)), deviation, consistent (K,), objectives
    (K, n_obj), cv (K,), history (per generation). progress as search's."""
    from .search import prior_radius2, search  # pymoo: imported when used

    latent = surrogate.config.vae.latent
    project = (lambda x: surrogate.encode(surrogate.decode(x))) if settings.project else None
    result = search(lambda z: capped(surrogate, z), goal, surrogate.y_std, latent,
                    settings.bound, prior_radius2(latent, settings.prior_quantile),
                    settings.algorithm, settings.population, settings.generations,
                    settings.seed, settings.diversity, 16 * settings.top, project, progress)
    searched = surrogate.predict(result.z)
    roundtrip = surrogate.predict(surrogate.encode(surrogate.decode(result.z)))
    deviation = np.abs(roundtrip - searched).max(1)
    consistent = deviation <= settings.consistency
    # feasible before infeasible, then consistent before inconsistent, then the search's order
    order = np.lexsort((np.arange(len(deviation)), ~consistent, result.cv > 0))
    if settings.drop_inconsistent:
        order = order[consistent[order]]
    return {"z": result.z[order], "searched": searched[order], "roundtrip": roundtrip[order],
            "deviation": deviation[order], "consistent": consistent[order],
            "objectives": result.F[order], "cv": result.cv[order], "history": result.history}


def optimize(surrogate, goal: Goal, settings: Settings, simulate=None, progress=None,
             simulated=None) -> Design:
    """Design for goal: latent search (progress: callable(generation, best F)); of its first
    screen × top distinct grain structures the top that simulate closest to the goal, each
    polished by simulation (simulate: as polish.polish's; simulated: callable(n) after each
    batch of n simulations). Without settings.polish or simulate the first top grain structures
    are returned unsimulated (simulated anchors NaN)."""
    from ..runtime import one_thread  # torch

    settings.check()
    start = time.perf_counter()
    with one_thread():  # a generation is a few small matrix products: threads only contend
        found = latent_search(surrogate, goal, settings, progress)
    if not len(found["z"]):
        raise ValueError("no candidate passed the consistency check: relax --consistency or "
                         "leave out --drop-inconsistent")
    grains = np.stack([sharpen(p) for p in surrogate.decode(found["z"])])
    pick = distinct_first(grains, settings.distinct)
    searched_at = time.perf_counter()
    first_shot_mae = None
    if settings.polish and simulate:
        pick = pick[:settings.top * settings.polish.screen]
        p = polish(simulate, grains[pick], goal, settings.window, settings.polish,
                   settings.seed, simulated, keep=settings.top)
        first_shot_mae = screened_error(p.evaluated, found["searched"][pick])
        pick = pick[p.chosen]
        phi, first_shot, simulated_anchors, simulations, evaluated = (
            p.phi, p.start, p.simulated, p.simulations, p.evaluated)
    else:
        pick = pick[:settings.top]
        phi, simulations, evaluated = grains[pick], np.zeros(len(pick), int), None
        first_shot, simulated_anchors = np.full((len(pick), 6), np.nan), np.full((len(pick), 6),
                                                                                 np.nan)
    found = {k: v if k == "history" else v[pick] for k, v in found.items()}
    predicted = surrogate.predict(surrogate.encode(phi))
    meta = {**asdict(settings), "latent": surrogate.config.vae.latent,
            "seconds": time.perf_counter() - start, "search_seconds": searched_at - start,
            "simulations": len(evaluated["phi"]) if evaluated else 0,
            "first_shot_mae": first_shot_mae,
            "model_config": surrogate.config.to_toml(),
            "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    return Design(goal=goal, phi=phi, predicted=predicted, first_shot=first_shot,
                  simulated=simulated_anchors, simulations=simulations, meta=meta,
                  evaluated=evaluated, **found)
