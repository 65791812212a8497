"""`invmag simulate FILE`: the demagnetization curve and anchors of one structure."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from .. import ANCHORS
from ..physics.anchors import UNITS, anchors, si_factor
from ..physics.curve import CurveSolver
from ..physics.material import MU0
from ..physics.merit import FIGURES, UNITS as MERIT_UNITS, figures
from .app import app
from .common import DEMAG_HELP, UserError, console, demag_factor, resolve_device, user_errors

def anchor_table(values, material, title="Anchors", columns=None) -> Table:
    """Rich table of anchors in reduced and SI units; extra `columns` {name: values} beside."""
    table = Table(title=title)
    for name in ["anchor", "reduced", "unit", "SI (T)"] + list(columns or {}):
        table.add_column(name, justify="right" if name != "anchor" else "left")
    for i, name in enumerate(ANCHORS):
        v = values[i]
        si = v * si_factor(name, material)
        label = "µ0·M" if UNITS[name] == "Ms" else "µ0·H"
        extra = [f"{c[i]:.4f}" for c in (columns or {}).values()]
        table.add_row(name, f"{v:.4f}", UNITS[name], f"{label} = {si:.3f}", *extra)
    return table


def merit_table(columns: dict, title="Figures of merit") -> Table:
    """Rich table of figures of merit, one column per {label: values (6,) as FIGURES}."""
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("unit")
    for label in columns:
        table.add_column(label, justify="right")
    rows = [(name, MERIT_UNITS[name] or "Hk/HcJ", i, 1.0) for i, name in enumerate(FIGURES)]
    rows.insert(2, ("µ0·HcJ", "T", 1, MU0 * 1e3))
    for name, unit, i, scale in rows:
        table.add_row(name, unit, *[f"{v[i] * scale:.4g}" for v in columns.values()])
    return table


def write_merit_csv(path, columns: dict):
    """CSV with a row per figure of merit (figure, unit) and a column per {label: values}."""
    lines = [",".join(["figure", "unit", *columns])]
    lines += [",".join([name, MERIT_UNITS[name], *[f"{v[i]:.6g}" for v in columns.values()]])
              for i, name in enumerate(FIGURES)]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


@app.command()
def simulate(
    file: Path = typer.Argument(..., help="Structure: .npy phi[iy, ix] (easy-axis angles, rad) "
                                          "or an OVF 2.0 easy-axis field."),
    out: Path = typer.Option(None, help="Write the curve as CSV (H_over_HA, M_over_Ms)."),
    plot: Path = typer.Option(None, help="Write a PNG: structure, curve with anchors, and the "
                                         "second quadrant of J and B with (BH)max."),
    merit: Path = typer.Option(None, help="Write the figures of merit as CSV (figure, unit, "
                                          "value)."),
    demag: float = typer.Option(0.0, "--demag-factor", help=DEMAG_HELP),
    states: Path = typer.Option(None, help="Write the magnetization at the anchors to HDF5 "
                                           "(invmag.data.states) and a PNG strip beside it."),
    every_step: bool = typer.Option(False, "--every-step",
                                    help="With --states: keep every computed field step."),
    cell_size: float = typer.Option(None, help="Cell size in nm (default: the config's, 2 nm)."),
    fast: bool = typer.Option(False, "--fast",
                              help="Coarse reversible steps, extrapolated starts, stop past Hc."),
    device: str = typer.Option(None, help="torch device: cpu, cuda, auto (default: config)."),
    config: str = typer.Option("quick", help="Config name or TOML path (material, solver)."),
):
    """Demag curve of one structure by the paper's protocol (+H_A → −H_A in 0.01 H_A steps)."""
    from ..data.config import load_config
    from ..data.labels import one_thread
    from ..data.states import anchor_steps, write_states
    from ..data.structures import load_structure
    from ..plots import states_figure

    with user_errors():
        cfg = load_config(config)
        if cell_size is not None and not cell_size > 0:
            raise UserError(f"--cell-size must be positive, got {cell_size}")
        size_nm = cell_size or cfg.grid.cell_size
        phi = load_structure(file, cell_size=size_nm)
        demag_factor(demag)
        dev = resolve_device(device or cfg.solver_device)
        settings = replace(cfg.solver, fast=fast, batch_size=1)
        ny, nx = phi.shape
        solver = CurveSolver(cfg.material, nx, ny, size_nm * 1e-9, cfg.grid.thickness * 1e-9,
                             settings, dev)
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total} fields"), TimeElapsedColumn(),
                      TimeRemainingColumn(), console=console, transient=True) as bar:
            task = bar.add_task(f"{file.name} {nx}×{ny}", total=len(solver.H))
            with one_thread():  # several threads run this slower, much slower on a busy CPU
                curves = solver.run(phi[None], progress=lambda n: bar.advance(task, n),
                                    states=states is not None)
        values, flagged = anchors(curves.H, curves.M)
        console.print(anchor_table(values[0], cfg.material, title=f"Anchors of {file.name}"))
        merits = {"value": figures(curves.H, curves.M, cfg.material, demag)[0]}
        console.print(merit_table(merits, f"Figures of merit, N = {demag:g}"))
        if not curves.converged[0]:
            console.print("[yellow]warning:[/] a field step hit the iteration cap "
                          f"({settings.max_iterations}): the curve is flagged as not converged")
        if flagged[0]:
            missing = [a for a, v in zip(ANCHORS, values[0]) if np.isnan(v)]
            console.print(f"[yellow]warning:[/] never reached within ±H_A: {', '.join(missing)}")
        console.print(f"{curves.iterations[0]} iterations on {dev}")
        ok = np.isfinite(curves.M[0])
        if out:
            np.savetxt(out, np.c_[curves.H[ok], curves.M[0][ok]], delimiter=",",
                       header="H_over_HA,M_over_Ms", comments="")
            console.print(f"curve → {out}")
        if merit:
            write_merit_csv(merit, merits)
            console.print(f"figures of merit → {merit}")
        if states:
            write_states(states, phi, curves.H, curves.M[0], curves.states[0], values[0],
                         every_step)
            found = anchor_steps(curves.H, curves.M[0], values[0])
            k = found[found >= 0]
            names = [a for a, i in zip(ANCHORS, found) if i >= 0]
            states_figure(curves.states[0][k], curves.H[k], curves.M[0][k], names,
                          file.name).savefig(states.with_suffix(".png"), dpi=120)
            console.print(f"states → {states} (+ {states.with_suffix('.png').name})")
        if plot:
            from ..plots import curve_figure
            curve_figure(phi, curves.H[ok], curves.M[0][ok], values[0], file.name, cfg.material,
                         demag).savefig(plot, dpi=120)
            console.print(f"plot → {plot}")
