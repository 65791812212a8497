"""Does `optimize --learn` help the next designs? Measured on one trained run.

    python benchmarks/learn.py --run runs/magnet --temperature 423 [--count 6] [--epochs 10]

The same sequence of targets (benchmarks/design.py's grid from the labels within ±10 K of T,
--count of them) is designed twice, each on a fresh copy of the run: plain, and with --learn E
after every design (the regressor trained E epochs further on the labels plus every structure
simulated so far, design.learn). New structures only (the pool and the latent search, no data
route, so every design is simulated), --top designs of --simulations each. Printed per route:
the surrogate's first-shot error on the targeted anchors (mean |simulated − predicted| of the
screened starts) over the designs after the first, the simulations per hit, and the test MAE of
the run's model at the end (metrics.json).
"""

import argparse
import json
from pathlib import Path
import time

import numpy as np

import invmag
from invmag import ANCHORS
from invmag.data.sample_files import read_labels

from design import grid, scratch  # benchmarks/design.py


def route(run: Path, targets: list[dict], learn: int, args) -> dict:
    """Design the targets in order on a fresh copy of run; the measures of the module docstring."""
    work = scratch(run, args.scratch / ("learn" if learn else "plain"))
    first, hits, sims, start = [], 0, 0, time.perf_counter()
    for k, target in enumerate(targets):
        d = invmag.optimize(work, target=target, temperature=args.temperature, learn=learn,
                            simulations=args.simulations, top=args.top, seed=k,
                            starts=("pool", "search"), warn=lambda text: None)
        shot = d.meta["first_shot_mae"]
        if k and shot is not None:
            first.append(np.mean([shot[ANCHORS.index(a)] for a in target]))
        hits += int(invmag.verify(work, d.id).hit.sum())
        sims += d.meta["simulations"]
    mae = json.loads((work / "metrics.json").read_text())["mae_test"]
    return {"first": float(np.mean(first)), "hits": hits, "sims": sims, "mae": mae,
            "seconds": time.perf_counter() - start}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", type=Path, default=Path("runs/magnet"))
    p.add_argument("--temperature", type=float, default=423.0)
    p.add_argument("--count", type=int, default=6)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--top", type=int, default=2)
    p.add_argument("--simulations", type=int, default=16)
    p.add_argument("--scratch", type=Path, default=Path("runs/benchmark_learn"))
    args = p.parse_args()
    labels = read_labels(args.run / "labels.h5")
    train, _ = labels.split(invmag.open_run(args.run).config.data.test)
    train = train[np.abs(labels.samples.temperature[train] - args.temperature) <= 10]
    targets = grid(labels.anchors[train])
    targets = targets[::max(1, len(targets) // args.count)][:args.count]
    print(f"{len(targets)} targets at {args.temperature:g} K, {args.top} designs each, "
          f"{args.simulations} simulations per design; --learn {args.epochs}")
    print(f"{'route':<8}{'first shot (after #1)':>22}{'hits':>6}{'sims':>6}{'sims/hit':>9}"
          f"{'test MAE hc':>12}{'mr':>7}{'s':>7}")
    for name, learn in (("plain", 0), ("learn", args.epochs)):
        r = route(args.run, targets, learn, args)
        print(f"{name:<8}{r['first']:>22.4f}{r['hits']:>6}{r['sims']:>6}"
              f"{r['sims'] / max(r['hits'], 1):>9.1f}{r['mae']['hc']:>12.4f}"
              f"{r['mae']['mr']:>7.4f}{r['seconds']:>7.0f}")


if __name__ == "__main__":
    main()
