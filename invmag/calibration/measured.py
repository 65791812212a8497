"""Measured magnets: a CSV of published measurements, one row per magnet and temperature
(the packaged measured_magnets.csv documents the format in its `#` lines; docs/calibration.md).

A magnet's microstructure (grain size, misorientation, boundary) is one value per magnet, given
on any of its rows. Its texture, where the source gives none, comes from its remanence: the
model's grains have easy axes uniform in ±θ about the field, whose Stoner–Wohlfarth remanence
is ⟨cos θ⟩ = sin θ/θ (θ ≤ 90°), so θ solves sin θ/θ = Jr/Js(T); a ratio at or below 2/π, the
remanence of axes uniform in ±90°, is an isotropic magnet (θ = 180°, the model's isotropic).
"""

import csv
from dataclasses import dataclass
from importlib.resources import files
import math
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

from ..physics.temperature import NDFEB, material_at

HEADER = ("magnet", "temperature_K", "mu0HcJ_T", "Jr_T", "grain_size_nm", "misorientation_deg",
          "boundary_nm", "boundary_Js_T", "source")
MICROSTRUCTURE = ("grain_size_nm", "misorientation_deg", "boundary_nm", "boundary_Js_T")
MEASURED = files("invmag.calibration") / "measured_magnets.csv"  # the packaged table
# Hot-deformed magnets whose source gives neither texture nor remanence are simulated with the
# texture of the one hot-deformed magnet of the table that gives Jr (Liu et al. 2017, before
# diffusion: Jr 1.50 T at 300 K, Js 1.61 T): an assumption, flagged where it is used.
REFERENCE_JR_RATIO = 1.50 / 1.61


@dataclass(frozen=True)
class Magnet:
    """One measured magnet: temperature (n,) K, hcj (n,) µ0·HcJ T, jr (n,) µ0·Mr T (NaN: not
    given), grain_size nm, misorientation degrees, boundary nm and boundary_js T (NaN: not
    given), sources (the distinct source notes of its rows)."""

    name: str
    temperature: np.ndarray
    hcj: np.ndarray
    jr: np.ndarray
    grain_size: float
    misorientation: float
    boundary: float
    boundary_js: float
    sources: tuple[str, ...]

    @property
    def beta(self) -> float:
        """β = (HcJ(T_hi)/HcJ(T_lo) − 1)/(T_hi − T_lo) in %/K between its lowest and highest
        measured temperatures (NaN with one)."""
        return beta(self.temperature, self.hcj)

    @property
    def texture(self) -> tuple[float, str]:
        """(θ_max rad of the model's easy axes, how it was read: 'given', 'from Jr' or
        'assumed')."""
        if not math.isnan(self.misorientation):
            return math.radians(self.misorientation), "given"
        given = ~np.isnan(self.jr)
        if given.any():
            i = int(np.flatnonzero(given)[np.argmin(self.temperature[given])])
            js = material_at(float(self.temperature[i])).Js
            return misorientation(self.jr[i] / js), "from Jr"
        return misorientation(REFERENCE_JR_RATIO), "assumed"


def beta(temperature, hcj) -> float:
    """β of HcJ (T (n,) K, HcJ (n,)) between the lowest and highest T, %/K; NaN for one T."""
    T, H = np.asarray(temperature, float), np.asarray(hcj, float)
    lo, hi = np.argmin(T), np.argmax(T)
    if T[hi] == T[lo]:
        return math.nan
    return (H[hi] / H[lo] - 1) / (T[hi] - T[lo]) * 100


def misorientation(ratio: float) -> float:
    """θ_max (rad) whose Stoner–Wohlfarth remanence sin θ/θ is `ratio` = Jr/Js (module
    docstring): 0 at ratio ≥ 1, π (isotropic) at ratio ≤ 2/π."""
    if ratio >= 1:
        return 0.0
    if ratio <= 2 / math.pi:
        return math.pi
    return brentq(lambda t: math.sin(t) / t - ratio, 1e-9, math.pi / 2)


def _number(text: str, where: str, column: str) -> float:
    if not text.strip():
        return math.nan
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"{where}: {column} must be a number, got {text!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{where}: {column} must be finite, got {text!r}")
    return v


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        lines = [line for line in f if not line.lstrip().startswith("#") and line.strip()]
    reader = csv.DictReader(lines)
    missing = [c for c in HEADER if c not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(f"{path}: missing column{'s' * (len(missing) > 1)} "
                         f"{', '.join(missing)} (the header must name {','.join(HEADER)})")
    rows = list(reader)
    if not rows:
        raise ValueError(f"{path}: no measurements")
    return rows


def _magnet(name: str, rows: list[tuple[int, dict]], path: Path) -> Magnet:
    at = f"{path}, magnet {name}"
    values = {c: [_number(r[c], f"{path} line {i}", c) for i, r in rows]
              for c in HEADER[1:-1]}
    micro = {}
    for c in MICROSTRUCTURE:
        given = {v for v in values[c] if not math.isnan(v)}
        if len(given) > 1:
            raise ValueError(f"{at}: {c} differs between its rows ({sorted(given)})")
        micro[c] = given.pop() if given else math.nan
    T, hcj, jr = (np.array(values[c]) for c in ("temperature_K", "mu0HcJ_T", "Jr_T"))
    if np.isnan(T).any() or np.isnan(hcj).any():
        raise ValueError(f"{at}: every row needs temperature_K and mu0HcJ_T")
    NDFEB.check(T, name=f"{at}: temperature_K")
    if len(set(T)) < len(T):
        raise ValueError(f"{at}: two rows at the same temperature")
    if (hcj <= 0).any():
        raise ValueError(f"{at}: mu0HcJ_T must be > 0, got {hcj.min():g} T")
    for t, j in zip(T, jr):
        js = material_at(float(t)).Js
        if j > js:
            raise ValueError(f"{at}: Jr {j:g} T at {t:g} K lies above Nd2Fe14B's Js(T) = "
                             f"{js:.3f} T")
    for c in ("grain_size_nm", "boundary_nm"):
        if micro[c] <= 0 and not (c == "boundary_nm" and micro[c] == 0):
            raise ValueError(f"{at}: {c} must be > 0, got {micro[c]:g}")
    if not 0 <= micro["misorientation_deg"] <= 180 and not math.isnan(micro["misorientation_deg"]):
        raise ValueError(f"{at}: misorientation_deg must lie in [0, 180], got "
                         f"{micro['misorientation_deg']:g}")
    js_b = micro["boundary_Js_T"]
    if not math.isnan(js_b) and not 0 <= js_b <= material_at(300.0).Js:
        raise ValueError(f"{at}: boundary_Js_T must lie in [0, 1.61] T, got {js_b:g}")
    order = np.argsort(T)
    return Magnet(name, T[order], hcj[order], jr[order], micro["grain_size_nm"],
                  micro["misorientation_deg"], micro["boundary_nm"], js_b,
                  tuple(dict.fromkeys(r["source"] for _, r in rows)))


def read_measured(path=None) -> list[Magnet]:
    """The magnets of a measured-magnets CSV (default: the packaged table), in file order.
    ValueError (one line naming the file) for missing columns, a value that is not a number, a
    temperature outside Nd2Fe14B's K1 law, HcJ ≤ 0, a Jr above Js(T) or microstructure values
    that differ between a magnet's rows."""
    path = Path(MEASURED if path is None else path)
    if not path.is_file():
        raise ValueError(f"measured: no such file {path}")
    groups: dict[str, list] = {}
    for i, row in enumerate(_rows(path), start=1):
        name = (row["magnet"] or "").strip()
        if not name:
            raise ValueError(f"{path}: a row without a magnet name")
        groups.setdefault(name, []).append((i, row))
    return [_magnet(name, rows, path) for name, rows in groups.items()]


def select(magnets: list[Magnet], names=(), path=None) -> list[Magnet]:
    """The magnets named (all when none are), in the order named; ValueError for a name the
    file lacks."""
    if not names:
        return list(magnets)
    known = {m.name: m for m in magnets}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"{path or 'measured'}: no magnet {', '.join(unknown)} (it has "
                         f"{', '.join(known)})")
    return [known[n] for n in dict.fromkeys(names)]
