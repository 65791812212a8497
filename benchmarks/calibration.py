"""Leave one magnet out: calibrate on the others, predict the held-out magnet's µ0HcJ at each
of its measured temperatures, beside the simplest things a user could do instead (on demand,
not part of the test suite; docs/calibration.md "Validation on magnets it never saw"). Run
from the repository root:

    python -m benchmarks.calibration [--measured FILE] [--config bulk] [--out DIR]

For each magnet of the table with a grain size and two or more temperatures: invmag's
calibration on the other magnets (one shared parameter set), the held-out magnet simulated at
it. Beside it, on the same held-out points:
  uncalibrated  the config as it is (its shell's middle K1, its volume factor);
  scaled        the uncalibrated model × one factor fitted on the other magnets (the geometric
                mean of their measured/uncalibrated HcJ);
  mean β        the held-out magnet's own HcJ at its lowest temperature, carried to the others
                by the other magnets' mean β.
Prints the table per magnet and temperature, each magnet's β per method, and the issue's goals:
the highest temperature within 20 %, β within 0.1 %/K. The simulations are kept in --out
(default runs/bulk-calibration, where `invmag calibrate` keeps its own: a run after it only
simulates each fold's fit), each fold's files in --out/held-out-<magnet>.
"""

import argparse
import math
import time

import numpy as np


def alternatives(held, others, rows_of):
    """{method: (n,) µ0HcJ T} of the held-out magnet's points by the simple methods, from the
    other magnets' rows (rows_of(name) → Rows, measured and uncalibrated)."""
    from invmag.calibration.measured import beta

    own = rows_of(held.name)
    ratio = [r.measured / r.uncalibrated for m in others for r in rows_of(m.name)]
    k = math.exp(np.mean(np.log(ratio)))
    betas = [beta(m.temperature, m.hcj) for m in others if len(m.temperature) > 1]
    b = np.mean(betas) if betas else math.nan
    T0, H0 = held.temperature[0], held.hcj[0]
    return {"uncalibrated": np.array([r.uncalibrated for r in own]),
            "scaled": k * np.array([r.uncalibrated for r in own]),
            "mean β": H0 * (1 + b / 100 * (held.temperature - T0))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--measured", default=None)
    parser.add_argument("--config", default="bulk")
    parser.add_argument("--out", default="runs/bulk-calibration")
    args = parser.parse_args()

    from invmag.calibration.calibrate import calibrate
    from invmag.calibration.measured import beta, read_measured
    from invmag.config import load_config

    cfg = load_config(args.config)
    magnets = [m for m in read_measured(args.measured)
               if not math.isnan(m.grain_size) and len(m.temperature) > 1]
    names = [m.name for m in magnets]
    print(f"leave one out over {', '.join(names)} (config {cfg.name})")
    lines, summary = [], []
    for held in magnets:
        others = [m for m in magnets if m is not held]
        t0 = time.time()
        c = calibrate(cfg, f"{args.out}/held-out-{held.name}", args.measured, names,
                      (held.name,), kept=args.out)
        p, e = c.fit.parameters, c.fit.errors
        print(f"\nheld out {held.name}: fit on {', '.join(c.fitted)}: shell {p.shell_nm:g} nm, "
              f"K1 × {p.shell_k1:.3f} ± {e['shell_k1']:.3f}, c = {p.volume_factor:.2f} ± "
              f"{e['volume_factor']:.2f} ({time.time() - t0:.0f} s)")
        own = c.rows_of(held.name)
        methods = {"calibrated": np.array([r.calibrated for r in own]),
                   **alternatives(held, others, c.rows_of)}
        for i, r in enumerate(own):
            lines.append(f"| {held.name} | {r.T:g} | {r.measured:.2f} | " + " | ".join(
                f"{v[i]:.2f} ({v[i] / r.measured - 1:+.0%})" for v in methods.values()) + " |")
        top = {k: v[-1] / held.hcj[-1] - 1 for k, v in methods.items()}
        betas = {k: beta(held.temperature, v) for k, v in methods.items()}
        summary.append((held, top, betas))
    heads = ["calibrated", "uncalibrated", "scaled", "mean β"]
    print("\n| magnet | T (K) | measured µ0HcJ (T) | " + " | ".join(heads) + " |")
    print("|---|---|---|" + "---|" * len(heads))
    print("\n".join(lines))
    print("\n| magnet | β measured (%/K) | " + " | ".join(f"β {h}" for h in heads) + " |")
    print("|---|---|" + "---|" * len(heads))
    for held, _, betas in summary:
        print(f"| {held.name} | {held.beta:.3f} | " +
              " | ".join(f"{betas[h]:.3f}" for h in heads) + " |")
    print("\nAt each held-out magnet's highest temperature, |relative error| (mean over magnets):")
    for h in heads:
        errs = [abs(top[h]) for _, top, _ in summary]
        db = [abs(b[h] - m.beta) for m, _, b in summary]
        print(f"  {h:<13} {np.mean(errs):.0%}  (within 20 %: {sum(x <= 0.2 for x in errs)}/"
              f"{len(errs)};  β within 0.1 %/K: {sum(x <= 0.1 for x in db)}/{len(db)})")


if __name__ == "__main__":
    main()
