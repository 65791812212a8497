"""Inverse-design hit rate on a trained run: targets across the label range, each designed
(`invmag optimize`) and verified (`invmag verify`) as a user would, one table.

    python benchmarks/design.py [--run runs/quick] [--top 5] [--simulations 64] [--learn 0]
    python benchmarks/design.py --reconstruction [--run runs/quick]

Targets (from the run's labels.h5): hc at the 10th, 30th, 50th, 70th and 90th percentiles; mr and
hk90 alone at their 30th and 70th; joint hc + mr and hc + hk90 taken from two labelled structures
each (the joint distribution of the labels). Per target: hits (simulated by verify within the hit
window of every target), the first-shot error on the targeted anchors: |simulated − predicted|
over every screened candidate before any selection by simulation (the latent search's prediction
for its code against the simulated anchors of the grain structure decoded from it), verify's
|simulated − predicted| per targeted anchor for the returned designs, seconds (optimize +
verify) and simulations used. The designs are written to the run's designs/ as usual.

--reconstruction measures what the decoder gives back instead: 16 labelled structures x from each
hc quintile are encoded, decoded and sharpened into grains, s = sharpen(D(E(x))), and simulated;
the table gives the MAE per anchor between the anchors of s and those of x, per quintile, and the
regressor's error on s's code, |f(E(s)) − sim(s)|.
"""

import argparse
from pathlib import Path
import time

import numpy as np

from invmag import ANCHORS
from invmag.data.run import run_config
from invmag.data.store import read_labels
from invmag.design import PolishSettings, Settings, design, verify_design
from invmag.design.targets import parse_goal


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
    from invmag.design.loop import open_run
    from invmag.design.sharpen import sharpen
    from invmag.design.verify import simulate

    _, surrogate = open_run(run, device)
    good = np.flatnonzero(labels.good)
    hc = labels.anchors[good, 5]
    quintile = np.digitize(hc, np.percentile(hc, [20, 40, 60, 80]))
    rng = np.random.default_rng(0)
    pick = np.concatenate([rng.choice(good[quintile == q], per_quintile, replace=False)
                           for q in range(5)])
    s = np.stack([sharpen(p) for p in surrogate.decode(surrogate.encode(labels.phi[pick]))])
    t0 = time.perf_counter()
    _, sim, converged, flagged = simulate(cfg, s)
    seconds = time.perf_counter() - t0
    ok = converged & ~flagged
    err = np.abs(sim - labels.anchors[pick])
    reg = np.abs(surrogate.predict(surrogate.encode(s)) - sim)
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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", type=Path, default=Path("runs/quick"))
    p.add_argument("--top", type=int, default=5)
    p.add_argument("--simulations", type=int, default=PolishSettings.simulations)
    p.add_argument("--learn", type=int, default=0, help="regressor epochs after each design")
    p.add_argument("--device", default="cpu")
    p.add_argument("--reconstruction", action="store_true",
                   help="measure the decoder's physical reconstruction error instead")
    args = p.parse_args()
    cfg = run_config(args.run)
    labels = read_labels(args.run / "labels.h5")
    if args.reconstruction:
        return reconstruction(args.run, cfg, labels, device=args.device)
    train, _ = labels.split(cfg.data.test)
    anchors = labels.anchors[train][labels.good[train]]
    head = (f"{'target':<22}{'hits':>6}{'first-shot':>22}{'verify |sim−pred|':>22}"
            f"{'s':>6}{'sims':>6}")
    print(head)
    hits = designs = 0
    first, after = [], []
    for target in grid(anchors):
        goal = parse_goal(target, {}, {})
        settings = Settings.from_config(cfg, goal, args.simulations, top=args.top)
        t0 = time.perf_counter()
        d = design(args.run, goal, settings, args.device, args.learn, warn=lambda text: None)
        v, _ = verify_design(args.run, d.id, device=args.device)
        seconds = time.perf_counter() - t0
        idx = [ANCHORS.index(a) for a in target]
        screened = np.array(d.meta["first_shot_mae"])
        fs = screened[idx]
        err = np.nanmean(np.abs(v.simulated - v.predicted)[:, idx], 0)
        first.append(screened[None])
        after.append(np.abs(v.simulated - v.predicted))
        hits += int(v.hit.sum())
        designs += len(v.hit)
        text = " ".join(f"{k}={t:.3f}" for k, t in target.items())
        print(f"{text:<22}{f'{v.hit.sum()}/{len(v.hit)}':>6}"
              f"{' '.join(f'{e:.3f}' for e in fs):>22}{' '.join(f'{e:.3f}' for e in err):>22}"
              f"{seconds:>6.0f}{d.meta['simulations']:>6}", flush=True)
    print(f"\nhit rate {hits}/{designs} = {100 * hits / designs:.0f} % "
          f"(simulated within ±{Settings.window:g} of every target)")
    for name, e in (("first-shot", first), ("verify", after)):  # first shot: mean of targets
        mae = np.nanmean(np.concatenate(e), 0)
        print(f"{name:<11} |simulated − predicted| per anchor: "
              + "  ".join(f"{a} {m:.3f}" for a, m in zip(ANCHORS, mae)))


if __name__ == "__main__":
    main()
