"""`invmag simulate FILE`: the demagnetization curve and anchors of one structure
(invmag.simulate)."""

from pathlib import Path

import numpy as np
import typer

from .. import ANCHORS
from ..api import (FIGURES, T_ROOM, curve_figures, device_name, kronmuller,
                   parse_temperatures, resolve_run, simulate, thermal_hcj)
from .common import (CONFIG_HELP, DEMAG_HELP, DEVICE_HELP, MERIT_HELP, STRUCTURE_HELP,
                     UserError, console, demag_factor, user_errors, warn)
from .tables import anchor_table, merit_table

EPILOG = ("Examples: invmag simulate s.npy --plot s.png · "
          "invmag simulate s.ovf --full --states s.h5")


def simulate_command(
    file: Path = typer.Argument(..., help=STRUCTURE_HELP + " Or an .npz of phi and, optionally, "
                                "per-cell Js (T), A (J/m), K1 (J/m³) at 300 K."),
    out: Path = typer.Option(None, help="Write the curve as CSV (H_over_HA, M_over_Ms)."),
    plot: Path = typer.Option(None, help="Write a PNG: structure, curve with anchors, and the "
                                         "second quadrant of J and B with (BH)max."),
    merit: Path = typer.Option(None, help=MERIT_HELP),
    demag: float = typer.Option(0.0, "--demag-factor", help=DEMAG_HELP),
    states: Path = typer.Option(None, help="Write the magnetization at the anchors to HDF5 "
                                           "(invmag.data.states) and a PNG strip beside it."),
    every_step: bool = typer.Option(False, "--every-step",
                                    help="With --states: keep every computed field step."),
    cell_size: float = typer.Option(None, help="Cell size in nm (default: the config's, 2 nm)."),
    fast: bool = typer.Option(None, "--fast/--full",
                              help="Protocol: --fast takes coarse reversible steps and stops past "
                                   "Hc (anchors within 0.005), --full is the paper's 0.01 H_A "
                                   "steps to −H_A (default: the config's solver.fast, as its "
                                   "labels)."),
    temperature: str = typer.Option(
        None, help="Temperature in K (default 300), or start:stop:count (e.g. 300:450:6) to "
                   "simulate at each and fit µ0Hc(T) = α·µ0H_A(T) − N_eff·Js(T); then --out is "
                   "the table and --plot the Kronmüller plot."),
    device: str = typer.Option(None, help=DEVICE_HELP),
    config: str = typer.Option(None, help=CONFIG_HELP),
):
    """Demagnetization curve of one structure, +H_A → −H_A along y, by the config's protocol,
    at a temperature or over a range of them (the Kronmüller analysis). FILE may be an .npz of
    phi and per-cell Js (T), A (J/m), K1 (J/m³)."""
    from .progress import stages

    with user_errors():
        demag_factor(demag)
        cfg, _ = resolve_run(config, None, device)
        T = parse_temperatures(temperature) if temperature is not None else [T_ROOM]
        if len(T) > 1 and (states or merit or every_step):
            raise UserError("--states, --every-step and --merit take one temperature, not a "
                            "range")
        total = len(cfg.solver.fields()) * len(T)
        with stages() as bar:
            def advance(n):
                bar(file.name, advance=n, total=total)

            if len(T) > 1:
                curve, fit = kronmuller(file, T, cfg, fast, cell_size, None, advance, out, plot)
            else:
                curve = simulate(file, cfg, fast, cell_size, None, advance, out=out, plot=plot,
                                 states_file=states, every_step=every_step, merit=merit,
                                 demag=demag, temperature=T[0])
    if len(T) > 1:
        return report_sweep(curve, fit, file.name)
    values, material = curve.anchors[0], curve.materials[0]
    console.print(anchor_table(values, material, title=f"Anchors of {file.name} at {T[0]:g} K"))
    merits = {"value": curve_figures(curve, demag)[0]}
    thermal = thermal_hcj(cfg, merits["value"][FIGURES.index("HcJ")], T[0], material)
    console.print(merit_table(merits, f"Figures of merit, N = {demag:g}", thermal))
    if not curve.converged[0]:
        warn(f"a field step hit the iteration cap ({cfg.solver.max_iterations}): the curve is "
             "flagged as not converged")
    if curve.flagged[0]:
        missing = [a for a, v in zip(ANCHORS, values) if np.isnan(v)]
        warn(f"never reached within ±H_A: {', '.join(missing)}")
    protocol = "fast" if (cfg.solver.fast if fast is None else fast) else "full"
    console.print(f"{protocol} protocol ({config or 'config ' + cfg.name}), "
                  f"{curve.iterations[0]} iterations on {device_name(cfg)}")
    for kind, path in curve.files.items():
        console.print(f"{kind} → {path}")


def report_sweep(curve, fit, name: str):
    """Per temperature: the anchors (reduced units of the main phase at T) and in tesla µ0Hc,
    µ0H_A, Js; then α, N_eff and the fit's residual; where the files went."""
    from rich.table import Table

    table = Table(title=f"{name} over temperature (M in Ms(T), H in H_A(T); fields in T)")
    for col in ("T (K)", "mr", "hk90", "hc", "µ0Hc", "µ0H_A", "Js"):
        table.add_column(col, justify="right")
    for i, t in enumerate(fit.T):
        a = curve.anchors[i]
        table.add_row(f"{t:g}", *(f"{a[ANCHORS.index(k)]:.3f}" for k in ("mr", "hk90", "hc")),
                      f"{fit.hc[i]:.3f}", f"{fit.ha[i]:.3f}", f"{fit.js[i]:.3f}")
    console.print(table)
    console.print(f"Kronmüller fit µ0Hc = α·µ0H_A − N_eff·Js: α = {fit.alpha:.3f} ± "
                  f"{fit.alpha_se:.3f}, N_eff = {fit.n_eff:.3f} ± {fit.n_eff_se:.3f} (standard "
                  f"errors), rms residual {fit.residual:.3g} T")
    for kind, path in curve.files.items():
        console.print(f"{kind} → {path}")
