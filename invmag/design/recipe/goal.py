"""A goal on the statistics of a recipe's realizations, and the recipe search's settings.

Goal: targets and --maximize/--minimize apply to the mean anchors (a figure of merit to the
curve through the mean anchors); bounds must hold in at least `yield_` of the realizations;
max_std {anchor: value} bounds the spread. A goal of bounds only maximizes the yield margin.

"""

from dataclasses import dataclass, field
import math

import numpy as np

from ... import ANCHORS, BadParameter
from ...models.conditions import check_temperatures, trained_range
from ..targets import Goal, parse_goal



@dataclass(frozen=True)
class RecipeGoal:
    """A Goal on recipe statistics (module docstring): yield_ in (0, 1] for its bounds, max_std
    {anchor: spread bound} (Ms, H_A)."""

    goal: Goal
    yield_: float = 0.9
    max_std: dict = field(default_factory=dict)

    @property
    def objective_names(self) -> list[str]:
        return self.goal.objective_names or ["−yield margin"]

    @property
    def named(self) -> set[str]:
        """The anchors the goal names: targets, bounds, maximized or minimized, spread bounds."""
        g = self.goal
        return {*g.targets, *g.lower, *g.upper, *g.maximize, *g.minimize, *self.max_std}

    def summary(self) -> str:
        parts = [self.goal.summary()]
        if self.goal.n_constraints:
            parts.append(f"in {100 * self.yield_:g}%")
        parts += [f"std {a}≤{v:.3f}" for a, v in self.max_std.items()]
        return " ".join(p for p in parts if p)

    def margins(self, pred: np.ndarray) -> np.ndarray:
        """(K,) per realization: how far its anchors pred (K, 6) meet every bound (≥ 0: met)."""
        return -self.goal.constraints(pred).max(1, initial=-np.inf)

    def evaluate(self, pred: np.ndarray, scale) -> tuple[np.ndarray, np.ndarray]:
        """Objectives (n_obj,) and constraints g ≤ 0 of one recipe's predictions pred (K, 6):
        the bounds as an order statistic of the margins (≥ 0 exactly when the yield is met, and
        continuous in the recipe), the spread bounds."""
        mean = pred.mean(0, keepdims=True)
        G = [pred[:, ANCHORS.index(a)].std() - v for a, v in self.max_std.items()]
        if self.goal.n_constraints:
            m = np.sort(self.margins(pred))
            G.insert(0, -m[math.floor(len(m) * (1 - self.yield_) + 1e-9)])
        F = self.goal.objectives(mean, scale)[0] if self.goal.objective_names else G[:1]
        return np.asarray(F, float), np.asarray(G, float)

    @property
    def n_constraints(self) -> int:
        return bool(self.goal.n_constraints) + len(self.max_std)


def recipe_goal(targets: dict, lower: dict, upper: dict, weights=(), maximize=(), minimize=(),
                units="reduced", material=None, yield_: float | None = None,
                max_std: dict | None = None, hc_shift: float | None = None) -> RecipeGoal:
    """A validated RecipeGoal from command-line values (as parse_goal, hc_shift its; yield_
    default 0.9 when there are bounds; max_std {anchor: value}). ValueError (one line) for
    impossible requests."""
    bounds = any(v is not None for v in (*lower.values(), *upper.values()))
    if yield_ is not None and not 0 < yield_ <= 1:
        raise BadParameter(f"{{}} must lie in (0, 1], got {yield_:g}", 'yield')
    if yield_ is not None and not bounds:
        raise BadParameter(f"{{}} {yield_:g} needs a bound for the realizations to meet "
                           "({}-X or {}-X)", 'yield', 'min', 'max')
    max_std = dict(max_std or {})
    for a, v in max_std.items():
        if a not in ANCHORS:
            raise BadParameter(f"{{}} {a!r}: not an anchor (one of {', '.join(ANCHORS)})",
                               "max_std")
        if not v > 0:
            raise BadParameter(f"{{}} {a}={v:g} is impossible: realizations of a recipe are "
                               "different structures, their spread is never 0", 'max_std')
    # a recipe of bounds only has an objective of its own: the yield margin
    goal = parse_goal(targets, lower, upper, weights, maximize, minimize, units, material,
                      bounds_only=True, hc_shift=hc_shift)
    for a in set(goal.lower) & set(goal.upper):
        if goal.lower[a] == goal.upper[a]:
            raise BadParameter(f"{{}} = {{}} = {goal.lower[a]:.4g} is impossible with a "
                               "yield: realizations of a recipe spread, none lands on one value",
                               f"min_{a}", f"max_{a}")
    return RecipeGoal(goal, 0.9 if yield_ is None else yield_, max_std)


def temperature_label(values) -> str:
    """'423 K' or '300–423 K (3 temperatures)' for temperatures (K)."""
    if len(values) == 1:
        return f"{values[0]:.0f} K"
    return f"{values[0]:.0f}–{values[-1]:.0f} K ({len(values)} temperatures)"


def recipe_temperatures(cfg, text=None) -> list[float]:
    """The temperatures (K) a recipe must hold at, from "T", "lo:hi" (its two ends: Js(T) and
    H_A(T) fall monotonically, and with them a magnet's µ0Hc and Jr, so bounds met at both ends
    hold between them) or "lo:hi:count" (count points, ends included); default the low end of
    the run's trained range (300 K).
    BadParameter for a malformed or empty range, or a temperature outside the trained range."""
    if text is None:
        return [trained_range(cfg)[0]]
    parts = str(text).strip().split(":")
    usage = f"{{}} {text!r}: expected T, lo:hi or lo:hi:count in kelvin, e.g. 423 or 300:423"
    try:
        values = [float(v) for v in parts[:2]]
        count = int(parts[2]) if len(parts) == 3 else None
    except ValueError:
        raise BadParameter(usage, "temperature") from None
    if len(parts) > 3 or not all(math.isfinite(v) for v in values):
        raise BadParameter(usage, "temperature")
    if len(values) == 2:
        lo, hi = values
        if not lo < hi:
            raise BadParameter(f"{{}} {text!r}: the range is empty (its low end must lie below "
                               "its high end)", "temperature")
        if count is None:
            count = 2
        if count < 2:
            raise BadParameter(f"{{}} {text!r}: a range needs a count ≥ 2", "temperature")
        values = np.linspace(lo, hi, count).tolist()
    check_temperatures(cfg, values)
    return values


@dataclass(frozen=True)
class RecipeSettings:
    """realizations K per recipe (≥ 64: smooth statistics), population and generations of
    the pymoo search, top recipes returned, seed of the search and its realizations;
    calibrate: realizations of each top recipe simulated at each temperature to correct the
    surrogate's level (make.calibrated; 0: none)."""

    realizations: int = 64
    population: int = 24
    generations: int = 20
    top: int = 3
    seed: int = 0
    calibrate: int = 32

    def check(self):
        for name, least in (("realizations", 64), ("population", 4), ("generations", 1),
                            ("top", 1)):
            if getattr(self, name) < least:
                raise BadParameter(f"{{}} must be ≥ {least}, got {getattr(self, name)}", name)
        if not 0 <= self.calibrate <= self.realizations:
            raise BadParameter(f"{{}} must lie in [0, {{}} = {self.realizations}], got "
                               f"{self.calibrate}", "calibrate", "realizations")
