"""`invmag simulate FILE`: the demagnetization curve and anchors of one structure
(invmag.simulate)."""

from pathlib import Path

import numpy as np
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from .. import ANCHORS
from .app import app
from .common import (CONFIG_HELP, DEMAG_HELP, DEVICE_HELP, MERIT_HELP, STRUCTURE_HELP, console,
                     demag_factor, resolve_device, resolve_run, user_errors)
from .tables import anchor_table, merit_table, write_merit_csv


@app.command(epilog="Examples: invmag simulate s.npy --plot s.png · "
                     "invmag simulate s.ovf --full --states s.h5")
def simulate(
    file: Path = typer.Argument(..., help=STRUCTURE_HELP),
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
    device: str = typer.Option(None, help=DEVICE_HELP),
    config: str = typer.Option(None, help=CONFIG_HELP),
):
    """Demagnetization curve of one structure, +H_A → −H_A along y, by the config's protocol."""
    from ..api import simulate as run_simulate
    from ..data.states import anchor_steps, write_states
    from ..data.structures import load_structure
    from ..physics.merit import figures
    from ..plots import states_figure

    with user_errors():
        cfg, _ = resolve_run(config, None)
        if cell_size is not None and not cell_size > 0:
            raise ValueError(f"--cell-size must be positive, got {cell_size}")
        size_nm = cell_size or cfg.grid.cell_size
        phi = load_structure(file, cell_size=size_nm)
        demag_factor(demag)
        dev = resolve_device(device, cfg)
        protocol = "fast" if (cfg.solver.fast if fast is None else fast) else "full"
        n_fields = len(cfg.solver.fields())
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total} fields"), TimeElapsedColumn(),
                      TimeRemainingColumn(), console=console, transient=True) as bar:
            task = bar.add_task(f"{file.name} {phi.shape[1]}×{phi.shape[0]}", total=n_fields)
            curves = run_simulate(phi, cfg, fast, size_nm, dev, lambda n: bar.advance(task, n),
                                  states is not None)
        values, flagged = curves.anchors, curves.flagged
        console.print(anchor_table(values[0], cfg.material, title=f"Anchors of {file.name}"))
        merits = {"value": figures(curves.H, curves.M, cfg.material, demag)[0]}
        console.print(merit_table(merits, f"Figures of merit, N = {demag:g}"))
        if not curves.converged[0]:
            console.print("[yellow]warning:[/] a field step hit the iteration cap "
                          f"({cfg.solver.max_iterations}): the curve is flagged as not converged")
        if flagged[0]:
            missing = [a for a, v in zip(ANCHORS, values[0]) if np.isnan(v)]
            console.print(f"[yellow]warning:[/] never reached within ±H_A: {', '.join(missing)}")
        console.print(f"{protocol} protocol ({config or 'config ' + cfg.name}), "
                      f"{curves.iterations[0]} iterations on {dev}")
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
