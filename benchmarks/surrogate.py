"""Surrogate accuracy on the quick config: test MAE per anchor beside paper Table 3, and a
learning curve (test MAE vs labelled training curves, regressor only, reusing the trained VAE).

    python benchmarks/surrogate.py [--config quick] [--run runs/quick] [--device cpu]

Trains the run first (`invmag train`, generating data if missing) unless it has a model.
Writes <run>/benchmark_surrogate.json and <run>/plots/learning_curve.png.
"""

import argparse
import json
from pathlib import Path
import time

import numpy as np
import torch

from invmag import ANCHORS
from invmag.config import load_config
from invmag.data.sample_files import read_labels
from invmag.models.train import (PAPER_MAE, fit_anchors, mae, torch_threads, train_run,
                                    write_json)
from invmag.models.surrogate import Surrogate, encode_mirrors, load_surrogate
from invmag.plots import plt

FRACTIONS = (0.25, 0.5)  # of the training split; 1.0 is the trained run itself


def log(stage, completed, total, **fields):
    if completed == total and total:
        print(f"  {stage}: {total:g} done {'  '.join(f'{k} {v:.4g}' for k, v in fields.items())}",
              flush=True)


def row(label: str, values: dict) -> str:
    return f"{label:<22}" + "".join(f"{values[a]:>9.4f}" for a in ANCHORS)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="quick")
    p.add_argument("--run", type=Path)
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    cfg = load_config(args.config)
    run = args.run or Path("runs") / cfg.name
    device = torch.device(args.device)
    with torch_threads(device):
        if not (run / "surrogate.pt").exists():
            t0 = time.perf_counter()
            train_run(cfg, run, device, progress=log)
            print(f"invmag train: {time.perf_counter() - t0:.0f} s")
        metrics = json.loads((run / "metrics.json").read_text())
        surrogate = load_surrogate(run, cfg, device)
        curve = learning_curve(cfg, surrogate, read_labels(run / "labels.h5"), device)
    curve.append({"n": metrics["labelled"]["train"], "epochs": metrics["regressor"]["epochs"],
                  "mae": metrics["mae_test"]})
    n = metrics["labelled"]
    print(f"\nquick: {n['train']} training / {n['test']} test curves (paper: 3607 / 370); "
          f"VAE {metrics['vae']['epochs']} epochs, regressor {metrics['regressor']['epochs']} "
          f"epochs; train time {sum(metrics['seconds'].values()):.0f} s "
          f"({', '.join(f'{k} {v:.0f} s' for k, v in metrics['seconds'].items())})")
    print(f"{'test MAE':<22}" + "".join(f"{a:>9}" for a in ANCHORS))
    print(row("paper Table 3", PAPER_MAE))
    for point in curve:
        print(row(f"{point['n']} curves (ep {min(point['epochs'])}–{max(point['epochs'])})",
                  point["mae"]))
    write_json(run / "benchmark_surrogate.json", {"config": cfg.name, "learning_curve": curve,
                                                  "paper": PAPER_MAE})
    learning_figure(curve).savefig(run / "plots" / "learning_curve.png", dpi=110)
    print(f"→ {run / 'benchmark_surrogate.json'}, {run / 'plots' / 'learning_curve.png'}")


def learning_curve(cfg, surrogate: Surrogate, labels, device) -> list[dict]:
    """Test MAE of regressors cross-validated and trained on growing parts of the training
    split (a seeded random subset), on the trained run's latent codes."""
    train, test = labels.split(cfg.data.test)
    z, y = encode_mirrors(surrogate.vae, labels.samples, cfg.regressor.mirrors), labels.anchors
    order = np.random.default_rng(cfg.seed).permutation(train)
    points = []
    for fraction in FRACTIONS:
        part = order[:round(fraction * len(train))]
        t0 = time.perf_counter()
        fit = fit_anchors(cfg, z[:, part], y[part], device, log)
        s = Surrogate(cfg, surrogate.vae, fit.regressor, fit.y_mean, fit.y_std,
                      y[part].min(0), y[part].max(0))
        points.append({"n": len(part), "epochs": fit.epochs,
                       "mae": mae(s.predict(z[0, test]), y[test]),
                       "seconds": time.perf_counter() - t0})
    return points


def learning_figure(curve):
    fig, ax = plt.subplots(figsize=(5, 3.6))
    n = [c["n"] for c in curve]
    for a in ANCHORS:
        ax.plot(n, [c["mae"][a] for c in curve], "o-", label=a)
    ax.set_xscale("log")
    ax.set_xlabel("labelled training curves")
    ax.set_ylabel("test MAE (Ms, H_A)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    main()
