"""Anchor extraction (docs/conventions.md) on synthetic curves with known crossings."""

import numpy as np
import pytest

from invmag import ANCHORS
from invmag.physics.anchors import anchors

H = np.arange(100, -101, -1) / 100


def test_order_and_linear_interpolation():
    M = np.clip(0.9 + 2 * (H + 0.2), -1, 0.95)  # Mr = 0.95 (clipped), linear drop below H = −0.175
    a, flagged = anchors(H, M)
    assert ANCHORS == ("m1", "mr", "hk90", "hk80", "hk70", "hc")
    mr = 0.95
    expected = [0.95, mr] + [-(f * mr - 0.9) / 2 + 0.2 for f in (0.9, 0.8, 0.7, 0.0)]
    assert a[0] == pytest.approx(expected, abs=1e-12)
    assert not flagged[0]


def test_first_crossing_on_descending_branch_only():
    # a positive-branch dip below 0.9 Mr and a second crossing after recovering are ignored
    M = np.where(H > 0.5, 0.5, 1.0)
    M = np.where(H < -0.3, -1.0, M)
    M = np.where(H < -0.6, 1.0, M)
    a, _ = anchors(H, M)
    assert a[0][0] == 0.5 and a[0][1] == 1.0
    # drop between H = −0.30 (M = 1) and −0.31 (M = −1): crossing of 0 at −0.305
    assert a[0][5] == pytest.approx(0.305)


def test_no_crossing_gives_nan_and_flag():
    M = np.full_like(H, 0.98)
    M[H < -0.5] = 0.85  # reaches 0.9 Mr but never 0.8 Mr, 0.7 Mr or 0
    a, flagged = anchors(H, M)
    assert np.isfinite(a[0, :3]).all() and np.isnan(a[0, 3:]).all() and flagged[0]


def test_missing_points_are_skipped_not_invented():
    M = 1.0 - np.abs(np.minimum(H, 0))   # M = 1 + H on the negative branch
    M_gappy = M.copy()
    M_gappy[10:90] = np.nan              # positive branch not computed (fast protocol)
    assert anchors(H, M_gappy)[0] == pytest.approx(anchors(H, M)[0])
    M_gappy[-50:] = np.nan               # stopped early, before 0 is reached → hc NaN
    assert np.isnan(anchors(H, M_gappy)[0][0, 5])


def test_bad_axes():
    with pytest.raises(ValueError):
        anchors(H[::-1], H)
    with pytest.raises(ValueError):
        anchors(H, np.zeros(5))


def test_ordered_anchors_are_the_nearest_a_curve_can_have():
    """The issue's morph prediction (mr 1.0019 > m1, hk70 0.6958 > hc 0.6858) becomes a valid
    curve; an already ordered row is unchanged; the projection is the least-squares one: no
    ordered row drawn at random lies closer (per chain)."""
    from invmag.physics.anchors import ordered

    bad = np.array([[0.999, 1.0019, 0.40, 0.55, 0.6958, 0.6858]])
    fixed = ordered(bad)[0]
    assert fixed[1] <= fixed[0] <= 1 and np.all(np.diff(fixed[2:]) >= 0)
    assert fixed[4] == fixed[5] == pytest.approx((0.6958 + 0.6858) / 2)  # pooled, as isotonic
    good = np.array([[0.99, 0.9, 0.2, 0.25, 0.3, 0.4]])
    assert ordered(good) == pytest.approx(good)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (200, 6))
    p = ordered(x)
    assert (p[:, 1] <= p[:, 0]).all() and (np.diff(p[:, 2:], axis=1) >= -1e-12).all()
    others = np.sort(rng.uniform(0, 1, (2000, 4)), axis=1)  # random ordered field chains
    d_best = ((p[:, None, 2:] - x[:, None, 2:]) ** 2).sum(-1)
    d_other = ((others[None] - x[:, None, 2:]) ** 2).sum(-1)
    assert (d_best[:, 0] <= d_other.min(1) + 1e-12).all()
