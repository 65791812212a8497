"""Physics as the last word: refine designs by simulation in grain space.

A decoded design sharpened into grains has a handful of parameters, one easy axis per grain. A
(1+λ) evolution strategy over those axes, scored by the simulated anchors (the solver, exactly as
`verify` and the labels run it), moves a near miss of the latent search onto the target: the
latent search is the global search, the simulation the local one (inverse designs "refined by
local physics-based optimization"). The grain geometry is kept; axes are angles mod π (φ and
φ + π are the same axis), so a mutation needs no bounds.

Each design keeps its best structure (the parent); a generation draws λ children per design with
a Gaussian step of σ rad on every grain axis; σ grows by 1.5 after a generation that improved and
shrinks by 0.8 after one that did not (a one-fifth-rule variant for tiny budgets), and starts
over at σ₀ once it has shrunk tenfold. The children of all designs are simulated in one batch.
A design stops once every target is within `margin` × window and every bound holds; the designs
share a budget of K × `simulations`, so one that meets the goal early leaves its rest to the
others.

Score (lower is better): Σ_a w_a ((sim_a − target_a) / window)² over the targets plus
Σ (violation / window)² over the bounds; a curve that did not converge or misses an anchor
scores +inf.
"""

from dataclasses import dataclass

import numpy as np

from ..data.structures import canonical
from .sharpen import grains
from .targets import Goal


@dataclass(frozen=True)
class PolishSettings:
    """simulations: budget per design, the start included (the designs share K × simulations);
    screen: start structures simulated
    per design that is polished (the best-scoring go on); offspring: λ children per design
    and generation; sigma: initial step of a grain axis (rad); margin: stop once every target is
    within margin × window."""

    simulations: int = 64
    screen: int = 4
    offspring: int = 8
    sigma: float = 0.2
    margin: float = 0.5

    def check(self):
        if self.simulations < 1:
            raise ValueError(f"--simulations must be ≥ 1, got {self.simulations}")
        if self.screen < 1:
            raise ValueError(f"--screen must be ≥ 1, got {self.screen}")
        if self.offspring < 1:
            raise ValueError(f"the offspring per generation must be ≥ 1, got {self.offspring}")
        if not (self.sigma > 0 and 0 < self.margin <= 1):
            raise ValueError(f"polish needs sigma > 0 and 0 < margin ≤ 1, got {self.sigma}, "
                             f"{self.margin}")


@dataclass
class Polished:
    """K refined designs: chosen (K,) the indices of the given structures they started from;
    phi (K, ny, nx) rad, simulated (K, 6) anchors; start (K, 6): simulated anchors of the
    unrefined structures; simulations (K,) used
    per design; evaluated: every simulated structure (phi (E, ny, nx), M (E, n), anchors (E, 6),
    converged (E,), flagged (E,)), to be learned from."""

    chosen: np.ndarray
    phi: np.ndarray
    simulated: np.ndarray
    start: np.ndarray
    simulations: np.ndarray
    evaluated: dict


def score(goal: Goal, simulated: np.ndarray, good: np.ndarray, window: float) -> np.ndarray:
    """Misfit (N,) of simulated anchors (N, 6) to goal's targets and bounds in units of the hit
    window (see the module docstring); +inf where not good."""
    f = np.zeros(len(simulated))
    for a, t in goal.targets.items():
        f += goal.weights.get(a, 1.0) * ((goal.column(simulated, a) - t) / window) ** 2
    f += (np.maximum(goal.constraints(simulated), 0) / window).sum(1) ** 2
    return np.where(good & np.isfinite(f), f, np.inf)


def met(goal: Goal, simulated: np.ndarray, good: np.ndarray, within: float) -> np.ndarray:
    """(N,) every target within `within` and every bound met, on good curves."""
    ok = good.copy()
    for a, t in goal.targets.items():
        ok &= np.abs(goal.column(simulated, a) - t) <= within
    return ok & (goal.constraints(simulated) <= 0).all(1)


def polish(simulate, phi: np.ndarray, goal: Goal, window: float,
           settings: PolishSettings = PolishSettings(), seed: int = 0, progress=None,
           keep: int | None = None) -> Polished:
    """Refine structures phi (K, ny, nx) rad for goal by simulation. simulate: callable
    phi (N, ny, nx) -> (M (N, n), anchors (N, 6), converged (N,), flagged (N,)). All K are
    simulated; the `keep` best-scoring of them (all by default; ties in their given order) are
    polished. Without targets or bounds (maximize / minimize only) nothing is polished and the
    first `keep` are returned as simulated. progress: callable(n_simulations) after each
    batch."""
    settings.check()
    rng = np.random.default_rng(seed)
    found = [grains(p) for p in phi]
    index = [f[0] for f in found]
    axes = [f[1] for f in found]

    def build(k, a):
        return canonical(a)[index[k]].astype(np.float32)

    evaluated = {"phi": [], "M": [], "anchors": [], "converged": [], "flagged": []}

    def run(owners, candidates):
        structures = np.stack([build(k, a) for k, a in zip(owners, candidates)])
        M, sim, converged, flagged = simulate(structures)
        for name, value in zip(evaluated, (structures, M, sim, converged, flagged)):
            evaluated[name].append(value)
        if progress:
            progress(len(structures))
        return structures, sim, converged & ~flagged

    best_phi, best_sim, best_good = run(range(len(phi)), axes)
    best_f = score(goal, best_sim, best_good, window)
    chosen = np.argsort(best_f, kind="stable")[:keep]
    index, axes = [index[k] for k in chosen], [axes[k] for k in chosen]
    best_phi, best_sim, best_good, best_f = (a[chosen] for a in (
        best_phi, best_sim, best_good, best_f))
    start = best_sim.copy()
    K = len(chosen)
    used = np.ones(K, int)
    sigma = np.full(K, settings.sigma)
    polishing = bool(goal.targets or goal.n_constraints)
    budget = K * settings.simulations  # shared: a design that meets the goal early leaves its rest
    while polishing:
        active = np.flatnonzero(~met(goal, best_sim, best_good, settings.margin * window))
        if not active.size or used.sum() >= budget:
            break
        owners, children = [], []
        for k in active:
            n = min(settings.offspring, budget - used.sum())
            children += list(axes[k] + sigma[k] * rng.standard_normal((n, len(axes[k]))))
            owners += [k] * n
            used[k] += n
        active = np.unique(owners)
        owners = np.array(owners)
        structures, sim, good = run(owners, children)
        f = score(goal, sim, good, window)
        for k in active:
            mine = np.flatnonzero(owners == k)
            j = mine[np.argmin(f[mine])]
            if f[j] < best_f[k]:
                best_f[k], axes[k] = f[j], canonical(children[j])
                best_phi[k], best_sim[k], best_good[k] = structures[j], sim[j], good[j]
                sigma[k] = min(1.5 * sigma[k], 1.0)
            else:  # a step that has shrunk tenfold without success starts over (ES restart)
                sigma[k] *= 0.8
                if sigma[k] < settings.sigma / 10:
                    sigma[k] = settings.sigma
    return Polished(chosen, best_phi, best_sim, start, used,
                    {k: np.concatenate(v) for k, v in evaluated.items()})
