"""Recipe folders runs/<name>/recipes/<id>/ (ids 001, 002, …, never reused), beside designs/.

recipe.json (written under a temporary name, then renamed): goal, yield, spread bounds, the
recipe box, settings, the search's seed, and the ranked recipes with their predicted statistics
(reduced units; density in grains/µm², diameter in nm, θ in rad and degrees). recipes.csv: the
same per recipe. After `verify`: verify.csv (one row per simulated realization) and verify.png.
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
    """A written recipe search: goal, ranges, ranked recipes with their predicted stats,
    meta (settings: realizations, seed, population, generations, seconds, evaluations)."""

    goal: RecipeGoal
    ranges: Ranges
    recipes: list
    stats: list
    meta: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def id(self) -> str:
        return self.path.name if self.path else "?"


def write_recipes(path, r: RecipeSearch):
    """recipe.json (atomically) and recipes.csv into the folder path."""
    path = Path(path)
    doc = {"goal": json.loads(r.goal.goal.to_json()), "yield": r.goal.yield_,
           "max_std": r.goal.max_std,
           "ranges": {"density": list(r.ranges.density), "theta": list(r.ranges.theta)},
           "meta": r.meta,
           "recipes": [{"rank": i + 1, "density": p.density, "diameter_nm": p.diameter,
                        "theta": p.theta, "theta_deg": float(np.degrees(p.theta)),
                        **s.to_dict()} for i, (p, s) in enumerate(zip(r.recipes, r.stats))]}
    with replacing(path / "recipe.json") as tmp:
        tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    header = (["rank", "density", "diameter_nm", "theta_deg", "yield"]
              + [f"{k}_{a}" for k in QUANTIFIED for a in ANCHORS])
    rows = ([i + 1, p.density, p.diameter, float(np.degrees(p.theta)),
             "" if s.yield_ is None else s.yield_,
             *np.concatenate([get(s) for get in QUANTIFIED.values()])]
            for i, (p, s) in enumerate(zip(r.recipes, r.stats)))
    write_csv(path / "recipes.csv", header, rows)
    r.path = path


def read_recipes(path) -> RecipeSearch:
    path = Path(path)
    doc = json.loads((path / "recipe.json").read_text(encoding="utf-8"))
    goal = RecipeGoal(Goal.from_json(json.dumps(doc["goal"])), doc["yield"], doc["max_std"])
    ranges = Ranges(tuple(doc["ranges"]["density"]), tuple(doc["ranges"]["theta"]))
    recipes = [Recipe(d["density"], d["theta"]) for d in doc["recipes"]]
    return RecipeSearch(goal, ranges, recipes, [Stats.from_dict(d) for d in doc["recipes"]],
                        doc["meta"], path)


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


def write_verification_csv(path, params: np.ndarray, simulated: np.ndarray,
                           predicted: np.ndarray, good: np.ndarray, met: np.ndarray | None):
    """verify.csv: one row per realization: its generator parameters (n_grains, theta in rad),
    converged and not flagged (good), meets every bound (met, -1 without bounds),
    sim_<anchor> and pred_<anchor>."""
    header = (["realization", "n_grains", "theta", "good", "met"]
              + [f"sim_{a}" for a in ANCHORS] + [f"pred_{a}" for a in ANCHORS])
    met = np.full(len(params), -1) if met is None else met.astype(int)
    rows = ([i, int(n), float(t), int(g), int(m), *s, *p] for i, ((n, t), g, m, s, p)
            in enumerate(zip(params, good, met, simulated, predicted)))
    write_csv(path, header, rows)
