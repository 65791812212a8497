"""`invmag calibrate`: fit the grain-surface shell and the activation volume of a config to
measured magnets (invmag.calibrate)."""

import math
from pathlib import Path

import typer
from rich.table import Table

from ..api import calibrate
from .common import DEVICE_HELP, console, user_errors, warn
from .progress import stages

EPILOG = ("Examples: invmag calibrate · invmag calibrate --hold-out HD-NdGaCu-Xia2020 · "
          "invmag calibrate --measured mine.csv --magnet A --magnet B")


def calibrate_command(
    measured: Path = typer.Option(None, help="CSV of measured magnets (the packaged table's "
                                             "format, docs/calibration.md; default: that "
                                             "table)."),
    magnet: list[str] = typer.Option(None, help="A magnet to fit (repeat; default: every one "
                                                "with a grain size)."),
    hold_out: list[str] = typer.Option(None, help="A magnet to leave out of the fit and "
                                                  "predict (repeat)."),
    config: str = typer.Option("bulk", help="Config to calibrate: embedded name or TOML path."),
    out: Path = typer.Option(None, help="Folder for the result and the kept simulations "
                                        "(default: runs/<config name>-calibration)."),
    device: str = typer.Option(None, help=DEVICE_HELP),
):
    """Calibrate a config on measured magnets: simulate realizations of each magnet's
    microstructure, fit the shell's thickness and K1 and the activation volume to its measured
    HcJ(T) (and Jr), simulate again at the fit; writes calibrated.toml, calibration.png,
    calibration.json. Resumes where a killed run stopped."""
    with user_errors():
        with stages() as bar:
            result = calibrate(measured, magnet or (), hold_out or (), config, out, device,
                               advance=lambda done, total: bar("simulating", completed=done,
                                                               total=total))
    report(result)


def report(c):
    """The fitted values, the points fitted and held out, each magnet's β."""
    p, e, base = c.fit.parameters, c.fit.errors, c.uncalibrated
    table = Table(title=f"Calibrated on {', '.join(c.fitted)} ({c.fit.n} measured values)")
    for name in ("parameter", "fitted", "bounds", "uncalibrated"):
        table.add_column(name, justify="left" if name == "parameter" else "right")
    chi = "  ".join(f"{s:g} nm: χ² {v:.3g}" for s, v in c.fit.chi2.items())
    table.add_row("shell thickness (nm)", f"{p.shell_nm:g}", chi, f"{base.shell_nm:g}")
    table.add_row("shell K1 (× K1)", f"{p.shell_k1:.3f} ± {e['shell_k1']:.3f}", "0 – 0.5",
                  f"{base.shell_k1:g}")
    table.add_row("volume factor c", f"{p.volume_factor:.2f} ± {e['volume_factor']:.2f}",
                  "0.5 – 8", "–" if math.isnan(base.volume_factor) else f"{base.volume_factor:g}")
    console.print(table)
    console.print(points_table(c, [r for r in c.rows if not r.held_out],
                               "Fit: µ0HcJ measured and simulated at the fit (T)"))
    if c.held_out:
        console.print(points_table(c, [r for r in c.rows if r.held_out],
                                   "Held out: the calibrated model's prediction (T)"))
    console.print(beta_table(c))
    console.print("texture (easy axes within ±θ): " + "; ".join(
        f"{name} {deg:.0f}° ({how})" for name, (deg, how) in c.textures.items()))
    console.print("wrote " + ", ".join(str(p) for p in c.files.values()))
    if c.skipped:
        warn("left out: " + "; ".join(f"{k} ({v})" for k, v in c.skipped.items()))
    if c.fit.at_bound:
        warn(f"at a bound of its range: {', '.join(c.fit.at_bound)}")
    if c.flagged:
        warn(f"{c.flagged} realizations never reversed within ±H_A (left out of the means)")


def points_table(c, rows, title) -> Table:
    """µ0HcJ measured, calibrated (± the realizations' standard error), its relative error and
    the uncalibrated config's; Jr columns where a row has a measured Jr."""
    jr = any(not math.isnan(r.jr_measured) for r in rows)
    table = Table(title=title)
    for name in ("magnet", "T (K)", "measured", "calibrated", "error", "uncalibrated") + (
            ("Jr measured", "Jr calibrated") if jr else ()):
        table.add_column(name, justify="left" if name == "magnet" else "right")
    for r in rows:
        cells = [r.magnet, f"{r.T:g}", f"{r.measured:.2f}",
                 f"{r.calibrated:.2f} ± {r.calibrated_error:.2f}", f"{r.error:+.0%}",
                 f"{r.uncalibrated:.2f}"]
        if jr:
            cells += ["–" if math.isnan(r.jr_measured) else f"{r.jr_measured:.2f}",
                      f"{r.jr_calibrated:.2f}"]
        table.add_row(*cells)
    return table


def beta_table(c) -> Table:
    """β of each magnet's HcJ: measured, calibrated, uncalibrated."""
    table = Table(title="β of µ0HcJ between the lowest and highest measured T (%/K)")
    for name in ("magnet", "measured", "calibrated", "uncalibrated"):
        table.add_column(name, justify="left" if name == "magnet" else "right")
    for name in dict.fromkeys(r.magnet for r in c.rows):
        values = [c.beta(name, col) for col in ("measured", "calibrated", "uncalibrated")]
        table.add_row(name, *("–" if math.isnan(v) else f"{v:.3f}" for v in values))
    return table
