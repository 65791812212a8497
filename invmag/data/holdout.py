"""Held-out boxes: regions of anchor space whose labels a run treats as absent.

A box is {anchor: (low, high)} in reduced units (Ms, H_A); a label lies inside it when every
named anchor lies in its closed range. `invmag train --hold-out "hc=0.24:0.30,mr=0.40:0.55"`
trains the regressor without the labels inside any box, and every later design search of that
run neither returns them nor starts from them: targets inside a box are then targets the data
has no answer for (docs/design.md, held-out evaluation).
"""

import math

import numpy as np

from .. import ANCHORS, BadParameter


def parse_box(text: str) -> dict[str, tuple[float, float]]:
    """A box from 'anchor=low:high,anchor=low:high' (reduced units); ValueError (one line)
    for unknown anchors, numbers that are not, and empty or inverted ranges."""
    box = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, span = part.partition("=")
        name = name.strip()
        if name not in ANCHORS:
            raise BadParameter(f"{{}} {text!r}: {name!r} is not an anchor (one of "
                               f"{', '.join(ANCHORS)})", 'hold_out')
        low, colon, high = span.partition(":")
        try:
            lo, hi = float(low), float(high)
        except ValueError:
            lo = hi = math.nan
        if not (sep and colon and math.isfinite(lo) and math.isfinite(hi)):
            raise BadParameter(f"{{}} {text!r}: expected ANCHOR=LOW:HIGH, e.g. "
                               "hc=0.24:0.30,mr=0.40:0.55", 'hold_out')
        if not lo < hi:
            raise BadParameter(f"{{}} {text!r}: the range of {name} is empty or inverted "
                               f"({lo:g} ≥ {hi:g})", 'hold_out')
        if name in box:
            raise BadParameter(f"{{}} {text!r}: {name} is given twice", 'hold_out')
        box[name] = (lo, hi)
    if not box:
        raise BadParameter("{}: an empty box; expected e.g. hc=0.24:0.30", 'hold_out')
    return box


def inside(anchors: np.ndarray, boxes) -> np.ndarray:
    """(N,) whether each row of anchors (N, 6) lies inside any of the boxes."""
    out = np.zeros(len(anchors), bool)
    for box in boxes:
        within = np.ones(len(anchors), bool)
        for name, (lo, hi) in box.items():
            a = anchors[:, ANCHORS.index(name)]
            within &= (a >= lo) & (a <= hi)
        out |= within
    return out


def describe(box: dict) -> str:
    """'hc=0.24:0.3,mr=0.4:0.55', the form parse_box reads."""
    return ",".join(f"{a}={lo:g}:{hi:g}" for a, (lo, hi) in box.items())
