"""Config field checks (invmag.config's SCHEMA): each key's check returns the normalized value
or None when invalid, and says what it expects."""

from dataclasses import dataclass
import math
import re

import torch

from .physics.solver_settings import divides_unity


@dataclass(frozen=True)
class Field:
    check: object  # callable(value) -> normalized value, or None when invalid
    expects: str


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v)


def integer(lo: int) -> Field:
    return Field(lambda v: v if _is_int(v) and v >= lo else None, f"an integer ≥ {lo}")


def number(lo: float = 0.0, hi: float = math.inf, strict: bool = True) -> Field:
    def check(v):
        ok = _is_num(v) and (v > lo if strict else v >= lo) and v <= hi * (1 + 1e-12)
        return float(v) if ok else None
    expects = f"a number {'>' if strict else '≥'} {lo:g}" + (f" and ≤ {hi:.6g}" if hi < math.inf else "")
    return Field(check, expects)


def boolean() -> Field:
    return Field(lambda v: v if isinstance(v, bool) else None, "true or false")


def choice(*options: str) -> Field:
    return Field(lambda v: v if v in options else None,
                 "one of " + ", ".join(repr(o) for o in options))


def pattern(regex: str, expects: str) -> Field:
    return Field(lambda v: v if isinstance(v, str) and re.fullmatch(regex, v) else None, expects)


def sizes() -> Field:
    """A non-empty list of positive integers (layer widths)."""
    return Field(lambda v: tuple(v) if isinstance(v, list) and v and all(
        _is_int(x) and x >= 1 for x in v) else None, "a non-empty list of integers ≥ 1")


def density_range() -> Field:
    def check(v):
        if isinstance(v, list) and len(v) == 2 and all(_is_num(x) for x in v) and 0 < v[0] <= v[1]:
            return (float(v[0]), float(v[1]))
        return None
    return Field(check, "a list [lo, hi] of grains per µm² with 0 < lo ≤ hi")


def interval(lo: float, hi: float = math.inf, open_lo: bool = False, open_hi: bool = False,
             unit: str = "") -> Field:
    """A list [a, b] of numbers with lo ≤ a ≤ b ≤ hi (< where open)."""
    def check(v):
        if not (isinstance(v, list) and len(v) == 2 and all(_is_num(x) for x in v)):
            return None
        a, b = v
        ok = (a > lo if open_lo else a >= lo) and a <= b and (b < hi if open_hi else b <= hi)
        return (float(a), float(b)) if ok else None
    bound = "" if hi == math.inf else f" {'<' if open_hi else '≤'} {hi:g}"
    return Field(check, f"a list [lo, hi]{unit} with {lo:g} {'<' if open_lo else '≤'} lo ≤ hi{bound}")


def field_step() -> Field:
    def check(v):
        return float(v) if _is_num(v) and divides_unity(v) else None
    return Field(check, "a number in (0, 1] whose inverse is an integer")


def device() -> Field:
    def check(v):
        if v == "auto":
            return v
        try:
            return str(torch.device(v)) if isinstance(v, str) else None
        except RuntimeError:
            return None
    return Field(check, "'auto' or a torch device such as 'cpu' or 'cuda'")
