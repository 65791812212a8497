"""One design: the run's data first, then starts from a pool of generator structures ranked by
the surrogate (virtual screening) and from the latent search (decoded codes sharpened into
grains), screened and polished by simulation, ranked.

Sources (Settings.starts; design.sources): "data" returns the run's simulated structures that
already meet the goal at zero simulations and offers the nearest others as free polish starts;
"pool" adds screen × (designs still needed) starts, the pool's best by the ensemble's expected
misfit (expected_order), "search" one per design still needed,
screened by simulation after the pool's (its first shot was 2–4 times further off held out,
docs/design.md); "random" adds unranked generator structures (the
simulate-only baseline of benchmarks/design.py).

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

Real magnets (docs/design.md §6): a design at a temperature carries its boundary cells and
phase (thickness, boundary Js, T) from the pool's draws or the search's extra variables
(phases.realize); the data route takes only structures simulated at that temperature.

Grains and polish: every returned design is a grain structure (grains.grains), distinct from
the designs ranked above it (mean |Δkx| ≥ `distinct`), and polished by simulation until
its simulated anchors meet the goal or its budget is spent. The polish starts from the best of
`screen` × (designs still needed) distinct starts by their simulated anchors; with `assist`,
the surrogate picks which children of a design are simulated. The design keeps, per structure,
where it came from, the surrogate's prediction of the returned structure, the simulated anchors
before (first shot) and after the polish, and the number of simulations.
"""

from dataclasses import asdict, dataclass, field, fields
import time

import numpy as np

from .. import BadParameter
from ..data.holdout import describe
from ..data.sample import Samples
from ..physics.temperature import T_ROOM
from .design_folder import Design
from .grains import sharpen
from .phases import phase_bounds, realize, regioned
from .polish import PolishSettings, met, polish, ranked
from .sources import Candidates, distinct_first, pool_starts
from .targets import Goal

CONSISTENCY = 0.05  # Ms, H_A
PRIOR_QUANTILE = 0.99
DIVERSITY = 0.1  # × sqrt(2L), the typical distance of two prior draws
DISTINCT = 0.05  # mean |Δkx| below which two grain structures count as copies
HIT_WINDOW = 0.02  # reduced units (Ms, H_A): about the regressor's error in paper Table 3
STARTS = ("data", "pool", "search")  # the default sources of design starts (module docstring)
SOURCES = STARTS + ("random",)
POOL = 20000  # generator structures drawn for virtual screening


@dataclass(frozen=True)
class Settings:
    """Design settings. Latent search: pymoo algorithm, population, generations, seed; latent
    box ±bound; prior_quantile of |z|²; consistency (Ms, H_A); diversity: near-duplicate code
    distance as a fraction of sqrt(2L) (see search.search); project: evaluate codes at
    encode(decode(x)). Designs: top, the number returned; distinct (mean |Δkx|); window: the
    hit window (Ms, H_A); polish: the simulation budget and steps (None: no simulation);
    starts: the sources of designs (module docstring); pool: generator structures drawn for
    the pool (and random) source; assist: the surrogate ranks the polish's children."""

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
    starts: tuple = STARTS
    pool: int = POOL
    assist: bool = True

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
            raise BadParameter(f"{{}} must be ≥ 0, got {simulations}", 'simulations')
        d = cfg.design
        defaults = {"algorithm": "nsga2" if goal.multi else d.algorithm,
                    "population": d.population, "generations": d.generations, "seed": cfg.seed,
                    "bound": d.latent_bound,
                    "polish": PolishSettings(simulations=simulations) if simulations else None}
        return cls(**{**defaults, **given})

    def check(self):
        from ..config import ALGORITHMS  # torch: not at import, which `invmag --help` pays

        if self.algorithm not in ALGORITHMS:
            raise BadParameter(f"{{}} must be one of {', '.join(ALGORITHMS)}, got "
                               f"{self.algorithm!r}", 'algorithm')
        for name, lowest in (("population", 2), ("generations", 1), ("top", 1)):
            if getattr(self, name) < lowest:
                raise BadParameter(f"{{}} must be ≥ {lowest}, got {getattr(self, name)}", name)
        if not self.bound > 0:
            raise ValueError(f"the latent bound must be positive, got {self.bound}")
        for name in ("diversity", "distinct"):
            if not getattr(self, name) >= 0:
                raise BadParameter(f"{{}} must be ≥ 0, got {getattr(self, name)}", name)
        for name in ("consistency", "window"):
            if not getattr(self, name) > 0:
                raise BadParameter(f"{{}} must be positive, got {getattr(self, name)}", name)
        if self.polish:
            self.polish.check()
        unknown = set(self.starts) - set(SOURCES)
        if unknown or not self.starts:
            raise ValueError(f"design starts must be some of {', '.join(SOURCES)}, got "
                             f"{', '.join(self.starts) or 'none'}")
        if self.pool < 0:
            raise BadParameter(f"{{}} must be ≥ 0, got {self.pool}", 'pool')


def capped(surrogate, z: np.ndarray, samples: Samples) -> np.ndarray:
    """Anchors (N, 6) predicted for codes z of Samples, capped to the range of the training
    labels: beyond it the regressor extrapolates, and a search would be rewarded for exploiting
    that (e.g. predicted mr > 1 when maximizing mr)."""
    return np.clip(surrogate.predict(z, samples), surrogate.label_min, surrogate.label_max)


def latent_search(surrogate, goal: Goal, settings: Settings, progress=None,
                  temperature: float = T_ROOM) -> dict:
    """The latent search's ranked candidates: z (K, L), searched (K, 6) raw prediction of z,
    roundtrip (K, 6) raw prediction of encode(decode(z)), deviation, consistent (K,), objectives
    (K, n_obj), cv (K,), history (per generation), and the Samples they stand for at
    `temperature` K (phases.realize). progress as search's."""
    from .latent_search import prior_radius2, search  # pymoo: imported when used

    cfg, latent = surrogate.config, surrogate.config.vae.latent

    def structures(x) -> Samples:
        return realize(cfg, surrogate.decode(x[:, :latent]), x, temperature)

    def model(x):  # projected: the code of the structure x stands for (its decoded image, or
        samples = structures(x)  # with a boundary phase its Voronoi structure)
        z = surrogate.encode(samples) if settings.project else x[:, :latent]
        return z, capped(surrogate, z, samples)

    result = search(model, goal, surrogate.y_std, latent, settings.bound,
                    prior_radius2(latent, settings.prior_quantile), settings.algorithm,
                    settings.population, settings.generations, settings.seed,
                    settings.diversity, 16 * settings.top, progress, phase_bounds(cfg))
    samples = structures(result.x)
    if not regioned(cfg):  # the structure of the candidate's own code
        samples = samples.with_phi(surrogate.decode(result.z))
    found = codes(surrogate, result.z, settings.consistency, samples)
    # feasible before infeasible, then consistent before inconsistent, then the search's order
    order = np.lexsort((np.arange(len(result.z)), ~found["consistent"], result.cv > 0))
    if settings.drop_inconsistent:
        order = order[found["consistent"][order]]
    found = {**found, "objectives": result.F, "cv": result.cv}
    return {**{k: v[order] for k, v in found.items()}, "samples": samples.take(order),
            "history": result.history}


def codes(surrogate, z: np.ndarray, consistency: float, samples: Samples) -> dict:
    """The latent record of codes z (K, L) of Samples (a real magnet's; models.conditions):
    searched (K, 6) raw prediction of z, roundtrip (K, 6) raw prediction of encode(decode(z))
    (with the same regions and temperature), deviation (K,) max |roundtrip − searched|,
    consistent (K,) deviation ≤ consistency."""
    searched = surrogate.predict(z, samples)
    decoded = samples.with_phi(surrogate.decode(z))
    roundtrip = surrogate.predict(surrogate.encode(decoded), decoded)
    deviation = np.abs(roundtrip - searched).max(1)
    return {"z": z, "searched": searched, "roundtrip": roundtrip, "deviation": deviation,
            "consistent": deviation <= consistency}


def search_starts(surrogate, goal: Goal, settings: Settings, need: int, progress,
                  temperature: float) -> tuple[Candidates, dict]:
    """One start per design still needed from the latent search (held out, its starts were 2–4
    times further off than the pool's, docs/design.md), and the search's history."""
    from ..runtime import one_thread  # torch

    with one_thread():  # a generation is a few small matrix products: threads contend
        found = latent_search(surrogate, goal, settings, progress, temperature)
    if not len(found["z"]):
        raise BadParameter("no candidate passed the consistency check: relax "
                           "{} or leave out {}", 'consistency', 'drop_inconsistent')
    samples = found["samples"]
    if not regioned(surrogate.config):
        samples = samples.with_phi(np.stack([sharpen(p) for p in samples.phi]))
    pick = distinct_first(samples.phi, settings.distinct)[:need]
    return (Candidates.new(samples.take(pick), "search").coded(surrogate, found["z"][pick]),
            found["history"])


def find_designs(surrogate, goal: Goal, settings: Settings, simulate=None, progress=None,
             simulated=None, known: Candidates | None = None, cfg=None,
             temperature: float = T_ROOM) -> Design:
    """Design for goal at `temperature` K (see the module docstring). known: the run's data
    simulated at that temperature (sources.known_structures; used with "data" in
    settings.starts); cfg: the run's config (its generator, for "pool" and "random"); simulate:
    as polish.polish's (None, or settings.polish None: the designs still needed after the data
    are returned unsimulated, simulated anchors NaN); progress: callable(generation, best F) of
    the latent search; simulated: callable(n) after each batch of n simulations."""
    settings.check()
    start = time.perf_counter()
    polishing = bool(settings.polish and simulate)
    hits, history = np.zeros(0, int), {}
    use_data = known is not None and "data" in settings.starts and len(known) > 0
    if use_data:
        good = np.ones(len(known), bool)
        order = ranked(goal, known.anchors, good, settings.window)
        if goal.targets or goal.n_constraints:
            meet = order[met(goal, known.anchors[order], good[order], settings.window)]
            hits = meet[distinct_first(known.samples.phi[meet], settings.distinct)][:settings.top]
    need = settings.top - len(hits)
    parts = []
    if need:
        n = need * (settings.polish.screen if polishing else 1)
        if use_data:
            rest = order[~np.isin(order, hits)]
            rest = rest[distinct_first(known.samples.phi[rest[:8 * n]], settings.distinct)][:n]
            parts.append(known.take(rest).coded(surrogate))
        if "pool" in settings.starts and settings.pool:
            parts.append(pool_starts(surrogate, cfg, goal, settings, n, True, temperature))
        if "random" in settings.starts:
            parts.append(pool_starts(surrogate, cfg, goal, settings, n, False, temperature))
        if "search" in settings.starts:
            found, history = search_starts(surrogate, goal, settings, need, progress,
                                           temperature)
            parts.append(found)
    searched_at = time.perf_counter()
    if need and not sum(map(len, parts)):
        raise ValueError("no design starts: every source came back empty")
    first_shot_mae, by_source, evaluated = None, {}, None
    groups = []  # (candidates, samples, first-shot anchors, simulated anchors, simulations)
    if use_data:
        data = known.take(hits).coded(surrogate)
        groups.append((data, data.samples, data.anchors, data.anchors, np.zeros(len(hits), int)))
    if need:
        starts = Candidates.join(parts)
        if polishing:
            p = polish(simulate, starts.samples, goal, settings.window, settings.polish,
                       settings.seed, simulated, keep=need, known=starts.anchors,
                       predict=surrogate.predict_samples if settings.assist else None,
                       js_range=None if cfg is None or cfg.boundary is None else cfg.boundary.Js)
            evaluated = p.evaluated
            first_shot_mae, by_source = screened_error(p, starts)
            groups.append((starts.take(p.chosen), p.samples, p.start, p.simulated,
                           p.simulations))
        else:  # unsimulated: the first `need` as found
            new = starts.take(np.arange(min(need, len(starts))))
            groups.append((new, new.samples, new.anchors, new.anchors, np.zeros(len(new), int)))
    chosen = Candidates.join([g[0] for g in groups])
    samples = Samples.join([g[1] for g in groups])
    first, sim, sims = (np.concatenate([g[k] for g in groups]) for k in (2, 3, 4))
    order = (ranked(goal, sim, np.isfinite(sim).all(1), settings.window) if polishing
             else np.arange(len(sim)))  # unsimulated: as found
    record = codes(surrogate, chosen.z, settings.consistency, chosen.samples)
    pred = np.clip(record["searched"], surrogate.label_min, surrogate.label_max)
    cv = np.maximum(goal.constraints(pred), 0).sum(1)
    meta = {**asdict(settings), "latent": surrogate.config.vae.latent,
            "seconds": time.perf_counter() - start, "search_seconds": searched_at - start,
            "simulations": len(evaluated.samples) if evaluated else 0,
            "from_data": int(len(hits)), "first_shot_mae": first_shot_mae,
            "first_shot_by_source": by_source,
            "hold_out": [describe(box) for box in surrogate.hold_out],
            "model_config": surrogate.config.to_toml(), "temperature_K": float(temperature),
            "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    return Design(goal=goal, samples=samples.take(order),
                  predicted=surrogate.predict_samples(samples)[order],
                  first_shot=first[order], simulated=sim[order], simulations=sims[order],
                  source=chosen.source[order].astype(str), row=chosen.row[order],
                  objectives=goal.objectives(pred, surrogate.y_std)[order], cv=cv[order],
                  history=history, meta=meta, evaluated=evaluated,
                  **{k: v[order] for k, v in record.items()})


def screened_error(p, starts: Candidates) -> tuple[list[float] | None, dict]:
    """The surrogate's first-shot error per anchor (6,): mean |simulated − predicted| over the
    starts simulated while screening, before any selection by simulation (the first rows of
    polish's `evaluated`; curves that did not converge or miss an anchor left out); and the
    same per source."""
    k = len(p.screened)
    if not k:
        return None, {}
    e = p.evaluated
    good = e.converged[:k] & ~e.flagged[:k]
    err = np.abs(e.anchors[:k] - starts.predicted[p.screened])
    source = starts.source[p.screened]
    by_source = {str(s): err[good & (source == s)].mean(0).tolist()
                 for s in np.unique(source) if (good & (source == s)).any()}
    return (err[good].mean(0).tolist() if good.any() else None), by_source
