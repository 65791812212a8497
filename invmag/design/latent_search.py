"""pymoo search of the latent space with a vectorized forward model.

The decision variables are the latent code z (L numbers) in the box [−bound, bound]^L. The VAE's
prior is N(0, I): a code far outside it decodes to a structure unlike any the models were trained
on, where the regressor's prediction means nothing. So the search starts from prior draws and
keeps |z|² ≤ r² with r² the `prior_quantile` quantile of the χ²(L) distribution of |z|²
under the prior (a constraint: pymoo prefers feasible codes over any infeasible one).

Candidates come from the populations of all generations (many codes meet a target: the
surrogate's level sets are large). They are ranked feasible first, then by objective with
near-duplicates moved back (single objective), or, for the Pareto front of all of them, in an
order whose first k members spread over the front (farthest-point order).
"""

from dataclasses import dataclass

import numpy as np
from pymoo.core.callback import Callback
from pymoo.core.problem import Problem
from pymoo.optimize import minimize
from scipy.stats import chi2

from .. import BadParameter
from ..config import ALGORITHMS
from .targets import Goal



def prior_radius2(latent: int, quantile: float) -> float:
    """r² with P(|z|² ≤ r²) = quantile for z ~ N(0, I_latent)."""
    if not 0 < quantile < 1:
        raise BadParameter(f"{{}} must lie in (0, 1), got {quantile}", 'prior_quantile')
    return float(chi2.ppf(quantile, latent))


class LatentProblem(Problem):
    """Objectives of goal on the anchors (N, 6) that model predicts for decision vectors x
    (N, latent + k): the latent code and k design variables in [lo, hi] (a real magnet's
    boundary); constraints |z|² ≤ r² on the code z that model evaluates (and the search
    returns) and the goal's bounds. Stores z as "Z"."""

    def __init__(self, model, goal: Goal, scale, latent: int, bound: float, radius2: float,
                 extra=((), ())):
        lo, hi = (np.asarray(v, float) for v in extra)
        super().__init__(n_var=latent + len(lo), n_obj=len(goal.objective_names),
                         n_ieq_constr=1 + goal.n_constraints,
                         xl=np.r_[np.full(latent, -bound), lo], xu=np.r_[np.full(latent, bound), hi])
        self.model, self.goal, self.scale, self.radius2 = model, goal, scale, radius2

    def _evaluate(self, x, out, *args, **kwargs):
        z, pred = self.model(x)
        out["F"] = self.goal.objectives(pred, self.scale)
        prior = (z ** 2).sum(1, keepdims=True) / self.radius2 - 1
        out["G"] = np.hstack([prior, self.goal.constraints(pred)])
        out["Z"] = z


def latent_model(predict, project=None):
    """The model of a search over codes alone: x -> (z, predict(z)) with z = project(x)
    (x itself without a projection)."""
    def model(x):
        z = x if project is None else project(x)
        return z, predict(z)
    return model


def make_algorithm(name: str, population: int, sampling: np.ndarray):
    """A pymoo algorithm by name, started from the given initial population."""
    if name == "ga":
        from pymoo.algorithms.soo.nonconvex.ga import GA
        return GA(pop_size=population, sampling=sampling)
    if name == "de":
        from pymoo.algorithms.soo.nonconvex.de import DE
        return DE(pop_size=population, sampling=sampling)
    if name == "pso":
        from pymoo.algorithms.soo.nonconvex.pso import PSO
        return PSO(pop_size=population, sampling=sampling)
    if name == "nsga2":
        from pymoo.algorithms.moo.nsga2 import NSGA2
        return NSGA2(pop_size=population, sampling=sampling)
    raise ValueError(f"unknown algorithm {name!r} (one of {', '.join(ALGORITHMS)})")


class _History(Callback):
    """Per generation: best and mean objectives over the feasible population, feasible share;
    and an archive of every population (codes Z, decision vectors X, F, CV)."""

    def __init__(self, progress=None):
        super().__init__()
        self.best, self.mean, self.feasible, self.archive = [], [], [], []
        self.progress = progress

    def notify(self, algorithm):
        Z, X, F, cv = (algorithm.pop.get(k) for k in ("Z", "X", "F", "CV"))
        cv = cv[:, 0]
        self.archive.append((Z, X, F, cv))
        ok = cv <= 0
        pick = F[ok] if ok.any() else F
        self.best.append(pick.min(0))
        self.mean.append(pick.mean(0))
        self.feasible.append(ok.mean())
        if self.progress:
            self.progress(algorithm.n_gen, self.best[-1])

    def arrays(self) -> dict:
        return {"best": np.array(self.best), "mean": np.array(self.mean),
                "feasible": np.array(self.feasible)}


@dataclass
class Result:
    """Ranked candidates: z (K, L), their decision vectors x (K, L + k), predicted anchors
    (K, 6), objectives F (K, n_obj), constraint violation cv (K,) (0: feasible); history per
    generation (see _History)."""

    z: np.ndarray
    x: np.ndarray
    predicted: np.ndarray
    F: np.ndarray
    cv: np.ndarray
    history: dict


def spread_order(F: np.ndarray) -> np.ndarray:
    """Farthest-point order of points F (K, n) in objective space normalized to [0, 1]: starts
    at the best point of the first objective, then each next is the farthest from those taken."""
    span = np.ptp(F, axis=0)
    X = (F - F.min(0)) / np.where(span > 0, span, 1)
    order = [int(np.argmin(F[:, 0]))]
    dist = np.linalg.norm(X - X[order[0]], axis=1)
    while len(order) < len(F):
        nxt = int(np.argmax(dist))
        order.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(X - X[nxt], axis=1))
    return np.array(order)


def diverse_order(z: np.ndarray, distance: float) -> np.ndarray:
    """Reorder ranked codes z (K, L) so that each code closer than `distance` to a better one
    comes after all codes that are not (their own order kept within both groups)."""
    taken = [0] if len(z) else []
    for i in range(1, len(z)):
        if np.linalg.norm(z[taken] - z[i], axis=1).min() >= distance:
            taken.append(i)
    return np.concatenate([taken, np.setdiff1d(np.arange(len(z)), taken)]).astype(int)


def search(model, goal: Goal, scale, latent: int, bound: float, radius2: float,
           algorithm: str, population: int, generations: int, seed: int,
           diversity: float = 0.0, limit: int | None = None, progress=None,
           extra=((), ())) -> Result:
    """Minimize goal's objectives over latent codes in [−bound, bound]^latent, followed by the
    design variables in extra = (lo (k,), hi (k,)). model: callable x (N, latent + k) ->
    (z (N, latent), anchors (N, 6)), the code it evaluates (latent_model: the code itself or
    its projection) and its prediction; |z|² ≤ radius2 is a constraint, and the candidates are
    the codes z of the populations of all generations with their x. A multi-objective goal
    (algorithm 'nsga2' only) returns their Pareto front in spread order; a single objective
    returns them ranked, codes closer than diversity·sqrt(2·latent) (a fraction of the typical
    distance between two prior draws) to a better one ranked after the distinct ones.
    limit: at most this many candidates. progress: callable(generation, best F)."""
    if goal.multi and algorithm != "nsga2":
        raise BadParameter(f"{len(goal.objective_names)} objectives need NSGA-II "
                           f"({{}} nsga2), not {algorithm!r}", 'algorithm')
    rng = np.random.default_rng(seed)
    lo, hi = (np.asarray(v, float) for v in extra)
    start = np.c_[np.clip(rng.standard_normal((population, latent)), -bound, bound),
                  rng.uniform(lo, hi, (population, len(lo)))]
    problem = LatentProblem(model, goal, np.asarray(scale, float), latent, bound, radius2,
                            extra)
    history = _History(progress)
    minimize(problem, make_algorithm(algorithm, population, start), ("n_gen", generations),
             seed=seed, callback=history, verbose=False)
    z, x, F, cv = (np.concatenate(a) for a in zip(*history.archive))
    z, keep = np.unique(z, axis=0, return_index=True)
    x, F, cv = x[keep], F[keep], cv[keep]
    order = rank_order(F, cv)
    if not goal.multi:
        order = order[diverse_order(z[order], diversity * np.sqrt(2 * latent))]
    order = order[:limit]
    return Result(z[order], x[order], model(x[order])[1], F[order], cv[order],
                  history.arrays())


def rank_order(F: np.ndarray, cv: np.ndarray) -> np.ndarray:
    """Indices of candidates with objectives F (K, n_obj) and constraint violation cv (K,),
    best first: for several objectives the Pareto front of the feasible ones (or of the least
    infeasible) in spread order, the others left out; for one, all by cv, then F."""
    if F.shape[1] > 1:
        best = np.flatnonzero(cv <= cv.min())  # the feasible ones, or the least infeasible
        front = best[pareto_mask(F[best])]
        return front[spread_order(F[front])]
    return np.lexsort((F[:, 0], cv))


def pareto_mask(F: np.ndarray) -> np.ndarray:
    """True for rows of F (K, n) that no other row dominates (minimization)."""
    le = (F[:, None, :] <= F[None, :, :]).all(-1)
    lt = (F[:, None, :] < F[None, :, :]).any(-1)
    return ~(le & lt).any(0)
