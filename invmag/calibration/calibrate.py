"""Calibrate a config on measured magnets: simulate each magnet's realizations on the grid of
shells, fit the shell and the activation volume (calibration.fit), simulate every magnet again
at the fitted values (the reported fit is simulated, not interpolated), and predict the magnets
held out of the fit. Writes calibration.json, calibrated.toml and calibration.png into a
folder, beside the simulations it keeps for a resumed or repeated run (docs/calibration.md).
"""

from dataclasses import asdict, dataclass, field, replace
import json
import math
from pathlib import Path

from ..files import replacing
from .fit import SHELL_K1, SHELL_NM, Fit, Parameters, fit, predicted
from .measured import Magnet, beta, read_measured, select
from .realize import sampling
from .simulations import Job, cost, flagged, run_jobs


@dataclass(frozen=True)
class Row:
    """One measured point: µ0HcJ T measured, simulated with the calibration (mean over the
    realizations and its standard error) and with the config as it was; Jr T measured (NaN)
    and calibrated; held_out: the magnet was not in the fit."""

    magnet: str
    T: float
    measured: float
    calibrated: float
    calibrated_error: float
    uncalibrated: float
    jr_measured: float
    jr_calibrated: float
    held_out: bool

    @property
    def error(self) -> float:
        """Relative error of the calibrated HcJ, (calibrated − measured)/measured."""
        return self.calibrated / self.measured - 1


@dataclass(frozen=True)
class Calibration:
    """A calibration's result: the fit, a Row per measured point, the calibrated config, the
    magnets fitted and held out, those of the file left out and why, the uncalibrated
    Parameters (volume_factor NaN: the config had no [thermal]), realizations that never
    reversed, the files written {what: path}, each magnet's texture {name: (θ degrees, how it
    was read)}."""

    fit: Fit
    rows: list[Row]
    config: object
    fitted: tuple[str, ...]
    held_out: tuple[str, ...]
    skipped: dict = field(default_factory=dict)
    uncalibrated: Parameters | None = None
    flagged: int = 0
    files: dict = field(default_factory=dict)
    textures: dict = field(default_factory=dict)

    def rows_of(self, name: str) -> list[Row]:
        return [r for r in self.rows if r.magnet == name]

    def beta(self, name: str, column: str = "measured") -> float:
        """β %/K of a magnet's HcJ in a column of its rows ('measured', 'calibrated',
        'uncalibrated')."""
        rows = self.rows_of(name)
        return beta([r.T for r in rows], [getattr(r, column) for r in rows])


def uncalibrated(cfg) -> Parameters:
    """The config's own values: its shell's middle thickness and K1 factor (no [shell]: none,
    0 nm and × 1), its volume factor (no [thermal]: NaN, zero-temperature hc)."""
    sh, cell = cfg.shell, cfg.grid.cell_size
    s = 0.0 if sh is None else round(sum(sh.thickness) / 2 / cell) * cell
    f = 1.0 if sh is None else sum(sh.K1) / 2
    return Parameters(s, f, math.nan if cfg.thermal is None else cfg.thermal.volume_factor)


def choose(magnets: list[Magnet], names, hold_out, path) -> tuple[list, list, dict]:
    """(fitted, held out, skipped {name: why}): the magnets named (default: every magnet with a
    grain size; the others are skipped) less those held out, and the held-out ones."""
    skipped = {}
    if names:
        chosen = select(magnets, names, path)
    else:
        chosen = [m for m in magnets if not math.isnan(m.grain_size)]
        skipped = {m.name: "no grain size in its source" for m in magnets
                   if math.isnan(m.grain_size)}
    held = select(magnets, hold_out, path) if hold_out else []
    fitted = [m for m in chosen if m.name not in {h.name for h in held}]
    if not fitted:
        raise ValueError(f"{path or 'measured'}: no magnet left to fit (every chosen magnet is "
                         "held out)")
    return fitted, held, skipped


def calibrate(cfg, folder=None, measured=None, names=(), hold_out=(), advance=None,
              threads: int | None = None, kept=None) -> Calibration:
    """Calibrate cfg on the magnets of a measured-magnets CSV (default: the packaged table;
    module docstring): fit the magnets `names` (default: every one with a grain size) less
    those `hold_out`, which are predicted; write the files into folder (default
    runs/<config name>-calibration) and keep the simulations in `kept` (default: folder).
    advance: callable(done, total) in cells × realizations simulated; threads: torch's CPU
    threads (default all cores). ValueError (one line) for bad input."""
    folder = Path(folder) if folder else Path("runs") / f"{cfg.name}-calibration"
    magnets, kept = read_measured(measured), kept or folder
    fitted, held, skipped = choose(magnets, names, hold_out, measured)
    every = fitted + held
    for m in every:
        sampling(m, cfg)  # grains the sample cannot hold: refused before any simulation
    base = uncalibrated(cfg)
    grid_jobs = [Job(m, s, f, float(T)) for m in fitted for s in SHELL_NM for f in SHELL_K1
                 for T in m.temperature]
    # the grid, then every magnet at the fit and as the config was
    total = sum(cost(j.magnet, cfg) for j in grid_jobs) + 2 * sum(
        cost(m, cfg) * len(m.temperature) for m in every)
    done = [0]

    def step(n):
        done[0] += n
        if advance is not None:
            advance(done[0], total)

    points = run_jobs(grid_jobs, cfg, kept, step, threads)
    grid = {(j.magnet.name, j.shell_nm, j.shell_k1, j.T): p for j, p in zip(grid_jobs, points)}
    result = fit(fitted, grid, cfg)
    p = result.parameters
    rows, bad, held_names = [], 0, {m.name for m in held}
    for m in every:
        at = [Job(m, p.shell_nm, p.shell_k1, float(T)) for T in m.temperature]
        was = [Job(m, base.shell_nm, base.shell_k1, float(T)) for T in m.temperature]
        now, before = (run_jobs(jobs, cfg, kept, step, threads) for jobs in (at, was))
        bad += flagged(now)
        hcj, sem, jr = predicted(now, m.temperature, p.volume_factor, cfg)
        old = predicted(before, m.temperature, None if math.isnan(base.volume_factor)
                        else base.volume_factor, cfg)[0]
        rows += [Row(m.name, float(T), float(h), float(c), float(e), float(o), float(j0),
                     float(j1), m.name in held_names)
                 for T, h, c, e, o, j0, j1 in zip(m.temperature, m.hcj, hcj, sem, old, m.jr, jr)]
    out = Calibration(result, rows, calibrated_config(cfg, p), tuple(m.name for m in fitted),
                      tuple(m.name for m in held), skipped, base, bad, output_files(folder),
                      {m.name: (math.degrees(m.texture[0]), m.texture[1]) for m in every})
    write_calibration(out)
    return out


def calibrated_config(cfg, p: Parameters):
    """cfg named <name>-calibrated with a [shell] of p's thickness and K1 factor (its other
    shell values kept) and [thermal] volume_factor p's."""
    from ..config import Shell, config_from_dict
    from ..physics.thermal import Thermal

    s, f = (p.shell_nm,) * 2, (p.shell_k1,) * 2
    shell = replace(cfg.shell, thickness=s, K1=f) if cfg.shell else Shell(s, f)
    thermal = replace(cfg.thermal or Thermal(p.volume_factor), volume_factor=p.volume_factor)
    return config_from_dict(replace(cfg, name=f"{cfg.name}-calibrated", shell=shell,
                                    thermal=thermal).to_dict())


def output_files(folder) -> dict:
    """{what: path} of a calibration's files in folder."""
    folder = Path(folder)
    return {"config": folder / "calibrated.toml", "result": folder / "calibration.json",
            "plot": folder / "calibration.png"}


def write_calibration(c: Calibration):
    """Write c.files: calibration.json, calibrated.toml and calibration.png."""
    from .plots import plot_calibration

    paths = c.files
    paths["config"].parent.mkdir(parents=True, exist_ok=True)
    summary = {"parameters": asdict(c.fit.parameters), "errors": c.fit.errors,
               "chi2_by_shell_nm": {f"{k:g}": v for k, v in c.fit.chi2.items()},
               "n": c.fit.n, "at_bound": list(c.fit.at_bound), "fitted": list(c.fitted),
               "held_out": list(c.held_out), "skipped": c.skipped,
               "uncalibrated": asdict(c.uncalibrated), "flagged_realizations": c.flagged,
               "textures_deg": c.textures,
               "rows": [asdict(r) for r in c.rows]}
    with replacing(paths["result"]) as tmp:
        tmp.write_text(json.dumps(summary, indent=1, default=float), encoding="utf-8")
    with replacing(paths["config"]) as tmp:
        tmp.write_text(c.config.to_toml(), encoding="utf-8")
    plot_calibration(c, paths["plot"])

