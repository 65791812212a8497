"""What a design search is asked for (a Goal), parsed from the command line and validated.

All values are in reduced units: m1, mr in Ms; hk90, hk80, hk70, hc in H_A (positive field
magnitudes, docs/conventions.md); the figures of merit bhmax in units of its limit µ0·Ms²/4
and squareness = hk90/hc, both read on the curve through the anchors (invmag.physics.merit);
hc_th, the thermally activated coercive field max(hc − ln(t/τ0)·S_v/H_A, 0) in H_A at the
goal's temperature (invmag.physics.thermal; the config's [thermal] section, Goal.hc_shift).
With units="si" the user gives µ0·M and µ0·H in tesla and bhmax in kJ/m³.

A goal has up to three parts:
- targets {quantity: value} with weights: one objective, the weighted misfit
  sum_a w_a ((pred_a − target_a) / scale_a)², scale_a the spread (std) of the training labels
  (MERIT_SCALE for bhmax and squareness);
- maximize / minimize: one objective per quantity (NSGA-II when there is more than one);
- lower / upper bounds {quantity: value}: constraints pred ≥ lower, pred ≤ upper.
A quantity is an anchor, a figure of MERIT or hc_th (THERMAL).
"""

from dataclasses import asdict, dataclass, field
import itertools
import json
import math

import numpy as np

from .. import ANCHORS, BadParameter
from ..physics.anchors import UNITS as ANCHOR_UNITS, si_factor
from ..physics.material import Material
from ..physics.merit import reduced_merit
from ..physics.thermal import thermal_hc

MERIT = ("bhmax", "squareness")
THERMAL = ("hc_th",)
QUANTITIES = ANCHORS + MERIT + THERMAL
UNITS = {**ANCHOR_UNITS, "bhmax": "µ0·Ms²/4", "squareness": "Hk/HcJ", "hc_th": "H_A"}
SI_UNITS = {**{a: "T" for a in ANCHORS + THERMAL}, "bhmax": "kJ/m³", "squareness": ""}
MERIT_SCALE = 0.25  # misfit scale of bhmax, squareness (std on runs/quick labels: 0.27, 0.29)
MEANING = {"m1": "M at +H_A", "mr": "the remanence", "hk90": "the knee field Hk90",
           "hk80": "the knee field Hk80", "hk70": "the knee field Hk70",
           "hc": "the coercive field", "bhmax": "(BH)max", "squareness": "the squareness",
           "hc_th": "the thermally activated coercive field"}
# along a demagnetization curve from saturation: mr ≤ m1 and hk90 ≤ hk80 ≤ hk70 ≤ hc;
# thermal activation only lowers hc: hc_th ≤ hc
ORDER = (("mr", "m1"), ("hk90", "hk80", "hk70", "hc"), ("hc_th", "hc"))


@dataclass(frozen=True)
class Goal:
    """Targets (with weights), quantities to maximize / minimize, bounds; reduced units;
    ha: H_A in units of Ms (converts anchors to bhmax); hc_shift: ln(t/τ0)·S_v in H_A at the
    goal's temperature (hc → hc_th; None: the config has no [thermal] section)."""

    targets: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)
    maximize: tuple = ()
    minimize: tuple = ()
    lower: dict = field(default_factory=dict)
    upper: dict = field(default_factory=dict)
    ha: float = Material().hA
    hc_shift: float | None = None

    def column(self, values: np.ndarray, name: str) -> np.ndarray:
        """(N,) quantity `name` of anchors values (N, 6) in reduced units."""
        if name in ANCHORS:
            return values[:, ANCHORS.index(name)]
        if name in THERMAL:
            return thermal_hc(values[:, ANCHORS.index("hc")], self.hc_shift)
        return reduced_merit(values, self.ha)[:, MERIT.index(name)]

    @property
    def objective_names(self) -> list[str]:
        names = ["misfit"] if self.targets else []
        return names + [f"max {a}" for a in self.maximize] + [f"min {a}" for a in self.minimize]

    @property
    def multi(self) -> bool:
        return len(self.objective_names) > 1

    @property
    def n_constraints(self) -> int:
        return len(self.lower) + len(self.upper)

    def objectives(self, pred: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """Objectives to minimize, (N, n_obj), of predicted anchors pred (N, 6); scale (6,)."""
        cols = []
        if self.targets:
            s = np.array([scale[ANCHORS.index(a)] if a in ANCHORS else
                          scale[ANCHORS.index("hc")] if a in THERMAL else MERIT_SCALE
                          for a in self.targets])
            t = np.array(list(self.targets.values()))
            w = np.array([self.weights.get(a, 1.0) for a in self.targets])
            x = np.stack([self.column(pred, a) for a in self.targets], 1)
            cols.append((w * ((x - t) / s) ** 2).sum(1))
        cols += [-self.column(pred, a) for a in self.maximize]
        cols += [self.column(pred, a) for a in self.minimize]
        return np.stack(cols, axis=1)

    def constraints(self, pred: np.ndarray) -> np.ndarray:
        """Inequality constraints g ≤ 0 (reduced units), (N, n_constraints)."""
        cols = [lo - self.column(pred, a) for a, lo in self.lower.items()]
        cols += [self.column(pred, a) - hi for a, hi in self.upper.items()]
        return np.stack(cols, axis=1) if cols else np.zeros((len(pred), 0))

    def hits(self, values: np.ndarray, window: float) -> np.ndarray | None:
        """Per row of anchors values (N, 6): every target within window and every bound met
        within window. None when the goal has neither (pure maximize / minimize)."""
        if not self.targets and not self.n_constraints:
            return None
        ok = np.ones(len(values), bool)
        for a, t in self.targets.items():
            ok &= np.abs(self.column(values, a) - t) <= window
        ok &= (self.constraints(values) <= window).all(1)
        return ok

    def summary(self) -> str:
        """Short text, e.g. 'hc=0.300 mr≥0.700 max hk90'."""
        parts = [f"{a}={v:.3f}" + (f"(w{self.weights[a]:g})" if a in self.weights else "")
                 for a, v in self.targets.items()]
        parts += [f"{a}≥{v:.3f}" for a, v in self.lower.items()]
        parts += [f"{a}≤{v:.3f}" for a, v in self.upper.items()]
        return " ".join(parts + self.objective_names[bool(self.targets):])

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Goal":
        d = json.loads(text)
        return cls(**{**d, "maximize": tuple(d["maximize"]), "minimize": tuple(d["minimize"])})


def _check_range(parameter: str, name: str, value: float, given: str):
    """Reject values no magnet can have: magnetizations outside [0, 1] Ms, fields outside
    [0, 1] H_A (a field anchor above the anisotropy field cannot occur). parameter: the one
    that gave the value (target_hc, min_mr, …)."""
    if not math.isfinite(value):
        raise BadParameter(f"{{}} = {given} is not a number", parameter)
    if 0 <= value <= 1:
        return
    if UNITS[name] != "H_A":
        limit = {"bhmax": "its limit µ0·Ms²/4", "squareness": "1"}.get(name, "Ms")
        why = f"cannot exceed {limit}" if value > 1 else "cannot be negative"
        raise BadParameter(f"{{}} = {given} is impossible: {MEANING[name]} {why} "
                           f"(it must lie in [0, 1] {UNITS[name]})", parameter)
    why = ("cannot exceed the anisotropy field H_A" if value > 1 else
           "is a field magnitude and cannot be negative")
    raise BadParameter(f"{{}} = {given} is impossible: {MEANING[name]} {why} "
                       f"(it must lie in [0, 1] H_A)", parameter)


def _anchor(name: str, option: str) -> str:
    if name not in QUANTITIES:
        raise BadParameter(f"{{}} {name!r}: not an anchor or figure of merit (one of "
                           f"{', '.join(QUANTITIES)})", option)
    return name


def _weights(items, targets) -> dict:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = _anchor(name.strip(), "weight")
        try:
            w = float(value) if sep else math.nan
        except ValueError:
            w = math.nan
        if not (math.isfinite(w) and w > 0):
            raise BadParameter(f"{{}} {item!r}: expected ANCHOR=POSITIVE_NUMBER, e.g. hc=2",
                               "weight")
        if name not in targets:
            raise BadParameter(f"{{}} {name}: {name} is not a target (give {{}})", "weight",
                               f"target_{name}")
        out[name] = w
    return out


def parse_goal(targets: dict, lower: dict, upper: dict, weights=(), maximize=(), minimize=(),
               units: str = "reduced", material: Material | None = None,
               bounds_only: bool = False, hc_shift: float | None = None) -> Goal:
    """A validated Goal from command-line values: targets/lower/upper {quantity: value or None}
    in `units` ("reduced" or "si": tesla, kJ/m³ for bhmax, converted with material); weights
    as 'quantity=w'; bounds_only: a goal of bounds alone is accepted (recipes: their yield);
    hc_shift: Goal.hc_shift (None: hc_th cannot be asked for). Raises ValueError (one line)
    for impossible or contradictory requests."""
    if units not in ("reduced", "si"):
        raise BadParameter(f"{{}} must be 'reduced' or 'si', got {units!r}", 'units')
    material = material or Material()

    def si(name):
        """SI units per reduced unit of a quantity."""
        if name in ANCHORS + THERMAL:
            return si_factor("hc" if name in THERMAL else name, material)
        return material.Kd / 4 / 1e3 if name == "bhmax" else 1.0

    def convert(kind, values):
        out = {}
        for name, v in values.items():
            if v is None:
                continue
            _anchor(name, kind)
            reduced = v / si(name) if units == "si" else float(v)
            shown = (f"{v:g} {SI_UNITS[name]} ({reduced:.4g} {UNITS[name]})" if units == "si"
                     else f"{v:g}")
            _check_range(f"{kind}_{name}", name, reduced, shown)
            out[name] = reduced
        return out

    t = convert("target", targets)
    lo, hi = convert("min", lower), convert("max", upper)
    for name in set(lo) & set(hi):
        if lo[name] > hi[name]:
            raise BadParameter(f"{{}} {lo[name]:.4g} is above {{}} {hi[name]:.4g}",
                               f"min_{name}", f"max_{name}")
    for name, v in t.items():
        if v < lo.get(name, -math.inf) or v > hi.get(name, math.inf):
            raise BadParameter(f"target {name} = {v:.4g} lies outside its own bounds "
                               f"{{}}/{{}}", f"min_{name}", f"max_{name}")
    # (value, how the message names it, the parameter it names or None)
    floor = {**{a: (v, f"{{}} {v:.4g}", f"min_{a}") for a, v in lo.items()},
             **{a: (v, f"target {a} = {v:.4g}", None) for a, v in t.items()}}
    ceiling = {**{a: (v, f"{{}} {v:.4g}", f"max_{a}") for a, v in hi.items()},
               **{a: (v, f"target {a} = {v:.4g}", None) for a, v in t.items()}}
    for a, b in ((a, b) for chain in ORDER for a, b in itertools.combinations(chain, 2)):
        if a in floor and b in ceiling and floor[a][0] > ceiling[b][0]:
            names = [p for p in (floor[a][2], ceiling[b][2]) if p]
            raise BadParameter(f"{floor[a][1]} and {ceiling[b][1]} are impossible together: "
                               f"along a demagnetization curve {a} ≤ {b}", *names)
    maximize = tuple(_anchor(a, "maximize") for a in maximize)
    minimize = tuple(_anchor(a, "minimize") for a in minimize)
    for name in maximize + minimize:
        if name in t:
            raise ValueError(f"{name} is both a target and an anchor to maximize or minimize")
        if (maximize + minimize).count(name) > 1:
            raise BadParameter(f"{name} is given more than once to {{}}/{{}}", "maximize",
                               "minimize")
    if hc_shift is None:
        asked = [f"{k}_hc_th" for k, d in (("target", t), ("min", lo), ("max", hi)) if "hc_th" in d]
        asked += [k for k, names in (("maximize", maximize), ("minimize", minimize))
                  if "hc_th" in names]
        if asked:
            raise BadParameter("{} needs a [thermal] section in the config (thermal."
                               "volume_factor: the activation volume, docs/engine.md)", asked[0])
    if not t and not maximize and not minimize and not (bounds_only and (lo or hi)):
        raise BadParameter("nothing to design for: give a target (e.g. {} 0.3) or "
                           "{}/{} an anchor", 'target_hc', 'maximize', 'minimize')
    return Goal(t, _weights(weights, t), maximize, minimize, lo, hi, material.hA,
                None if hc_shift is None else float(hc_shift))


def extrapolation(goal: Goal, label_min: np.ndarray, label_max: np.ndarray) -> list[str]:
    """Warnings for targets and bounds beyond the range of the training labels (the surrogate
    then extrapolates)."""
    out = []
    for kind, values in (("target", goal.targets), ("minimum", goal.lower),
                         ("maximum", goal.upper)):
        for name, v in values.items():
            if name not in ANCHORS:  # the labels' range is kept for anchors only
                continue
            i = ANCHORS.index(name)
            lo, hi = label_min[i], label_max[i]
            outside = (v < lo or v > hi) if kind == "target" else (
                v > hi if kind == "minimum" else v < lo)
            if outside:
                out.append(f"{kind} {name} = {v:.4g} {UNITS[name]} is outside the training labels "
                           f"[{lo:.4g}, {hi:.4g}]: the model extrapolates, expect larger errors")
    return out
