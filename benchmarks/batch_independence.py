"""Whether a structure's curve depends on its batch, and the solver's speed (on demand, not part
of the test suite). Run from the repository root:

    python -m benchmarks.batch_independence [--n 16] [--repeat 3]

n random quick-size structures (40 × 40 cells of 2 nm, 1–16 grains, θ up to 0–180°), the quick
config's solver (fast protocol, float32), one CPU thread. Each structure is relaxed alone, in one
batch of n in queue order and in batches of 5 in reverse order (the queue refills them); the
table counts the curves that are bit-identical to the structure's curve alone and the largest
anchor difference. Then the bifurcating structure of tests/data/bifurcation.npy (quick run row
893, hc 0.2922 alone) beside row 883, which took it to hc 0.3004 before the fix. Speed: curves
per hour of the batch of n, best of `repeat` runs (docs/engine.md).
"""

import argparse
from pathlib import Path
import time

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from invmag.data.structures import sample_structure
from invmag.physics.anchors import anchors
from invmag.physics.curve import CurveSolver
from invmag.physics.solver_settings import SolverSettings
from invmag.physics.material import Material

QUICK = dict(tolerance=1e-4, tau_max=1.0, tau_min=1e-6, max_iterations=20000, field_step=0.01,
             fast=True, coarse=5, jump_angle=0.3, predict_angle=0.1, lbfgs_torque=1e-3,
             lbfgs_memory=5, lbfgs_rotation=1e-3, dtype="float32")
BIFURCATION = Path(__file__).resolve().parents[1] / "tests" / "data" / "bifurcation.npy"


def curves(phis, batch):
    solver = CurveSolver(Material(), 40, 40, 2e-9, 36e-6, SolverSettings(batch_size=batch, **QUICK),
                         device="cpu")
    return solver.run(phis)


def compare(alone, batched, order):
    """(bit-identical curves, largest anchor difference) of batched curves in queue `order`."""
    M = np.empty_like(batched.M)
    M[order] = batched.M
    same = sum(np.array_equal(a, b, equal_nan=True) for a, b in zip(alone.M, M))
    d = np.abs(anchors(alone.H, alone.M)[0] - anchors(batched.H, M)[0])
    return same, np.nanmax(d, initial=0.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16, help="structures")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of the batch")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    phis = np.stack([sample_structure(40, 40, 2.0, int(rng.integers(1, 17)), rng.uniform(0, np.pi),
                                      rng) for _ in range(args.n)])
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        batched = curves(phis, args.n)
        times.append(time.perf_counter() - start)
    singles = [curves(phis[i:i + 1], 1) for i in range(args.n)]
    alone = type(batched)(batched.H, np.concatenate([c.M for c in singles]),
                          np.concatenate([c.converged for c in singles]),
                          np.concatenate([c.iterations for c in singles]))
    reverse = np.arange(args.n)[::-1]
    table = Table(title=f"{args.n} quick-size structures: each one's curve in a batch against alone")
    for column in ("batch", "bit-identical curves", "largest anchor difference"):
        table.add_column(column, justify="right")
    for name, order, size in (("all, in order", np.arange(args.n), args.n),
                              ("5 at a time, reversed", reverse, 5)):
        same, diff = compare(alone, batched if size == args.n else curves(phis[order], size), order)
        table.add_row(name, f"{same}/{args.n}", f"{diff:.1e}")
    console = Console()
    console.print(table)
    pair = np.load(BIFURCATION)[:2]  # rows 893 and 883 of the quick run
    hc = [anchors(c.H, c.M)[0][j, 5] for c, j in ((curves(pair[:1], 1), 0),
                                                  (curves(pair[[1, 0]], 2), 1))]
    console.print(f"quick row 893: hc {hc[0]:.5f} alone, {hc[1]:.5f} beside row 883")
    best = min(times)
    console.print(f"batch of {args.n}: {best:.2f} s (best of {args.repeat}: "
                  f"{', '.join(f'{t:.2f}' for t in times)}), {3600 * args.n / best:.0f} curves/hour, "
                  f"{batched.iterations.sum()} iterations")


if __name__ == "__main__":
    main()
