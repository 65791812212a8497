"""`generate`: the data of a run — unlabelled structures for the VAE and labelled curves.

Resumable: samples are computed in batches of fixed index ranges and a batch is marked done only
once written, so a rerun computes exactly the batches that are not done (a killed run, resumed,
ends with the same file as an uninterrupted one), and a larger count extends the files.
"""

from dataclasses import dataclass
from pathlib import Path
import time

import numpy as np

from .. import RunFailed
from ..physics.anchors import anchors
from ..config import Config, with_data
from .boundary import draw_phase_batch, has_phases
from .labels import label_batch
from .parallel import Pool
from .run_folder import claim_run
from .sample import Samples, columns
from .sample_files import (SampleStore, label_layout, phase_columns, read_labels, run_attrs,
                           structure_layout)
from .structures import draw_batch, sample_seed

UNLABELLED, LABELLED = 0, 1  # seed streams: the two sets never share a structure
STRUCTURE_BATCH = 256


@dataclass
class Summary:
    """What a generate call did: sample counts (targets; computed now, of which `labels_failed`
    in batches that failed twice, with their distinct `errors`), seconds spent on labels, data
    files deleted because the config changed, worker processes lost (their batches run again)."""

    structures: int
    labelled: int
    structures_computed: int
    labels_computed: int
    labels_failed: int
    errors: list
    label_seconds: float
    deleted: list
    workers_lost: int
    labels: object = None  # the run's Labels after the call (invmag.data.sample_files)
    plot: Path | None = None  # plots/labels.png, where there are good labels


def _batches(todo: np.ndarray, size: int):
    """Pending sample indices grouped by absolute batch (index // size), in index order."""
    if todo.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(todo // size)) + 1
    return np.split(todo, cuts)


def _seeds(cfg: Config, stream: int, rows) -> list[int]:
    return [sample_seed(cfg.seed, stream, int(i)) for i in rows]


def _no_progress(stage, completed, total):
    pass


def _draw(cfg: Config, seeds) -> tuple:
    """(Samples, params (N, 3)) of seeds, as draw_batch or, for a config with phases,
    draw_phase_batch draws them."""
    if has_phases(cfg):
        return draw_phase_batch(seeds, cfg)
    phis, params = draw_batch(seeds, cfg.grid, cfg.structures)
    return Samples.plain(phis), params


def _columns(cfg: Config, drawn: tuple) -> dict:
    """The HDF5 columns of drawn (Samples, params) (sample.columns and params)."""
    samples, params = drawn
    return {**columns(samples, **phase_columns(cfg)), "params": params}


def make_structures(cfg: Config, path, n: int, pool: Pool, progress=_no_progress) -> int:
    """Fill structures.h5 up to n samples; returns how many were computed."""
    g = cfg.grid
    layout = structure_layout(g.ny, g.nx, **phase_columns(cfg))
    with SampleStore(path, layout, n, run_attrs(cfg, UNLABELLED)) as store:
        todo = np.flatnonzero(~store.done[:n])
        completed = n - todo.size
        progress("structures", completed, n)
        tasks = ((rows, (cfg, _seeds(cfg, UNLABELLED, rows)))
                 for rows in _batches(todo, STRUCTURE_BATCH))
        for rows, drawn, error in pool.unordered(_draw, tasks):
            if error:
                raise RunFailed(f"structures {rows[0]}–{rows[-1]} failed twice: {error}")
            store.write(rows, **_columns(cfg, drawn))
            completed += len(rows)
            progress("structures", completed, n)
    return todo.size


def make_labels(cfg: Config, path, n: int, pool: Pool, progress=_no_progress):
    """Fill labels.h5 up to n samples (structures, curves, anchors, flags). A batch that fails
    twice is recorded as done but not converged, with NaN curves and anchors. Returns (curves
    computed, samples of failed batches, distinct error lines)."""
    g, H = cfg.grid, cfg.solver.fields()
    store = SampleStore(path, label_layout(g.ny, g.nx, len(H), **phase_columns(cfg)), n,
                        run_attrs(cfg, LABELLED), fixed={"H": H})
    with store:
        todo = np.flatnonzero(~store.done[:n])
        completed, failed, errors = n - todo.size, 0, []
        progress("labels", completed, n)
        config = cfg.to_dict()
        drawn = {}  # structures of the batches in flight, by first row

        def tasks():
            for rows in _batches(todo, cfg.solver.batch_size):
                drawn[rows[0]] = _draw(cfg, _seeds(cfg, LABELLED, rows))
                yield rows, (drawn[rows[0]][0], config)

        fields = [0]  # fields done inside the batch, for per-field progress in this process

        def on_fields(k):
            fields[0] += k
            progress("labels", completed + fields[0] / len(H), n)

        def in_process(samples, config):
            return label_batch(samples, config, on_fields)
        fn = in_process if pool.in_process else label_batch
        for rows, result, error in pool.unordered(fn, tasks()):
            columns = _columns(cfg, drawn.pop(rows[0]))
            if error:
                result = np.full((len(rows), len(H)), np.nan), np.zeros(len(rows), bool)
                failed += len(rows)
                errors += [error] if error not in errors else []
            M, converged = result
            values, flagged = anchors(H, M)
            store.write(rows, **columns, M=M, anchors=values, converged=converged,
                        flagged=flagged)
            completed += len(rows)
            if pool.in_process:
                fields[0] = 0
            progress("labels", completed, n)
    return todo.size, failed, errors


def generate_data(cfg: Config, run_dir, labelled: int | None = None, unlabelled: int | None = None,
             force: bool = False, replace_data: bool = False, workers: int = 1,
             scheduler: str | None = None, progress=_no_progress) -> Summary:
    """Write a run's config.toml, structures.h5 and labels.h5 (docs/conventions.md), resuming
    what is there.

    labelled, unlabelled: sample counts (default: the config's data section, which they
    replace in config.toml); more than a run holds extends it. force: accept a run made with a
    different config; replace_data: delete its data files if their samples differ (refused
    otherwise). workers: local processes (1: this one); scheduler: Dask scheduler address.
    progress: callable(stage, completed, total) with stage "structures" or "labels" and
    completed in samples (fractional inside a batch). Then plots/labels.png.
    """
    n_u = cfg.data.unlabelled if unlabelled is None else unlabelled
    n_l = cfg.data.labelled if labelled is None else labelled
    for name, n in (("unlabelled", n_u), ("labelled", n_l)):
        if n < 1:
            raise ValueError(f"the number of {name} samples must be ≥ 1, got {n}")
    cfg = with_data(cfg, unlabelled=n_u, labelled=n_l)
    run = Path(run_dir)
    deleted = claim_run(cfg, run, force, replace_data)
    with Pool(workers, scheduler) as pool:
        n_structures = make_structures(cfg, run / "structures.h5", n_u, pool, progress)
        start = time.perf_counter()
        n_labels, n_failed, errors = make_labels(cfg, run / "labels.h5", n_l, pool, progress)
        seconds = time.perf_counter() - start
    labels = read_labels(run / "labels.h5")
    return Summary(n_u, n_l, n_structures, n_labels, n_failed, errors, seconds, deleted,
                   pool.lost, labels, write_labels_plot(run, labels))


def write_labels_plot(run: Path, labels) -> Path | None:
    """plots/labels.png of a run (data.plots.labels_figure) where it has good labels."""
    if not labels.good.any():
        return None
    from ..plots import save_figure
    from .plots import labels_figure

    path = run / "plots" / "labels.png"
    path.parent.mkdir(exist_ok=True)
    fig = labels_figure(labels)
    save_figure(fig, path)
    return path
