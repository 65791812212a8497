"""The pymoo search over the recipe box (invmag.design.recipe.stats): every recipe is evaluated
on the same realizations, a generation's recipes in one batch of predictions.

A search at several temperatures (a goal that must hold over a range) has one goal per
temperature (goals in SI refer to the material at each) and takes, per recipe, the worst
temperature's objectives and constraints: a recipe is feasible when it meets the goal at every
temperature."""

from dataclasses import dataclass

import numpy as np
from pymoo.core.problem import Problem
from pymoo.optimize import minimize

from ..latent_search import make_algorithm, rank_order
from .realizations import Ranges
from .stats import Stats

DISTINCT = 0.05  # recipes closer than this (unit box of log density, θ) to a better one: copies


@dataclass
class Ranked:
    """The best recipes of a search, ranked: recipes, x (k, dims) in the unit box, objectives F
    (k, n_obj), cv (k,) constraint violation (0: feasible), stats per recipe and temperature;
    evaluations."""

    recipes: list
    x: np.ndarray
    F: np.ndarray
    cv: np.ndarray
    stats: list
    evaluations: int


def evaluate(goals: list, pred: np.ndarray, scale) -> tuple[np.ndarray, np.ndarray]:
    """Objectives and constraints of one recipe's predictions pred (T, K, 6) at T temperatures,
    goals[t] at each: the worst temperature's, each."""
    F, G = zip(*(goal.evaluate(p, scale) for goal, p in zip(goals, pred)))
    return np.max(F, 0), np.max(np.reshape(G, (len(goals), -1)), 0)


class RecipeProblem(Problem):
    """The recipe box as pymoo's unit (hyper)cube; a generation's recipes are predicted in one
    batch; every evaluation is archived."""

    def __init__(self, predict, ranges: Ranges, goals: list, scale):
        super().__init__(n_var=ranges.dims, n_obj=len(goals[0].objective_names),
                         n_ieq_constr=goals[0].n_constraints, xl=0.0, xu=1.0)
        self.predict, self.ranges, self.goals, self.scale = predict, ranges, goals, scale
        self.archive = []

    def _evaluate(self, x, out, *args, **kwargs):
        pred = self.predict([self.ranges.recipe(xi) for xi in x])
        F, G = zip(*(evaluate(self.goals, p, self.scale) for p in pred))
        out["F"], out["G"] = np.array(F), np.array(G).reshape(len(x), -1)
        self.archive.append((x.copy(), out["F"], out["G"]))


def search_recipes(predict, ranges: Ranges, goals: list, scale, population: int = 24,
                   generations: int = 20, top: int = 3, seed: int = 0,
                   progress=None) -> Ranked:
    """The best `top` distinct recipes in ranges for goals (one RecipeGoal per temperature):
    pymoo (GA; NSGA-II for several objectives, its Pareto front in spread order) over the unit
    box, every recipe evaluated with predict (recipes -> anchors (n, T, K, 6) of the same K
    realizations at the T temperatures); scale (6,) the targets' misfit scale.
    progress: callable(generation)."""
    problem = RecipeProblem(predict, ranges, goals, scale)
    start = np.random.default_rng(seed).uniform(0, 1, (population, ranges.dims))
    algorithm = make_algorithm("nsga2" if len(goals[0].objective_names) > 1 else "ga", population,
                               start)
    minimize(problem, algorithm, ("n_gen", generations), seed=seed, verbose=False,
             **({"callback": lambda a: progress(a.n_gen)} if progress else {}))
    x, F, G = (np.concatenate(a) for a in zip(*problem.archive))
    x, keep = np.unique(ranges.snapped(x), axis=0, return_index=True)
    F, cv = F[keep], np.maximum(G[keep], 0).sum(1)
    taken = []
    for i in rank_order(F, cv):
        if not taken or np.abs(x[taken] - x[i]).max(1).min() >= DISTINCT:
            taken.append(i)
        if len(taken) == top:
            break
    recipes = [ranges.recipe(x[i]) for i in taken]
    stats = [[Stats.of(p, goal) for goal, p in zip(goals, pred)] for pred in predict(recipes)]
    return Ranked(recipes, x[taken], F[taken], cv[taken], stats, len(x))
