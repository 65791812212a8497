"""Inverse design against the simplest alternatives, side by side on one trained run.

    python benchmarks/design.py [--run runs/quick] [--held runs/held] [--top 5] [--simulations 64]
    python benchmarks/design.py --reconstruction [--run runs/quick]
    python benchmarks/design.py --run runs/magnet --temperature 423 [--count 6]

Routes, each with the same polish and budget (top × simulations), every design verified by
`verify` (simulated again) and each (target, route) on a fresh copy of the run (no verified.h5,
so no route sees another's simulations):

  lookup  the run's labels alone: the labelled structures that meet the goal (0 simulations)
  labels  the nearest labels + polish (starts: data; no surrogate)
  random  fresh random Voronoi structures of the run's generator, screened and polished
          (starts: random; no surrogate): simulating alone
  invmag  the data, the surrogate's pool, the latent search, surrogate-assisted polish

Targets: inside the data, the grid below on --run; held out, two targets inside each hold-out
box of the --held run (trained with `invmag train --hold-out`), drawn from the labels inside the
box at least one hit window from its edges, on every boxed anchor: no label outside the box
can meet them, so a lookup answers none. Per (target, route): hits of top (verify within the hit
window of every target), simulations in all, simulations per hit, the surrogate's first-shot
error on the targeted anchors (mean |simulated − predicted| over the starts screened by
simulation, before any selection), seconds (optimize + verify).

The grid (from --run's labels.h5): hc at the 10th, 30th, 50th, 70th and 90th percentiles; mr and
hk90 alone at their 30th and 70th; joint hc + mr and hc + hk90 taken from two labelled structures
each (the joint distribution of the labels).

--temperature T (a real magnet's run): designs at T, with the boundary phase; the grid is taken
from the labels within ±10 K of T, and the lookup answers only from labels within ±2 K of T
(design.sources.DATA_KELVIN). --count k keeps k targets of the grid, spread over it.

--reconstruction measures what the decoder gives back instead: 16 labelled structures x from each
hc quintile are encoded, decoded and sharpened into grains, s = sharpen(D(E(x))), and simulated;
the table gives the MAE per anchor between the anchors of s and those of x, per quintile, and the
regressor's error on s's code, |f(E(s)) − sim(s)|.
"""

import argparse
from dataclasses import replace
from pathlib import Path
import shutil
import time

import numpy as np

from invmag import ANCHORS
from invmag.api import open_run, resolve_run
from invmag.data.sample import Samples
from invmag.data.sample_files import read_labels
from invmag.design.loop import design, verify_design
from invmag.design.optimize import Settings
from invmag.design.polish import PolishSettings
from invmag.design.targets import parse_goal
from invmag.physics.temperature import T_ROOM, material_at


def grid(anchors: np.ndarray, seed: int = 0) -> list[dict]:
    """The benchmark's targets from labelled anchors (N, 6) (see the module docstring)."""
    a = {name: anchors[:, i] for i, name in enumerate(ANCHORS)}
    targets = [{"hc": np.percentile(a["hc"], q)} for q in (10, 30, 50, 70, 90)]
    targets += [{name: np.percentile(a[name], q)} for name in ("mr", "hk90") for q in (30, 70)]
    rng = np.random.default_rng(seed)
    for other in ("mr", "hk90"):
        for i in rng.choice(len(anchors), 2, replace=False):
            targets.append({"hc": a["hc"][i], other: a[other][i]})
    return [{k: round(float(v), 3) for k, v in t.items()} for t in targets]


def reconstruction(run, cfg, labels, per_quintile: int = 16, device="cpu"):
    """Print the physical reconstruction error per hc quintile (see the module docstring)."""
    from invmag.design.grains import sharpen
    from invmag.physics.simulation import simulate_curves

    surrogate = open_run(run, device=device).surrogate
    good = np.flatnonzero(labels.good)
    hc = labels.anchors[good, 5]
    quintile = np.digitize(hc, np.percentile(hc, [20, 40, 60, 80]))
    rng = np.random.default_rng(0)
    pick = np.concatenate([rng.choice(good[quintile == q], per_quintile, replace=False)
                           for q in range(5)])
    decoded = surrogate.decode(surrogate.encode(labels.samples.take(pick)))
    s = np.stack([sharpen(p) for p in decoded])
    t0 = time.perf_counter()
    c = simulate_curves(s, cfg)
    sim, converged, flagged = c.anchors, c.converged, c.flagged
    seconds = time.perf_counter() - t0
    ok = converged & ~flagged
    err = np.abs(sim - labels.anchors[pick])
    reg = np.abs(surrogate.predict_samples(Samples.plain(s)) - sim)
    print(f"{'quintile':<9}{'hc of x':>8}{'hc of s':>8}  |anchors(s) − anchors(x)| "
          + " ".join(f"{a:>5}" for a in ANCHORS) + "   |f(E(s)) − sim(s)| hc")
    for q in range(5):
        rows = slice(q * per_quintile, (q + 1) * per_quintile)
        m = ok[rows]
        print(f"{q + 1:<9}{labels.anchors[pick][rows][m, 5].mean():>8.3f}"
              f"{sim[rows][m, 5].mean():>8.3f}  {'':<24}"
              + " ".join(f"{e:>5.3f}" for e in err[rows][m].mean(0))
              + f"   {reg[rows][m, 5].mean():.3f}")
    print(f"{'all':<25}{'':<26}" + " ".join(f"{e:>5.3f}" for e in err[ok].mean(0))
          + f"   {reg[ok, 5].mean():.3f}   ({len(s)} curves, {seconds:.0f} s)")


ROUTES = {"lookup": {"starts": ("data",), "polish": None},
          "labels": {"starts": ("data",), "assist": False},
          "random": {"starts": ("random",), "assist": False},
          "invmag": {}}


def held_out_targets(anchors: np.ndarray, boxes, window: float, seed: int = 0) -> list[dict]:
    """Two targets per box: the boxed anchors of labels (N, 6) inside it, at least `window`
    from its edges on every boxed anchor."""
    rng = np.random.default_rng(seed)
    targets = []
    for box in boxes:
        ok = np.ones(len(anchors), bool)
        for a, (lo, hi) in box.items():
            x = anchors[:, ANCHORS.index(a)]
            ok &= (x >= lo + window) & (x <= hi - window)
        for i in rng.choice(np.flatnonzero(ok), min(2, ok.sum()), replace=False):
            targets.append({a: round(float(anchors[i, ANCHORS.index(a)]), 3) for a in box})
    return targets


def scratch(run: Path, into: Path) -> Path:
    """A copy of a trained run without its designs and verified.h5."""
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    for name in ("config.toml", "labels.h5", "surrogate.pt", "metrics.json"):
        if (run / name).is_file():
            shutil.copy2(run / name, into / name)
    return into


def compare(run: Path, targets: list[dict], args, label: str) -> dict:
    """Print one row per (target, route); return the totals per route."""
    cfg, _ = resolve_run(run=run, device=args.device)
    totals = {r: {"hits": 0, "designs": 0, "sims": 0, "first": [], "seconds": 0.0}
              for r in args.routes}
    material = material_at(args.temperature, cfg.material)
    for target in targets:
        goal = parse_goal(target, {}, {}, material=material)
        text = " ".join(f"{k}={t:.3f}" for k, t in target.items())
        idx = [ANCHORS.index(a) for a in target]
        for route in args.routes:
            given = {"simulations": args.simulations, "top": args.top, **ROUTES[route]}
            polish = given.pop("polish", PolishSettings(simulations=args.simulations))
            settings = replace(Settings.from_config(cfg, goal, **given), polish=polish)
            work = scratch(run, args.scratch / route)
            t0 = time.perf_counter()
            d = design(cfg, work, goal, settings, warn=lambda text: None,
                       temperature=args.temperature)
            v = verify_design(cfg, work, d.id)
            seconds = time.perf_counter() - t0
            first = d.meta["first_shot_mae"]
            hits, sims = int(v.hit.sum()), d.meta["simulations"]
            t = totals[route]
            t["hits"] += hits
            t["designs"] += args.top
            t["sims"] += sims
            t["seconds"] += seconds
            if first:
                t["first"].append(np.array(first)[idx])
            print(f"{label:<9}{text:<24}{route:<8}{f'{hits}/{args.top}':>6}{sims:>7}"
                  f"{(f'{sims / hits:.1f}' if hits else '–'):>9}"
                  f"{(' '.join(f'{e:.3f}' for e in np.array(first)[idx]) if first else '–'):>18}"
                  f"{seconds:>7.0f}", flush=True)
    return totals


def summary(label: str, totals: dict):
    for route, t in totals.items():
        first = f"{np.mean(np.concatenate(t['first'])):.3f}" if t["first"] else "–"
        per_hit = f"{t['sims'] / t['hits']:.1f}" if t["hits"] else "–"
        print(f"{label:<9}{'all':<24}{route:<8}{t['hits']:>3}/{t['designs']:<3}{t['sims']:>6}"
              f"{per_hit:>9}{first:>18}{t['seconds']:>7.0f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", type=Path, default=Path("runs/quick"))
    p.add_argument("--held", type=Path, default=None,
                   help="a run trained with --hold-out: its held-out targets")
    p.add_argument("--top", type=int, default=5)
    p.add_argument("--simulations", type=int, default=PolishSettings.simulations)
    p.add_argument("--routes", nargs="+", default=list(ROUTES), choices=list(ROUTES))
    p.add_argument("--inside", action=argparse.BooleanOptionalAction, default=True,
                   help="the grid of targets inside --run's data")
    p.add_argument("--scratch", type=Path, default=Path("runs/benchmark-scratch"))
    p.add_argument("--device", default="cpu")
    p.add_argument("--temperature", type=float, default=T_ROOM,
                   help="design at this temperature, K (a real magnet's run)")
    p.add_argument("--count", type=int, default=None, help="targets of the grid kept, spread")
    p.add_argument("--reconstruction", action="store_true",
                   help="measure the decoder's physical reconstruction error instead")
    args = p.parse_args()
    cfg, _ = resolve_run(run=args.run, device=args.device)
    labels = read_labels(args.run / "labels.h5")
    if args.reconstruction:
        return reconstruction(args.run, cfg, labels, device=args.device)
    print(f"{'targets':<9}{'target':<24}{'route':<8}{'hits':>6}{'sims':>7}{'sims/hit':>9}"
          f"{'first shot':>18}{'s':>7}")
    results = []
    if args.inside:
        train, _ = labels.split(cfg.data.test)
        train = train[np.abs(labels.samples.temperature[train] - args.temperature) <= 10]
        grid_targets = grid(labels.anchors[train])
        if args.count:
            grid_targets = grid_targets[::max(1, len(grid_targets) // args.count)][:args.count]
        results.append(("inside", compare(args.run, grid_targets, args, "inside")))
    if args.held:
        from invmag.models.surrogate import load_surrogate

        boxes = load_surrogate(args.held).hold_out
        if not boxes:
            raise SystemExit(f"{args.held}: its model holds nothing out (invmag train --hold-out)")
        held = read_labels(args.held / "labels.h5")
        targets = held_out_targets(held.anchors[held.good], boxes, Settings.window)
        results.append(("held out", compare(args.held, targets, args, "held")))
    print()
    for label, totals in results:
        summary(label, totals)


if __name__ == "__main__":
    main()
