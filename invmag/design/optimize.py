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
from ..data.boundary import plain_phase
from ..data.holdout import describe
from ..physics.temperature import T_ROOM
from .design_folder import Design
from .grains import sharpen
from .phases import phase_bounds, realize
from .polish import PolishSettings, met, polish, ranked, score
from .sources import Known, draw_pool
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


def capped(surrogate, z: np.ndarray, phase=None, phi=None, mask=None) -> np.ndarray:
    """Anchors (N, 6) predicted for codes z (of structures phi with boundary cells mask and
    phase, for a real magnet), capped to the range of the training labels: beyond it the
    regressor extrapolates, and a search would be rewarded for exploiting that (e.g. predicted
    mr > 1 when maximizing mr)."""
    return np.clip(surrogate.predict(z, phase, phi, mask), surrogate.label_min,
                   surrogate.label_max)


def distinct_first(phi: np.ndarray, distance: float) -> np.ndarray:
    """Indices of structures phi (K, ny, nx), in their order, that differ from every one taken
    before by a mean |Δkx| of at least distance."""
    kx = np.sin(phi).reshape(len(phi), -1) if len(phi) else np.zeros((0, 1))
    taken = []
    for i in range(len(kx)):
        if all(np.abs(kx[i] - kx[j]).mean() >= distance for j in taken):
            taken.append(i)
    return np.array(taken, int)


def latent_search(surrogate, goal: Goal, settings: Settings, progress=None,
                  temperature: float = T_ROOM) -> dict:
    """The latent search's ranked candidates: z (K, L), searched (K, 6) raw prediction of z,
    roundtrip (K, 6) raw prediction of encode(decode(z)), deviation, consistent (K,), objectives
    (K, n_obj), cv (K,), history (per generation), and the structures they stand for at
    `temperature` K (phases.realize): phi, mask, phase. progress as search's."""
    from .latent_search import prior_radius2, search  # pymoo: imported when used

    cfg, latent = surrogate.config, surrogate.config.vae.latent

    def structures(x):
        return realize(cfg, surrogate.decode(x[:, :latent]), x, temperature)

    def model(x):  # projected: the code of the structure x stands for (its decoded image, or
        phi, mask, phase = structures(x)  # with a boundary phase its Voronoi structure)
        z = surrogate.encode(phi, mask) if settings.project else x[:, :latent]
        return z, capped(surrogate, z, phase, phi, mask)

    result = search(model, goal, surrogate.y_std, latent, settings.bound,
                    prior_radius2(latent, settings.prior_quantile), settings.algorithm,
                    settings.population, settings.generations, settings.seed,
                    settings.diversity, 16 * settings.top, progress, phase_bounds(cfg))
    phi, mask, phase = structures(result.x)
    if cfg.boundary is None:  # the structure of the candidate's own code
        phi = surrogate.decode(result.z)
    found = codes(surrogate, result.z, settings.consistency, phase, phi, mask)
    # feasible before infeasible, then consistent before inconsistent, then the search's order
    order = np.lexsort((np.arange(len(result.z)), ~found["consistent"], result.cv > 0))
    if settings.drop_inconsistent:
        order = order[found["consistent"][order]]
    found = {**found, "objectives": result.F, "cv": result.cv, "phi": phi, "phase": phase,
             "mask": mask}
    return {**{k: None if v is None else v[order] for k, v in found.items()},
            "history": result.history}


def codes(surrogate, z: np.ndarray, consistency: float, phase=None, phi=None,
          mask=None) -> dict:
    """The latent record of codes z (K, L) of structures phi with boundary cells mask and phase
    (K, 3) (a real magnet's; models.conditions): searched (K, 6) raw prediction of z, roundtrip
    (K, 6) raw prediction of encode(decode(z)) (with the same boundary and phase), deviation
    (K,) max |roundtrip − searched|, consistent (K,) deviation ≤ consistency."""
    searched = surrogate.predict(z, phase, phi, mask)
    decoded = surrogate.decode(z)
    roundtrip = surrogate.predict(surrogate.encode(decoded, mask), phase, decoded, mask)
    deviation = np.abs(roundtrip - searched).max(1)
    return {"z": z, "searched": searched, "roundtrip": roundtrip, "deviation": deviation,
            "consistent": deviation <= consistency}


@dataclass
class Starts:
    """Candidate structures for the polish, best first: phi (K, ny, nx) rad, z (K, L) their codes,
    predicted (K, 6) the surrogate's anchors of z, known (K, 6) simulated anchors (NaN: not yet
    simulated), source (K,) and row (K,) (-1 where not from a data file), phase (K, 3)
    (boundary thickness nm, boundary Js T, T K) and boundary cells mask (K, ny, nx) bool (None:
    a run without a boundary phase)."""

    phi: np.ndarray
    z: np.ndarray
    predicted: np.ndarray
    known: np.ndarray
    source: np.ndarray
    row: np.ndarray
    phase: np.ndarray
    mask: np.ndarray | None

    def take(self, rows) -> "Starts":
        return Starts(*(None if (v := getattr(self, f)) is None else v[rows]
                        for f in self.__dataclass_fields__))

    @classmethod
    def join(cls, parts: list["Starts"]) -> "Starts":
        return cls(*(None if getattr(parts[0], f) is None else
                     np.concatenate([getattr(p, f) for p in parts])
                     for f in cls.__dataclass_fields__))


def from_data(surrogate, known: Known | None, rows) -> Starts:
    """Starts of the rows of the run's data (none: an empty Starts)."""
    if not len(rows):
        ny, nx = surrogate.grid
        return Starts(np.zeros((0, ny, nx), np.float32),
                      np.zeros((0, surrogate.config.vae.latent)), np.zeros((0, 6)),
                      np.zeros((0, 6)), np.zeros(0, dtype=object), np.zeros(0, int),
                      plain_phase(0), None if surrogate.config.boundary is None
                      else np.zeros((0, ny, nx), bool))
    phi, phase = known.phi[rows], known.phase[rows]
    mask = None if known.mask is None else known.mask[rows]
    z = surrogate.encode(phi, mask)
    return Starts(phi, z, surrogate.predict(z, phase, phi, mask), known.anchors[rows],
                  known.file[rows], known.row[rows], phase, mask)


def unsimulated(surrogate, phi, z, source: str, phase, mask) -> Starts:
    return Starts(phi, z, surrogate.predict(z, phase, phi, mask), np.full((len(phi), 6), np.nan),
                  np.full(len(phi), source, dtype=object), np.full(len(phi), -1), phase, mask)


def expected_order(surrogate, goal: Goal, z: np.ndarray, window: float, phase=None, phi=None,
                   mask=None) -> np.ndarray:
    """Indices of codes z (N, L) best first by the surrogate's ensemble (for a real magnet's
    structures phi with boundary cells mask and phase (N, 3)): for targets and bounds
    by the members' mean score, the expected misfit ((mean − target)² plus the members'
    variance, over window²), which puts candidates the members disagree on later; for
    objectives alone as polish.ranked orders the mean prediction."""
    if not (goal.targets or goal.n_constraints):
        return ranked(goal, surrogate.predict(z, phase, phi, mask), np.ones(len(z), bool),
                      window)
    members = surrogate.predict_members(z, phase, phi, mask)
    good = np.ones(len(z), bool)
    return np.argsort(np.mean([score(goal, m, good, window) for m in members], 0), kind="stable")


def pool_starts(surrogate, cfg, goal: Goal, settings: Settings, n: int, ranked_by_model: bool,
                temperature: float = T_ROOM):
    """n distinct starts from settings.pool fresh generator samples at `temperature` K: those
    the surrogate predicts best for goal (virtual screening), or the first n drawn (random)."""
    phi, mask, phase = draw_pool(cfg, settings.pool if ranked_by_model else 4 * n,
                                 settings.seed, temperature)

    def some(rows):
        return phi[rows], phase[rows], None if mask is None else mask[rows]

    if ranked_by_model:
        z = surrogate.encode(phi, mask)
        order = expected_order(surrogate, goal, z, settings.window, phase, phi, mask)
        take = order[distinct_first(phi[order[:8 * n]], settings.distinct)][:n]
        p, ph, m = some(take)
        return unsimulated(surrogate, p, z[take], "pool", ph, m)
    take = distinct_first(phi, settings.distinct)[:n]
    p, ph, m = some(take)
    return unsimulated(surrogate, p, surrogate.encode(p, m), "random", ph, m)


def optimize(surrogate, goal: Goal, settings: Settings, simulate=None, progress=None,
             simulated=None, known: Known | None = None, cfg=None,
             temperature: float = T_ROOM) -> Design:
    """Design for goal at `temperature` K (see the module docstring). known: the run's data
    simulated at that temperature (sources.Known; used with "data" in settings.starts); cfg:
    the run's config (its generator, for "pool" and "random"); simulate: as polish.polish's
    (None, or settings.polish None: the designs still needed after the data are returned
    unsimulated, simulated anchors NaN); progress: callable(generation, best F) of the latent
    search; simulated: callable(n) after each batch of n simulations."""
    from ..runtime import one_thread  # torch

    settings.check()
    start = time.perf_counter()
    polishing = bool(settings.polish and simulate)
    hits = np.zeros(0, int)
    history = {}
    use_data = known is not None and "data" in settings.starts and len(known) > 0
    if use_data:
        good = np.ones(len(known), bool)
        order = ranked(goal, known.anchors, good, settings.window)
        if goal.targets or goal.n_constraints:
            meet = order[met(goal, known.anchors[order], good[order], settings.window)]
            hits = meet[distinct_first(known.phi[meet], settings.distinct)][:settings.top]
    need = settings.top - len(hits)
    parts, with_known = [], []
    if need:
        n = need * (settings.polish.screen if polishing else 1)
        if use_data:
            rest = order[~np.isin(order, hits)]
            rest = rest[distinct_first(known.phi[rest[:8 * n]], settings.distinct)][:n]
            with_known.append(from_data(surrogate, known, rest))
        if "pool" in settings.starts and settings.pool:
            parts.append(pool_starts(surrogate, cfg, goal, settings, n, True, temperature))
        if "random" in settings.starts:
            parts.append(pool_starts(surrogate, cfg, goal, settings, n, False, temperature))
        if "search" in settings.starts:
            with one_thread():  # a generation is a few small matrix products: threads contend
                found = latent_search(surrogate, goal, settings, progress, temperature)
            history = found["history"]
            if not len(found["z"]):
                raise BadParameter("no candidate passed the consistency check: relax "
                                   "{} or leave out {}", 'consistency', 'drop_inconsistent')
            grains = (np.stack([sharpen(p) for p in found["phi"]])
                      if surrogate.config.boundary is None else found["phi"])
            pick = distinct_first(grains, settings.distinct)[:need]  # one per design: held
            # out, its starts were 2–4 times further off than the pool's (docs/design.md)
            mask = None if found["mask"] is None else found["mask"][pick]
            parts.append(unsimulated(surrogate, grains[pick], found["z"][pick], "search",
                                     found["phase"][pick], mask))
    searched_at = time.perf_counter()
    none = from_data(surrogate, None, [])
    starts = Starts.join([none, *with_known, *parts])
    if need and not len(starts.phi):
        raise ValueError("no design starts: every source came back empty")
    first_shot_mae, by_source, evaluated = None, {}, None
    new, phi, first, sim, sims = none, none.phi, none.known, none.known, np.zeros(0, int)
    phase, mask = none.phase, none.mask
    if need and polishing:
        p = polish(simulate, starts.phi, goal, settings.window, settings.polish, settings.seed,
                   simulated, keep=need, known=starts.known,
                   predict=surrogate.predict_structures if settings.assist else None,
                   mask=starts.mask, phase=starts.phase,
                   js_range=None if cfg is None or cfg.boundary is None else cfg.boundary.Js)
        evaluated = p.evaluated
        first_shot_mae, by_source = screened_error(p, starts)
        new = starts.take(p.chosen)
        phi, first, sim, sims = p.phi, p.start, p.simulated, p.simulations
        phase, mask = p.phase, p.mask  # the boundary's Js polished
    elif need:
        new = starts.take(np.arange(min(need, len(starts.phi))))
        phi, first, sims = new.phi, new.known, np.zeros(len(new.phi), int)
        sim, phase, mask = first.copy(), new.phase, new.mask
    data = from_data(surrogate, known, hits)
    phi = np.concatenate([data.phi, phi]).astype(np.float32)
    first = np.concatenate([data.known, first])
    sim = np.concatenate([data.known, sim])
    sims = np.concatenate([np.zeros(len(hits), int), sims])
    phase = np.concatenate([data.phase, phase])
    mask = None if mask is None else np.concatenate([data.mask, mask])
    chosen = Starts.join([data, new])
    order = (ranked(goal, sim, np.isfinite(sim).all(1), settings.window) if polishing
             else np.arange(len(sim)))  # unsimulated: as found
    z = surrogate.encode(phi, mask)
    record = codes(surrogate, chosen.z, settings.consistency, chosen.phase, chosen.phi,
                   chosen.mask)
    pred = np.clip(record["searched"], surrogate.label_min, surrogate.label_max)
    cv = np.maximum(goal.constraints(pred), 0).sum(1)
    meta = {**asdict(settings), "latent": surrogate.config.vae.latent,
            "seconds": time.perf_counter() - start, "search_seconds": searched_at - start,
            "simulations": len(evaluated["phi"]) if evaluated else 0,
            "from_data": int(len(hits)), "first_shot_mae": first_shot_mae,
            "first_shot_by_source": by_source,
            "hold_out": [describe(box) for box in surrogate.hold_out],
            "model_config": surrogate.config.to_toml(), "temperature_K": float(temperature),
            "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    return Design(goal=goal, phi=phi[order],
                  predicted=surrogate.predict(z, phase, phi, mask)[order],
                  phase=phase[order], mask=None if mask is None else mask[order],
                  first_shot=first[order], simulated=sim[order], simulations=sims[order],
                  source=chosen.source[order].astype(str), row=chosen.row[order],
                  objectives=goal.objectives(pred, surrogate.y_std)[order], cv=cv[order],
                  history=history, meta=meta, evaluated=evaluated,
                  **{k: v[order] for k, v in record.items()})


def screened_error(p, starts: Starts) -> tuple[list[float] | None, dict]:
    """The surrogate's first-shot error per anchor (6,): mean |simulated − predicted| over the
    starts simulated while screening, before any selection by simulation (the first rows of
    polish's `evaluated`; curves that did not converge or miss an anchor left out); and the
    same per source."""
    k = len(p.screened)
    if not k:
        return None, {}
    e = p.evaluated
    good = e["converged"][:k] & ~e["flagged"][:k]
    err = np.abs(e["anchors"][:k] - starts.predicted[p.screened])
    source = starts.source[p.screened]
    by_source = {str(s): err[good & (source == s)].mean(0).tolist()
                 for s in np.unique(source) if (good & (source == s)).any()}
    return (err[good].mean(0).tolist() if good.any() else None), by_source
