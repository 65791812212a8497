"""The grain-boundary phase and the temperature in numbers (on demand, not part of the test
suite; docs/engine.md "Real magnets"). Run from the repository root:

    python -m benchmarks.phases [--parts trends,temperature,kronmuller,speed,labels] [--count 16]
                                [--baseline DIR]

Structures: the magnet config's sample (40 × 40 cells of 2 nm) with 8 grains (≈ 28 nm), aligned
(θ ≤ 20°) and isotropic (θ ≤ 180°), fixed seeds, fast protocol, float32, one thread.

- trends: mean µ0Hc at 300 K against boundary thickness (0, 2, 4 nm) and boundary Js (0, 0.3,
  0.6, 1.0 T; A_b = A·(Js_b/Js)², K1_b = 0), aligned and isotropic.
- temperature: µ0Hc(423 K)/µ0Hc(300 K) of the same structures, beside µ0H_A's ratio.
- kronmuller: α and N_eff of µ0Hc(T) = α·µ0H_A(T) − N_eff·Js(T) over 300–450 K (6 points).
- speed: curves per hour of a batch of `count` structures without a boundary phase, at 423 K,
  and with boundaries of 2 nm / 0.5 T and 4 nm / 0 T; magnum.np (benchmarks.peers) on two of
  them without and with a boundary; with --baseline DIR (a checkout of an earlier commit) that
  engine on the same structures, run as its own process, and the ratios against it.
- labels: curves per hour of the labels `generate` makes under the magnet and the bulk config
  (periodic boundaries, a defect shell), the same seeds, and their ratio.
"""

import argparse
from dataclasses import replace
import json
import math
import os
from pathlib import Path
import subprocess
import sys
import time

import numpy as np

THETAS = {"aligned": math.radians(20), "isotropic": math.pi}
THICKNESS, JS_B = (0.0, 2.0, 4.0), (0.0, 0.3, 0.6, 1.0)
GRAINS = 8


def config():
    from invmag.config import load_config

    return load_config("magnet")


def samples(cfg, theta: float, count: int):
    """(phi (count, ny, nx), seeds (count, G, 2) nm) of GRAINS-grain structures, axes in ±θ."""
    from invmag.data.structures import voronoi

    g, rng = cfg.grid, np.random.default_rng(2024)
    drawn = [voronoi(g.nx, g.ny, g.cell_size, GRAINS, theta, rng) for _ in range(count)]
    return np.stack([d[0] for d in drawn]), np.stack([d[1] for d in drawn])


def cells(cfg, seeds, thickness: float, js_b: float, T: float):
    """Cells of the structures with a boundary phase of thickness nm and Js_b T, at T K."""
    from invmag.data.boundary import boundary_masks
    from invmag.data.sample import from_columns

    g, n = cfg.grid, len(seeds)
    masks = boundary_masks(seeds, np.full(n, GRAINS), g.nx, g.ny, g.cell_size, np.full(n, thickness))
    return from_columns(np.zeros(masks.shape), np.tile([thickness, js_b, T], (n, 1)),
                        masks).material(cfg)


def hc_tesla(curve) -> np.ndarray:
    """µ0Hc (T) of each curve, in its main phase's H_A."""
    from invmag.physics.material import MU0

    return curve.anchors[:, 5] * np.array([MU0 * m.HA for m in curve.materials])


def simulate(cfg, phi, c):
    from invmag.physics.simulation import simulate_curves

    return simulate_curves(phi, cfg, cells=c)


def trends(cfg, count):
    print("µ0Hc (T) at 300 K, mean ± std over the structures; rows: boundary thickness, columns: "
          "boundary Js")
    for kind, theta in THETAS.items():
        phi, seeds = samples(cfg, theta, count)
        base = hc_tesla(simulate(cfg, phi, cells(cfg, seeds, 0.0, 0.0, 300.0)))
        print(f"{kind}: no boundary {base.mean():.3f} ± {base.std():.3f}")
        for t in THICKNESS[1:]:
            row = [hc_tesla(simulate(cfg, phi, cells(cfg, seeds, t, js, 300.0))) for js in JS_B]
            print(f"  {t:g} nm: " + "  ".join(f"Js {js:g} T {h.mean():.3f} ± {h.std():.3f}"
                                              for js, h in zip(JS_B, row)))


def temperature(cfg, count):
    from invmag.physics.temperature import ha_ratio

    print(f"µ0Hc(423 K)/µ0Hc(300 K) (µ0H_A's ratio: {ha_ratio(423.0):.3f})")
    for kind, theta in THETAS.items():
        phi, seeds = samples(cfg, theta, count)
        for t, js in ((0.0, 0.0), (2.0, 0.0), (2.0, 0.6)):
            hot, room = (hc_tesla(simulate(cfg, phi, cells(cfg, seeds, t, js, T)))
                         for T in (423.0, 300.0))
            r = hot / room
            print(f"  {kind}, boundary {t:g} nm / {js:g} T: {r.mean():.3f} ± {r.std():.3f}")


def kronmuller(cfg, count):
    import invmag

    T = np.linspace(300, 450, 6)
    print("Kronmüller fit over 300–450 K: α, N_eff, rms residual (T)")
    for kind, theta in THETAS.items():
        phi, seeds = samples(cfg, theta, min(count, 4))
        for t in (0.0, 2.0):
            for i in range(len(phi)):
                c = cells(cfg, seeds[i:i + 1], t, 0.0, 300.0)
                _, fit = invmag.kronmuller(phi[i], T, cfg, cells=c)
                print(f"  {kind} #{i}, boundary {t:g} nm / 0 T: α {fit.alpha:.3f}, N_eff "
                      f"{fit.n_eff:.3f}, rms {fit.residual:.3f}")


MEASURE = """
import json, sys, time
import numpy as np, torch
torch.set_num_threads(1)
try:
    from invmag.config import load_config
except ImportError:  # a checkout from before the config moved to the package top
    from invmag.data.config import load_config
from invmag.physics.curve import CurveSolver
cfg = load_config("quick"); g = cfg.grid
phi = np.load(sys.argv[1])
cells = None
if len(sys.argv) > 2:
    from invmag.physics.material import Cells
    with np.load(sys.argv[2]) as f:
        cells = Cells(f["Js"], f["A"], f["K1"])
solver = lambda: CurveSolver(cfg.material, g.nx, g.ny, g.cell_size * 1e-9, g.thickness * 1e-9,
                             cfg.solver)
solver().run(phi[:1])  # warm-up
t0 = time.perf_counter()
c = solver().run(phi) if cells is None else solver().run(phi, cells=cells)
print(json.dumps([time.perf_counter() - t0, int(c.iterations.sum())]))
"""


def measure(root, phi_file, cells_file=None) -> tuple[float, int]:
    """(seconds, iterations) of one CurveSolver.run of the structures in phi_file (and per-cell
    material in cells_file) by the checkout at root, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(Path(root).resolve())}
    args = [sys.executable, "-c", MEASURE, str(phi_file)] + ([str(cells_file)] if cells_file else [])
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=True, cwd=root)
    return tuple(json.loads(out.stdout.splitlines()[-1]))


def speed(cfg, count, baseline, repeats: int = 3):
    """Curves per hour and ms per iteration of the engine (CurveSolver.run, no retry), each
    measurement in a fresh process after a warm-up, best of `repeats` interleaved runs;
    magnum.np once."""
    import tempfile

    phi, seeds = samples(cfg, math.pi, count)
    modes = {"no boundary": None, "no boundary, 423 K": cells(cfg, seeds, 0.0, 0.0, 423.0),
             "2 nm, 0.2 T": cells(cfg, seeds, 2.0, 0.2, 300.0),
             "2 nm, 0.5 T": cells(cfg, seeds, 2.0, 0.5, 300.0),
             "4 nm, 0 T": cells(cfg, seeds, 4.0, 0.0, 300.0)}
    here = Path(__file__).resolve().parents[1]
    best = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        np.save(tmp / "phi.npy", phi)
        files = {}
        for i, (name, c) in enumerate(modes.items()):
            if c is not None:
                files[name] = tmp / f"cells{i}.npz"
                np.savez(files[name], Js=c.Js, A=c.A, K1=c.K1)
        for _ in range(repeats):
            for name in modes:
                run = measure(here, tmp / "phi.npy", files.get(name))
                best[name] = min(best.get(name, run), run)
            if baseline:
                run = measure(baseline, tmp / "phi.npy")
                best["baseline (no boundary)"] = min(best.get("baseline (no boundary)", run), run)
    from benchmarks.peers import magnumnp_curve

    st = replace(cfg.solver, fast=False)
    boundary = cells(cfg, seeds[:2], 2.0, 0.5, 300.0)
    for name, per_cell in (("magnum.np, no boundary", None), ("magnum.np, 2 nm, 0.5 T", boundary)):
        t0 = time.perf_counter()
        for i in range(2):
            extra = {} if per_cell is None else {k: getattr(per_cell, k)[i]
                                                 for k in ("Js", "A", "K1")}
            magnumnp_curve(phi[i], cfg.material, settings=st, **extra)
        best[name] = (time.perf_counter() - t0, None)
    print(f"curves per hour, one thread, best of {repeats} (magnum.np: the full protocol, one "
          "curve at a time, 2 structures); ms per iteration of the batch")
    n = {name: (2 if name.startswith("magnum") else count) for name in best}
    rate = {name: 3600 * n[name] / t for name, (t, _) in best.items()}
    for name, (t, iterations) in best.items():
        ratio = f"  {rate[name] / rate['baseline (no boundary)']:.2f}×" if baseline else ""
        ms = f"  {1e3 * t / iterations:.3f} ms/iteration" if iterations else ""
        print(f"  {name:26s} {rate[name]:8,.0f}{ratio}{ms}")


def labels(cfg, count, repeats: int = 2):
    """Curves per hour of labels as `generate` makes them (draw_phase_batch, simulate_samples:
    the retry included), one thread, the same `count` labelled seeds under the magnet and the
    bulk config (periodic, a defect shell, the boundary phase, 293–453 K), best of `repeats`
    interleaved runs in this process; the ratio bulk / magnet."""
    from invmag.config import load_config
    from invmag.data.boundary import draw_phase_batch
    from invmag.data.generate import LABELLED
    from invmag.data.labels import simulate_samples
    from invmag.data.structures import sample_seed
    from invmag.runtime import one_thread

    configs = {"magnet": cfg, "bulk": load_config("bulk")}
    drawn = {name: draw_phase_batch([sample_seed(c.seed, LABELLED, i) for i in range(count)],
                                    c)[0] for name, c in configs.items()}
    best = {}
    with one_thread():
        for _ in range(repeats):
            for name, c in configs.items():
                t0 = time.perf_counter()
                simulate_samples(drawn[name], c)
                best[name] = min(best.get(name, math.inf), time.perf_counter() - t0)
    rate = {name: 3600 * count / t for name, t in best.items()}
    for name in configs:
        print(f"  labels of {name:7s} {rate[name]:8,.0f} curves per hour (one thread)")
    print(f"  bulk / magnet: {rate['bulk'] / rate['magnet']:.2f}×")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--parts", default="trends,temperature,kronmuller,speed")
    p.add_argument("--count", type=int, default=16, help="structures per kind")
    p.add_argument("--baseline", help="a checkout of an earlier commit, for the speed ratio")
    args = p.parse_args()
    cfg = config()
    parts = {"trends": trends, "temperature": temperature, "kronmuller": kronmuller,
             "labels": labels}
    for part in args.parts.split(","):
        t0 = time.perf_counter()
        if part == "speed":
            speed(cfg, args.count, args.baseline)
        else:
            parts[part](cfg, args.count)
        print(f"({part}: {time.perf_counter() - t0:.0f} s)\n")


if __name__ == "__main__":
    main()
