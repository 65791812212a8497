"""Physics as the last word: polish designs by simulation in grain space.

A decoded design sharpened into grains has a handful of parameters, one easy axis per grain. A
(1+λ) evolution strategy over those axes, scored by the simulated anchors (the solver, exactly as
`verify` and the labels run it), moves a near miss of the latent search onto the target: the
latent search is the global search, the simulation the local one (inverse designs "refined by
local physics-based optimization"). The grain geometry is kept; axes are angles mod π (φ and
φ + π are the same axis), so a mutation needs no bounds. In a real magnet the boundary phase's
cells and the temperature are kept too, and its Js is stepped with the axes (within its range).

Screening: the starts are given best first (by the caller's prediction); starts whose anchors
are known (the run's data) cost nothing, the others are simulated `keep` at a time until `keep`
of all starts meet the goal or every start is simulated, and the `keep` best go on.

Each design keeps its best structure (the parent); a generation draws λ children per design with
a Gaussian step of σ rad on every grain axis (with a surrogate, `proposals` children are drawn
and the λ it predicts best are simulated: surrogate-assisted polish); σ grows by 1.5 after a
generation that improved and shrinks by 0.8 after one that did not (a one-fifth-rule variant for
tiny budgets), and starts over at σ₀ once it has shrunk tenfold. The children of all designs are
simulated in one batch.
A design stops once every target is within `margin` × window and every bound holds; the designs
share a budget of K × `simulations`, so one that meets the goal early leaves its rest to the
others.

Score (lower is better): Σ_a w_a ((sim_a − target_a) / window)² over the targets plus
Σ (violation / window)² over the bounds; a curve that did not converge or misses an anchor
scores +inf.
"""

from dataclasses import dataclass

import numpy as np

from .. import BadParameter
from ..data.sample import Samples
from ..data.structures import canonical
from .grains import grains
from .targets import Goal


@dataclass(frozen=True)
class PolishSettings:
    """simulations: budget per design, the start included (the designs share K × simulations);
    screen: start structures screened per design that is polished (the best-scoring go on);
    offspring: λ children simulated per design and generation; proposals: children drawn per
    design and generation when a surrogate ranks them (the best λ are simulated); sigma:
    initial step of a grain axis (rad); sigma_js: of the boundary's Js (T), where it is a
    design variable; margin: stop once every target is within margin × window."""

    simulations: int = 64
    screen: int = 4
    offspring: int = 8
    proposals: int = 64
    sigma: float = 0.2
    sigma_js: float = 0.1  # T: initial step of a boundary Js that is a design variable
    margin: float = 0.9  # the verification simulates the same way: labels agree to 1.2e-3

    def check(self):
        if self.simulations < 1:
            raise BadParameter(f"{{}} must be ≥ 1, got {self.simulations}", 'simulations')
        if self.screen < 1:
            raise BadParameter(f"{{}} must be ≥ 1, got {self.screen}", 'screen')
        if not 1 <= self.offspring <= self.proposals:
            raise ValueError(f"polish needs 1 ≤ offspring ≤ proposals, got {self.offspring}, "
                             f"{self.proposals}")
        if not (self.sigma > 0 and 0 < self.margin <= 1):
            raise ValueError(f"polish needs sigma > 0 and 0 < margin ≤ 1, got {self.sigma}, "
                             f"{self.margin}")


@dataclass
class Simulated:
    """Simulated samples: Samples, M (N, n) Ms, anchors (N, 6), converged, flagged (N,)."""

    samples: Samples
    M: np.ndarray
    anchors: np.ndarray
    converged: np.ndarray
    flagged: np.ndarray

    @classmethod
    def join(cls, parts: list["Simulated"]) -> "Simulated":
        return cls(Samples.join([p.samples for p in parts]),
                   *(np.concatenate([getattr(p, f) for p in parts])
                     for f in ("M", "anchors", "converged", "flagged")))


@dataclass
class Polished:
    """K polished designs: chosen (K,) the indices of the given starts they began from;
    samples (K) (their boundary's Js polished), simulated (K, 6) anchors; start (K, 6): anchors
    of the unpolished starts; simulations (K,) used per design (0 for a known start left as it
    was); screened (S,): the starts simulated while screening, in the order of evaluated's
    first S rows; evaluated: every simulated sample (Simulated), to be learned from, or None."""

    chosen: np.ndarray
    samples: Samples
    simulated: np.ndarray
    start: np.ndarray
    simulations: np.ndarray
    screened: np.ndarray
    evaluated: Simulated | None


def score(goal: Goal, simulated: np.ndarray, good: np.ndarray, window: float) -> np.ndarray:
    """Misfit (N,) of simulated anchors (N, 6) to goal's targets and bounds in units of the hit
    window (see the module docstring); +inf where not good."""
    f = np.zeros(len(simulated))
    for a, t in goal.targets.items():
        f += goal.weights.get(a, 1.0) * ((goal.column(simulated, a) - t) / window) ** 2
    f += (np.maximum(goal.constraints(simulated), 0) / window).sum(1) ** 2
    return np.where(good & np.isfinite(f), f, np.inf)


def ranked(goal: Goal, values: np.ndarray, good: np.ndarray, window: float) -> np.ndarray:
    """Indices of anchors values (N, 6), best first: by score for targets and bounds; for
    objectives alone, bound-keeping rows first, then by non-dominated front and the first
    objective (ties in the given order). Rows that are not good come last."""
    if goal.targets or not goal.objective_names:
        return np.argsort(score(goal, values, good, window), kind="stable")
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    rows = np.flatnonzero(good & np.isfinite(values).all(1))
    F = goal.objectives(values[rows], np.ones(values.shape[1]))
    front = np.zeros(len(rows), int)
    for level, members in enumerate(NonDominatedSorting().do(F) if len(rows) else []):
        front[members] = level
    order = rows[np.lexsort((np.arange(len(rows)), F[:, 0], front))]
    return np.concatenate([order, np.setdiff1d(np.arange(len(values)), order)])


def met(goal: Goal, simulated: np.ndarray, good: np.ndarray, within: float) -> np.ndarray:
    """(N,) every target within `within` and every bound met, on good curves."""
    ok = good.copy()
    for a, t in goal.targets.items():
        ok &= np.abs(goal.column(simulated, a) - t) <= within
    return ok & (goal.constraints(simulated) <= 0).all(1)


def polish(simulate, starts: Samples, goal: Goal, window: float,
           settings: PolishSettings = PolishSettings(), seed: int = 0, progress=None,
           keep: int | None = None, known: np.ndarray | None = None,
           predict=None, js_range=None) -> Polished:
    """Refine starts (Samples of K), best first, for goal by simulation. The geometry, the
    regions and T are kept; with js_range (lo, hi) T the boundary's Js of a start that has
    boundary cells is a design variable too, stepped with the axes (σ_js = sigma_js × σ /
    sigma). simulate: callable(Samples) -> invmag.physics.simulation's curves. known (K, 6):
    simulated anchors of starts from the data (NaN rows: unknown, screened by simulation).
    The `keep` best-scoring starts (all by default; ties in their given order) are polished.
    predict: callable(Samples) -> predicted anchors (N, 6), to rank the children (see
    the module docstring). Without targets or bounds (maximize / minimize only) nothing is
    polished: the unknown starts are simulated and the best `keep` returned. progress:
    callable(n_simulations) after each batch."""
    settings.check()
    rng = np.random.default_rng(seed)
    keep = len(starts) if keep is None else min(keep, len(starts))
    found = [grains(p) for p in starts.phi]
    index = [f[0] for f in found]
    axes = [f[1] for f in found]
    js = list(starts.phase[:, 1])
    free_js = ([js_range is not None and m.any() for m in starts.mask]
               if starts.mask is not None else [False] * len(starts))
    polishing = bool(goal.targets or goal.n_constraints)

    def build(k, a):
        return canonical(a)[index[k]].astype(np.float32)

    def samples(owners, candidates) -> Samples:
        """The Samples of candidates (axes, boundary Js) of the starts owners."""
        out = starts.take(owners).with_phi(
            np.stack([build(k, a) for k, (a, _) in zip(owners, candidates)]))
        return out if out.boundary is None else out.with_boundary_js([j for _, j in candidates])

    evaluated = []

    def run(owners, candidates):
        batch = samples(owners, candidates)
        c = simulate(batch)
        evaluated.append(Simulated(batch, c.M, c.anchors, c.converged, c.flagged))
        if progress:
            progress(len(batch))
        return batch.phi, c.anchors, c.converged & ~c.flagged, batch.phase[:, 1]

    # screening: known starts are free; the others are simulated keep at a time, best first
    start_phi = np.stack([build(k, a) for k, a in enumerate(axes)])
    start_sim = np.full((len(starts), 6), np.nan) if known is None else np.array(known, float)
    start_good = np.isfinite(start_sim).all(1)
    unknown = list(np.flatnonzero(~start_good))
    screened = []
    while unknown:
        if polishing and met(goal, start_sim, start_good, settings.margin * window).sum() >= keep:
            break
        batch, unknown = unknown[:keep], unknown[keep:]
        start_phi[batch], start_sim[batch], start_good[batch], _ = run(
            batch, [(axes[k], js[k]) for k in batch])
        screened += batch
    chosen = ranked(goal, start_sim, start_good, window)[:keep]
    index, axes = [index[k] for k in chosen], [axes[k] for k in chosen]
    js, free_js = [js[k] for k in chosen], [free_js[k] for k in chosen]
    starts = starts.take(chosen)
    best_phi, best_sim, best_good = start_phi[chosen], start_sim[chosen], start_good[chosen]
    best_f = score(goal, best_sim, best_good, window)
    start = best_sim.copy()
    K = len(chosen)
    used = np.isin(chosen, screened).astype(int)
    sigma = np.full(K, settings.sigma)
    budget = K * settings.simulations  # shared: a design that meets the goal early leaves its rest
    while polishing:
        active = np.flatnonzero(~met(goal, best_sim, best_good, settings.margin * window))
        if not active.size or used.sum() >= budget:
            break
        owners, children = [], []
        for k in active:
            n = min(settings.offspring, budget - used.sum())
            if n <= 0:
                break
            m = settings.proposals if predict else n
            drawn = list(zip(axes[k] + sigma[k] * rng.standard_normal((m, len(axes[k]))),
                             np.clip(js[k] + settings.sigma_js * sigma[k] / settings.sigma
                                     * rng.standard_normal(m), *js_range) if free_js[k]
                             else np.full(m, js[k])))
            if predict:  # the surrogate picks the n children it predicts closest, read as
                # changes from the simulated parent (its error at the parent cancels)
                guess = predict(samples([k] * (m + 1), [(axes[k], js[k])] + drawn))
                guess = guess[1:] - guess[0] + best_sim[k]
                pick = np.argsort(score(goal, guess, np.ones(m, bool), window), kind="stable")
                drawn = [drawn[i] for i in pick[:n]]
            children += drawn
            owners += [k] * n
            used[k] += n
        active = np.unique(owners)
        owners = np.array(owners)
        structures, sim, good, child_js = run(owners, children)
        f = score(goal, sim, good, window)
        for k in active:
            mine = np.flatnonzero(owners == k)
            j = mine[np.argmin(f[mine])]
            if f[j] < best_f[k]:
                best_f[k], axes[k], js[k] = f[j], canonical(children[j][0]), float(child_js[j])
                best_phi[k], best_sim[k], best_good[k] = structures[j], sim[j], good[j]
                sigma[k] = min(1.5 * sigma[k], 1.0)
            else:  # a step that has shrunk tenfold without success starts over (ES restart)
                sigma[k] *= 0.8
                if sigma[k] < settings.sigma / 10:
                    sigma[k] = settings.sigma
    designs = starts.with_phi(best_phi)
    if designs.boundary is not None:
        designs = designs.with_boundary_js(js)
    return Polished(chosen, designs, best_sim, start, used, np.array(screened, int),
                    Simulated.join(evaluated) if evaluated else None)
