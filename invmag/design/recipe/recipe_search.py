"""The pymoo search over the recipe box (invmag.design.recipe.stats): every recipe is evaluated
on the same realizations, a generation's recipes in one batch of predictions."""

from dataclasses import dataclass

import numpy as np
from pymoo.core.problem import Problem
from pymoo.optimize import minimize

from ..latent_search import make_algorithm, rank_order
from .goal import RecipeGoal
from .realizations import Ranges, Realizations
from .stats import Stats

DISTINCT = 0.05  # recipes closer than this (unit box of log density, θ) to a better one: copies


@dataclass
class Ranked:
    """The best recipes of a search, ranked: recipes, x (k, 2) in the unit box, objectives F
    (k, n_obj), cv (k,) constraint violation (0: feasible), stats per recipe; evaluations."""

    recipes: list
    x: np.ndarray
    F: np.ndarray
    cv: np.ndarray
    stats: list
    evaluations: int


class RecipeProblem(Problem):
    """The recipe box (log density, θ) as pymoo's unit square; a generation's recipes are
    predicted in one batch; every evaluation is archived."""

    def __init__(self, predict, real: Realizations, ranges: Ranges, goal: RecipeGoal, scale):
        super().__init__(n_var=2, n_obj=len(goal.objective_names),
                         n_ieq_constr=goal.n_constraints, xl=0.0, xu=1.0)
        self.predict, self.real, self.ranges, self.goal, self.scale = (predict, real, ranges,
                                                                       goal, scale)
        self.archive = []

    def _evaluate(self, x, out, *args, **kwargs):
        phi = np.concatenate([self.real.structures(self.ranges.recipe(xi))[0] for xi in x])
        pred = self.predict(phi).reshape(len(x), self.real.K, -1)
        F, G = zip(*(self.goal.evaluate(p, self.scale) for p in pred))
        out["F"], out["G"] = np.array(F), np.array(G).reshape(len(x), -1)
        self.archive.append((x.copy(), out["F"], out["G"]))


def search_recipes(predict, real: Realizations, ranges: Ranges, goal: RecipeGoal, scale,
                   population: int = 24, generations: int = 20, top: int = 3, seed: int = 0,
                   progress=None) -> Ranked:
    """The best `top` distinct recipes in ranges for goal: pymoo (GA; NSGA-II for several
    objectives, its Pareto front in spread order) over the unit box, every recipe evaluated on
    the realizations real with predict (phi (N, ny, nx) -> anchors (N, 6)); scale (6,) the
    targets' misfit scale. progress: callable(generation)."""
    problem = RecipeProblem(predict, real, ranges, goal, scale)
    start = np.random.default_rng(seed).uniform(0, 1, (population, 2))
    algorithm = make_algorithm("nsga2" if len(goal.objective_names) > 1 else "ga", population,
                               start)
    minimize(problem, algorithm, ("n_gen", generations), seed=seed, verbose=False,
             **({"callback": lambda a: progress(a.n_gen)} if progress else {}))
    x, F, G = (np.concatenate(a) for a in zip(*problem.archive))
    x, keep = np.unique(x, axis=0, return_index=True)
    F, cv = F[keep], np.maximum(G[keep], 0).sum(1)
    taken = []
    for i in rank_order(F, cv):
        if not taken or np.abs(x[taken] - x[i]).max(1).min() >= DISTINCT:
            taken.append(i)
        if len(taken) == top:
            break
    recipes = [ranges.recipe(x[i]) for i in taken]
    stats = [Stats.of(predict(real.structures(r)[0]), goal) for r in recipes]
    return Ranked(recipes, x[taken], F[taken], cv[taken], stats, len(x))
