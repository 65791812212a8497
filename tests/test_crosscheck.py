"""invmag against independent codes on the same protocol (SPEC 2): magnum.np computed here on
small Voronoi structures, and fidimag (the paper's solver) through reference curves in tests/data.
With bounded steps independent codes agree within 0.003 on every anchor (SPEC 2); the acceptance
bound is 0.01."""

import numpy as np
import pytest

from benchmarks.peers import magnumnp_curve
from invmag.physics.anchors import anchors
from invmag.physics.curve import SolverSettings, demag_curves
from conftest import reference


def _anchor_diff(H, M, H_ref, M_ref):
    """Largest anchor difference of two curves (Ms and H_A units); both must give every anchor."""
    a, flagged = anchors(H, M)
    a_ref, flagged_ref = anchors(H_ref, M_ref)
    assert not (flagged[0] or flagged_ref[0]), "a curve never reached an anchor level"
    return np.abs(a[0] - a_ref[0]).max()


@pytest.mark.parametrize("n_grains, theta_deg, seed", [(5, 60, 4), (6, 180, 6)])
def test_magnumnp_gives_the_same_anchors(voronoi, n_grains, theta_deg, seed):
    """16 × 16 cells (32 nm): magnum.np in float64 as the reference, invmag at its defaults."""
    phi = voronoi(16, n_grains, np.radians(theta_deg), seed)
    H_ref, M_ref = magnumnp_curve(phi, settings=SolverSettings(dtype="float64"))
    c = demag_curves(phi)
    assert c.converged[0]
    assert _anchor_diff(c.H, c.M[0], H_ref, M_ref) < 0.01


# isotropic has a knife-edge small event near H = −0.2 H_A: invmag (float32 and float64) and
# magnum.np (both precisions) land in the same state there, 0.0026 in M below fidimag's, so hk70
# is 2.6e-3 away; which side a code takes has changed with roundoff-level edits before.
@pytest.mark.parametrize("name", ["aligned", "oblique", "isotropic"])
def test_fidimag_reference_curves(name):
    phi, H_ref, M_ref = reference(name)
    c = demag_curves(phi)
    assert c.converged[0]
    np.testing.assert_allclose(c.H, H_ref, atol=1e-12)
    assert _anchor_diff(c.H, c.M[0], H_ref, M_ref) < 0.003
    assert np.abs(c.M[0] - M_ref).max() < 0.003
