"""Statistics of the anchors over a recipe's realizations: mean, spread, quantiles, yield."""

from dataclasses import dataclass

import numpy as np

from .goal import RecipeGoal

QUANTILES = (0.1, 0.5, 0.9)
# the statistics tables show, by name: Stats -> (6,)
QUANTIFIED = {"mean": lambda s: s.mean, "std": lambda s: s.std,
              **{f"q{round(100 * q)}": (lambda s, i=i: s.quantiles[i])
                 for i, q in enumerate(QUANTILES)}}


@dataclass
class Stats:
    """Statistics of the anchors over K realizations (Ms, H_A): mean, std (6,), quantiles
    (3, 6) at QUANTILES; yield_ the share meeting every bound (None without bounds)."""

    mean: np.ndarray
    std: np.ndarray
    quantiles: np.ndarray
    yield_: float | None

    @classmethod
    def of(cls, values: np.ndarray, goal: RecipeGoal) -> "Stats":
        """Statistics of anchors values (K, 6); NaN rows (failed simulations) are left out of
        the anchors' statistics and count as missing the bounds."""
        v = values[np.isfinite(values).all(1)]
        y = float((goal.margins(values) >= 0).mean()) if goal.goal.n_constraints else None
        return cls(v.mean(0), v.std(0), np.quantile(v, QUANTILES, axis=0), y)

    def to_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "std": self.std.tolist(),
                "quantiles": self.quantiles.tolist(), "yield": self.yield_}

    @classmethod
    def from_dict(cls, d: dict) -> "Stats":
        return cls(*(np.array(d[k]) for k in ("mean", "std", "quantiles")), d["yield"])
