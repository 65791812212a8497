"""Files of one simulated or predicted curve: the curve as CSV, figures of merit as CSV, the
magnetization states as HDF5 with a PNG strip, and PNG plots (`invmag simulate`, `predict`)."""

from pathlib import Path

import numpy as np

from .. import ANCHORS
from ..physics.material import MU0
from ..physics.merit import FIGURES, UNITS as MERIT_UNITS


def write_merit_csv(path, columns: dict):
    """CSV with a row per figure of merit (figure, unit) and a column per {label: values}."""
    lines = [",".join(["figure", "unit", *columns])]
    lines += [",".join([name, MERIT_UNITS[name], *[f"{v[i]:.6g}" for v in columns.values()]])
              for i, name in enumerate(FIGURES)]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_curve_files(curve, phi, material, out=None, plot=None, states=None,
                      every_step: bool = False, merit=None, demag: float = 0.0,
                      title: str = "") -> dict:
    """The files asked for, of the first curve of SimulatedCurves (invmag.physics.simulation) of
    structure phi (ny, nx) rad, its main phase `material` (at the curve's temperature): out
    (CSV H/H_A, M/Ms, and in SI µ0H and J = µ0⟨M⟩ in tesla), plot (PNG: structure, curve, second
    quadrant of J and B), states (HDF5 at the anchors, every field step with every_step, and a
    PNG strip beside it), merit (CSV of the figures of merit at demagnetizing factor demag);
    title: of the figures. Returns {kind: path} of what was written."""
    from ..physics.merit import figures
    from ..plots import curve_figure, save_figure, states_figure
    from .states import anchor_steps, write_states

    H, M, values = curve.H, curve.M[0], curve.anchors[0]
    ok = np.isfinite(M)
    files = {}
    if out:
        np.savetxt(out, np.c_[H[ok], M[ok], H[ok] * MU0 * material.HA, M[ok] * material.Js],
                   delimiter=",", header="H_over_HA,M_over_Ms,mu0H_T,J_T", comments="")
        files["curve"] = Path(out)
    if merit:
        write_merit_csv(merit, {"value": figures(H, curve.M[:1], material, demag)[0]})
        files["merit"] = Path(merit)
    if states:
        write_states(states, phi, H, M, curve.states[0], values, every_step)
        found = anchor_steps(H, M, values)
        k = found[found >= 0]
        names = [a for a, i in zip(ANCHORS, found) if i >= 0]
        strip = Path(states).with_suffix(".png")
        fig = states_figure(curve.states[0][k], H[k], M[k], names, title)
        save_figure(fig, strip, 120)
        files["states"], files["states plot"] = Path(states), strip
    if plot:
        fig = curve_figure(phi, H[ok], M[ok], values, title, material, demag)
        save_figure(fig, plot, 120)
        files["plot"] = Path(plot)
    return files


def write_prediction_files(phi, values, merit_values, plot=None, merit=None,
                           title: str = "") -> dict:
    """The files asked for of a prediction: plot (PNG: the structure beside the curve through
    its predicted anchors `values` (6,)), merit (CSV of merit_values (6,)). {kind: path}."""
    files = {}
    if merit:
        write_merit_csv(merit, {"predicted": merit_values})
        files["merit"] = Path(merit)
    if plot:
        from ..models.plots import prediction_figure
        from ..plots import save_figure

        fig = prediction_figure(phi, values, title=title)
        save_figure(fig, plot, 120)
        files["plot"] = Path(plot)
    return files


def write_sweep_files(curve, fit, out=None, plot=None) -> dict:
    """The files asked for of one structure over temperatures: out (CSV per temperature: T K,
    the six anchors in reduced units of the main phase at T, µ0Hc, µ0H_A, Js in tesla), plot
    (PNG: µ0Hc(T) beside the Kronmüller plot). {kind: path}."""
    files = {}
    if out:
        header = ["T_K", *ANCHORS, "mu0Hc_T", "mu0HA_T", "Js_T"]
        rows = np.c_[fit.T, curve.anchors, fit.hc, fit.ha, fit.js]
        np.savetxt(out, rows, delimiter=",", header=",".join(header), comments="", fmt="%.6g")
        files["table"] = Path(out)
    if plot:
        from ..plots import kronmuller_figure, save_figure

        fig = kronmuller_figure(fit)
        save_figure(fig, plot, 120)
        files["plot"] = Path(plot)
    return files
