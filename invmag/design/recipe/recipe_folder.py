"""Recipe folders runs/<name>/recipes/<id>/ (ids 001, 002, …, never reused), beside designs/.

recipe.json (written under a temporary name, then renamed): the temperatures (K), the goal at
each, yield, spread bounds, the recipe box, settings, the search's seed, and the ranked recipes
with their predicted statistics at each temperature (reduced units of the main phase at that
temperature; density in grains/µm², diameter in nm, θ in rad and degrees, boundary thickness in
nm and Js in T at 300 K). recipes.csv: the same per recipe and temperature. After `verify`:
verify.csv (one row per simulated realization and temperature) and verify.png.
"""

from dataclasses import dataclass, field
import json
from pathlib import Path

import numpy as np

from ... import ANCHORS
from ...files import replacing
from ..design_folder import find_numbered_dir, write_csv
from ..targets import Goal
from .goal import RecipeGoal
from .realizations import Ranges, Recipe
from .stats import QUANTIFIED, Stats


@dataclass
class RecipeSearch:
    """A written recipe search: goals (one per temperature, K), ranges, ranked recipes with
    their predicted stats (stats[recipe][temperature]), meta (settings: realizations, seed,
    population, generations, seconds, evaluations)."""

    goals: list
    temperatures: list
    ranges: Ranges
    recipes: list
    stats: list
    meta: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def goal(self) -> RecipeGoal:
        """The goal at the first temperature: its anchors and objectives are every one's."""
        return self.goals[0]

    @property
    def id(self) -> str:
        return self.path.name if self.path else "?"


def write_recipes(path, r: RecipeSearch):
    """recipe.json (atomically) and recipes.csv into the folder path."""
    path = Path(path)
    doc = {"temperatures_K": list(r.temperatures),
           "goals": [json.loads(g.goal.to_json()) for g in r.goals], "yield": r.goal.yield_,
           "max_std": r.goal.max_std, "ranges": r.ranges.to_dict(), "meta": r.meta,
           "recipes": [{"rank": i + 1, "density": p.density, "diameter_nm": p.diameter,
                        "theta": p.theta, "theta_deg": float(np.degrees(p.theta)),
                        "thickness_nm": p.thickness, "boundary_js_T": p.boundary_js,
                        "at": [s.to_dict() for s in at]}
                       for i, (p, at) in enumerate(zip(r.recipes, r.stats))]}
    with replacing(path / "recipe.json") as tmp:
        tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    header = (["rank", "density", "diameter_nm", "theta_deg", "thickness_nm", "boundary_js_T",
               "T_K", "yield"] + [f"{k}_{a}" for k in QUANTIFIED for a in ANCHORS])
    rows = ([i + 1, p.density, p.diameter, float(np.degrees(p.theta)), p.thickness,
             p.boundary_js, T, "" if s.yield_ is None else s.yield_,
             *np.concatenate([get(s) for get in QUANTIFIED.values()])]
            for i, (p, at) in enumerate(zip(r.recipes, r.stats))
            for T, s in zip(r.temperatures, at))
    write_csv(path / "recipes.csv", header, rows)
    r.path = path


def read_recipes(path) -> RecipeSearch:
    """The recipe search of a folder; ValueError naming the file when it was written by an
    invmag before temperatures (no `temperatures_K`)."""
    path = Path(path)
    doc = json.loads((path / "recipe.json").read_text(encoding="utf-8"))
    if "temperatures_K" not in doc:
        raise ValueError(f"{path / 'recipe.json'} was written by an earlier invmag (no "
                         "temperatures): run `invmag recipe` again for this goal")
    goals = [RecipeGoal(Goal.from_json(json.dumps(g)), doc["yield"], doc["max_std"])
             for g in doc["goals"]]
    recipes = [Recipe(d["density"], d["theta"], d["thickness_nm"], d["boundary_js_T"])
               for d in doc["recipes"]]
    stats = [[Stats.from_dict(s) for s in d["at"]] for d in doc["recipes"]]
    return RecipeSearch(goals, doc["temperatures_K"], Ranges.from_dict(doc["ranges"]), recipes,
                        stats, doc["meta"], path)


def find_recipe(run, recipe_id: str | None = None) -> Path:
    """The folder of recipe search `recipe_id` of a run, or of its latest."""
    return find_numbered_dir(run, "recipes", "recipe.json", recipe_id, "recipe")


def newest(run) -> tuple[str, Path]:
    """("design" or "recipe", folder): the run's newest design or recipe search, by the time
    its file was written. ValueError when it has neither."""
    found = [(p.stat().st_mtime, kind, p.parent) for kind, pattern in
             (("design", "designs/*/design.h5"), ("recipe", "recipes/*/recipe.json"))
             for p in Path(run).glob(pattern)]
    if not found:
        raise ValueError(f"run {run} has no designs or recipes yet (run `invmag optimize` or "
                         "`invmag recipe` first)")
    _, kind, path = max(found)
    return kind, path


def write_verification_csv(path, temperatures, params: np.ndarray, simulated: np.ndarray,
                           predicted: np.ndarray, good: np.ndarray, met: np.ndarray | None):
    """verify.csv: one row per realization and temperature (K): the realization's generator
    parameters params (R, 4) (n_grains, theta in rad, boundary thickness nm, boundary Js T),
    converged and not flagged (good), meets every bound (met, -1 without bounds),
    sim_<anchor> and pred_<anchor>; simulated, predicted (T, R, 6), good, met (T, R)."""
    header = (["realization", "T_K", "n_grains", "theta", "thickness_nm", "boundary_js_T",
               "good", "met"] + [f"sim_{a}" for a in ANCHORS] + [f"pred_{a}" for a in ANCHORS])
    met = np.full(np.shape(good), -1) if met is None else met.astype(int)
    rows = ([i, T, int(n), float(t), float(b), float(js), int(g), int(m), *s, *p]
            for T, sims, preds, goods, mets in zip(temperatures, simulated, predicted, good, met)
            for i, ((n, t, b, js), g, m, s, p)
            in enumerate(zip(params, goods, mets, sims, preds)))
    write_csv(path, header, rows)
