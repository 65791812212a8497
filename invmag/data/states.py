"""Magnetization states of one simulated curve in HDF5 (simulate --states): the domain pictures
at the six anchors, or at every computed field step.

File layout: phi (ny, nx) the structure (rad); H (n,) in H_A and M (n,) in Ms, the curve;
states (K, ny, nx) float32 magnetization angles θ (rad, m = (sin θ, cos θ, 0)) at the fields
H_states (K,) in H_A; attribute names: what each state is (an anchor, or 'step <k>').
`invmag export` writes the states to OVF/VTK.
"""

import h5py
import numpy as np

from .. import ANCHORS
from ..files import replacing
from ..physics.merit import anchor_curve


def anchor_steps(H, M, values) -> np.ndarray:
    """(6,) index of the computed field nearest each anchor's field (anchors `values` (6,) of
    the curve M on H; NaN anchors and points skipped); −1 where an anchor is missing."""
    ok = np.flatnonzero(np.isfinite(M))
    out = np.full(len(ANCHORS), -1)
    for i, h in enumerate(anchor_curve(values)[:, 0]):
        if np.isfinite(h) and ok.size:
            out[i] = ok[np.argmin(np.abs(H[ok] - h))]
    return out


def write_states(path, phi, H, M, states, values, every_step: bool = False):
    """Write the states of one curve (states (n, ny, nx) as Curves.states[i]; anchors `values`
    (6,)): those nearest the anchors, or with every_step all computed ones."""
    if every_step:
        steps = np.flatnonzero(np.isfinite(M))
        names = [f"step {k}" for k in steps]
    else:
        found = anchor_steps(H, M, values)
        steps = found[found >= 0]
        names = [a for a, k in zip(ANCHORS, found) if k >= 0]
    with replacing(path) as tmp, h5py.File(tmp, "w") as f:
        f["phi"], f["H"], f["M"] = phi, H, M
        f["states"], f["H_states"] = states[steps].astype(np.float32), H[steps]
        f["states"].attrs["names"] = names
