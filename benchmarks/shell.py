"""The grain-surface shell in numbers (on demand, not part of the test suite; docs/engine.md
"A grain-surface shell"). Run from the repository root:

    python -m benchmarks.shell [--count 8]

Structures: those of benchmarks.phases (the magnet config's 40 × 40 cells of 2 nm, 8 grains,
fixed seeds), aligned (θ ≤ 15°) and isotropic, without a boundary phase, fast protocol, float32.
Prints the mean ± std of µ0HcJ (T) at 300 K against the shell thickness (0, 2, 4, 6 nm at
K1 × 0) and the shell's K1 factor (0, 0.25, 0.5, 1 at 2 nm), and µ0HcJ(423 K)/µ0HcJ(300 K), with
the shell following Nd2Fe14B's law and with a shell of Tc = 500 K.
"""

import argparse
import math

import numpy as np

from benchmarks.phases import hc_tesla, samples, simulate

ALIGNED, ISOTROPIC = math.radians(15), math.pi
THICKNESS, FACTORS = (0.0, 2.0, 4.0, 6.0), (0.0, 0.25, 0.5, 1.0)
CAPPED = {}  # shell thickness nm -> structures where a grain becomes all shell


def config(Tc: float = 585.0):
    """The magnet config with a [shell] section (thickness 0–6 nm, K1 × 0–1, Tc K)."""
    from invmag.config import config_from_dict, load_config

    d = load_config("magnet").to_dict()
    d["shell"] = {"thickness": [0.0, 6.0], "K1": [0.0, 1.0], "Tc": Tc}
    return config_from_dict(d)


def shelled(cfg, phi, seeds, thickness: float, factor: float, T: float):
    """Samples of the structures at T K with a shell of thickness nm and K1 × factor, not
    lowered where a small grain would become all shell (CAPPED counts those)."""
    from invmag.data.boundary import edge_distance
    from invmag.data.sample import SHELL, Region, Samples
    from invmag.data.shell import depths, max_shell, shell_mask

    g, m, n = cfg.grid, cfg.material, len(phi)
    found = [edge_distance(s, g.nx, g.ny, g.cell_size) for s in seeds]
    grain, dist = np.stack([f[0] for f in found]), np.stack([f[1] for f in found])
    CAPPED[thickness] = int((max_shell(depths(grain, dist), np.zeros(n), g.cell_size)
                             < thickness).sum())
    t = np.full(n, thickness)
    return Samples(phi, T, {SHELL: Region(shell_mask(dist, np.zeros(n), t, g.ny, g.nx), t,
                                          np.full(n, cfg.shell.Js * m.Js),
                                          np.full(n, factor * m.K1))})


def hcj(cfg, phi, seeds, thickness, factor, T=300.0) -> np.ndarray:
    s = shelled(cfg, phi, seeds, thickness, factor, T)
    return hc_tesla(simulate(cfg, phi, s.material(cfg)))


def line(label, h) -> str:
    return f"  {label}: {h.mean():.3f} ± {h.std():.3f} T"


def main(count: int):
    cfg = config()
    aligned, iso = samples(cfg, ALIGNED, count), samples(cfg, ISOTROPIC, count)
    print(f"µ0HcJ at 300 K, mean ± std over {count} structures (no boundary phase)")
    print("aligned (θ ≤ 15°), K1 × 0, against the shell thickness:")
    for t in THICKNESS:
        h = hcj(cfg, *aligned, t, 0.0)
        print(line(f"{t:g} nm", h) + f" ({CAPPED[t]} with a grain all shell)")
    print("aligned, 2 nm, against the shell's K1 factor:")
    for f in FACTORS:
        print(line(f"K1 × {f:g}", hcj(cfg, *aligned, 2.0, f)))
    print("isotropic (θ ≤ 180°), K1 × 0:")
    for t in (0.0, 2.0, 4.0):
        print(line(f"{t:g} nm", hcj(cfg, *iso, t, 0.0)))
    print("µ0HcJ(423 K)/µ0HcJ(300 K), aligned:")
    for Tc in (585.0, 500.0):
        c = config(Tc)
        for t, f in ((0.0, 1.0), (2.0, 0.0), (2.0, 0.5), (4.0, 0.5)):
            r = hcj(c, *aligned, t, f, 423.0) / hcj(c, *aligned, t, f)
            print(f"  shell Tc {Tc:g} K, {t:g} nm, K1 × {f:g}: {r.mean():.3f} ± {r.std():.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=8)
    main(parser.parse_args().count)
