"""How far halving the step bounds moves the anchors of isotropic structures (on demand, not part
of the test suite). Run from the repository root:

    python -m benchmarks.step_bounds [--seeds 1000-1011] [--n 64]

n × n cells of 2 nm, 36 grains, θ up to 180° (isotropic), fast protocol, float32, all seeds
relaxed in one batch. For the tied L-BFGS bound (lbfgs_rotation = tau_max × lbfgs_torque, the
default) and the former 0.1 rad, each structure's largest anchor change when tau_max and
lbfgs_rotation are halved together. Knife-edge avalanches make the answer depend on the CPU
(docs/engine.md).
"""

import argparse

import numpy as np
from rich.console import Console
from rich.table import Table

from invmag.data.structures import sample_structure
from invmag.physics.anchors import anchors
from invmag.physics.curve import CurveSolver
from invmag.physics.material import Material
from invmag.physics.solver_settings import SolverSettings


def anchor_shift(phi, lbfgs_rotation):
    """Largest anchor change (reduced units) per structure when both step bounds are halved."""
    st = SolverSettings(fast=True, lbfgs_rotation=lbfgs_rotation)
    half = SolverSettings(fast=True, tau_max=st.tau_max / 2, lbfgs_rotation=lbfgs_rotation / 2)
    n = phi.shape[-1]
    a, a_half = (anchors(c.H, c.M)[0] for c in (CurveSolver(Material(), n, n, settings=s).run(phi)
                                                 for s in (st, half)))
    return np.abs(a_half - a).max(axis=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1000-1011", help="first-last structure seeds")
    parser.add_argument("--n", type=int, default=64, help="cells per side")
    args = parser.parse_args()
    first, last = (int(s) for s in args.seeds.split("-"))
    seeds = range(first, last + 1)
    phi = np.stack([sample_structure(args.n, args.n, 2.0, 36, np.pi, s) for s in seeds])
    tied = SolverSettings(fast=True).lbfgs_rotation
    shifts = {f"tied ({tied:g} rad)": anchor_shift(phi, tied), "0.1 rad": anchor_shift(phi, 0.1)}
    table = Table(title=f"largest anchor change on halving both step bounds, {args.n} × {args.n}")
    table.add_column("seed")
    for name in shifts:
        table.add_column(name, justify="right")
    for i, seed in enumerate(seeds):
        table.add_row(str(seed), *(f"{s[i]:.1e}" for s in shifts.values()))
    Console().print(table)


if __name__ == "__main__":
    main()
