"""The model against a real magnet's coercivity and its fall with temperature (on demand, not
part of the test suite; docs/engine.md "What the model can and cannot say"). Run from the
repository root:

    python -m benchmarks.real_magnet [--count 8] [--shell-K1 0.25] [--volume-factor 4]

Structures: the magnet config's sample (40 × 40 cells of 2 nm), 8 grains, drawn periodic
(voronoi(40, 40, 2.0, 8, θ, default_rng(100 + i), periodic=True), i = 0…count − 1, as the
"Periodic boundaries" table), aligned (θ ≤ 15°) and isotropic (θ ≤ 180°); the same structures
in every column; no boundary phase; fast protocol, float32, one thread.

Columns: today's model (the magnet config, open boundaries); + periodic boundaries; + a 2-nm
defect shell of K1 × shell_K1 (Js × 1, Nd2Fe14B's Tc; the bulk config's middle K1 factor); +
thermal activation (Givord's fluctuation field, v = c·δ_w³, ln(t/τ0) = 25: a post-processing of
the simulated hc, invmag.physics.thermal); all three. Rows: µ0HcJ at 300 K and 423 K (mean ±
std over the structures), HcJ(423)/HcJ(300) (mean of the per-structure ratios, their range) and
β = (ratio − 1)/123 K in %/K. About 4 simulated columns × 2 temperatures × 2 textures × count
curves: a few minutes on one core.
"""

import argparse
import math
import time

import numpy as np

GRAINS, TEMPERATURES = 8, (300.0, 423.0)
TEXTURES = {"aligned (θ ≤ 15°)": math.radians(15), "isotropic (θ ≤ 180°)": math.pi}
SHELL_NM = 2.0
SCAN = (0.5, 1.0, 2.0, 4.0, 8.0)  # volume factors of the all-three column
PUBLISHED = (
    "Published (HRE-free Nd-Fe-B):\n"
    "  µ0HcJ at room temperature 1.2–2.0 T for hot-deformed Nd-Fe-B without heavy rare earth "
    "(e.g. 1.21 T, Xia et al., Scripta Mater. 2020)\n"
    "  HcJ(150–180 °C)/HcJ(20 °C) 0.27–0.45 (the same magnet: 0.33 T at 180 °C)\n"
    "  β(HcJ) −0.40 to −0.6 %/K (hot-deformed and sintered data sheets)")


def config(periodic: bool, shell_k1: float):
    """The magnet config, periodic or open, with a [shell] of SHELL_NM nm and K1 × shell_k1."""
    from invmag.config import config_from_dict, load_config

    d = load_config("magnet").to_dict()
    d["grid"]["periodic"] = periodic
    d["shell"] = {"thickness": [SHELL_NM, SHELL_NM], "K1": [shell_k1, shell_k1]}
    return config_from_dict(d)


def structures(theta: float, count: int, cfg):
    """(phi (count, ny, nx), seeds (count, GRAINS, 2) nm), drawn periodic."""
    from invmag.data.structures import voronoi

    g = cfg.grid
    drawn = [voronoi(g.nx, g.ny, g.cell_size, GRAINS, theta, np.random.default_rng(100 + i),
                     periodic=True) for i in range(count)]
    return np.stack([d[0] for d in drawn]), np.stack([d[1] for d in drawn])


def samples(cfg, phi, seeds, shell: bool, T: float):
    """Samples at T K: without a boundary phase, with the config's shell in every grain
    (edge distances open or periodic as the config's grid) or none."""
    from invmag.data.boundary import edge_distance
    from invmag.data.sample import SHELL, Region, Samples
    from invmag.data.shell import shell_mask

    if not shell:
        return Samples(phi, T)
    g, m, n = cfg.grid, cfg.material, len(phi)
    dist = np.stack([edge_distance(s, g.nx, g.ny, g.cell_size, g.periodic)[1] for s in seeds])
    t = np.full(n, SHELL_NM)
    return Samples(phi, T, {SHELL: Region(shell_mask(dist, np.zeros(n), t, g.ny, g.nx), t,
                                          np.full(n, cfg.shell.Js * m.Js),
                                          np.full(n, cfg.shell.K1[0] * m.K1))})


def simulated(cfg, phi, seeds, shell: bool, T: float):
    """The zero-temperature hc (in H_A(T)) of the structures at T K and their main phase at T."""
    from invmag.physics.simulation import simulate_curves

    curve = simulate_curves(phi, cfg, cells=samples(cfg, phi, seeds, shell, T).material(cfg))
    return curve.anchors[:, 5], curve.materials


def tesla(hc, materials, T: float, thermal=None) -> np.ndarray:
    """µ0HcJ (T) of hc (in H_A(T)): zero-temperature, or thermally activated with thermal
    (Thermal; Givord's shift at T, a post-processing of the simulated hc)."""
    from invmag.physics.material import MU0
    from invmag.physics.thermal import thermal_hc, thermal_shift

    if thermal is not None:
        hc = np.array([thermal_hc(h, thermal_shift(T, m, thermal)) for h, m in zip(hc, materials)])
    return hc * np.array([MU0 * m.HA for m in materials])


def scan(sims, c: float) -> str:
    """The all-three column's µ0HcJ at 300 and 423 K, ratio and β with volume factor c."""
    from invmag.physics.thermal import Thermal

    room, hot = (tesla(*sims[True, True, T], T, Thermal(c)) for T in TEMPERATURES)
    col = column("", room, hot)
    return (f"c = {c:g}: {room.mean():.2f} T, {hot.mean():.2f} T, {col['ratio'].mean():.3f}, "
            f"{col['beta']:.2f}")


def column(name, room, hot) -> dict:
    with np.errstate(invalid="ignore", divide="ignore"):
        r = hot / room  # NaN where thermal activation took all of HcJ at 300 K
    return {"name": name, "room": room, "hot": hot, "ratio": r,
            "beta": (r.mean() - 1) / (TEMPERATURES[1] - TEMPERATURES[0]) * 100}


def table(texture: str, cols: list) -> str:
    rows = [f"| {texture} | " + " | ".join(c["name"] for c in cols) + " |",
            "|---|" + "---|" * len(cols),
            "| µ0HcJ 300 K (T) | " + " | ".join(f"{c['room'].mean():.2f} ± {c['room'].std():.2f}"
                                               for c in cols) + " |",
            "| µ0HcJ 423 K (T) | " + " | ".join(f"{c['hot'].mean():.2f} ± {c['hot'].std():.2f}"
                                               for c in cols) + " |",
            "| HcJ(423)/HcJ(300) | " + " | ".join(
                f"{c['ratio'].mean():.3f} ({c['ratio'].min():.3f}–{c['ratio'].max():.3f})"
                for c in cols) + " |",
            "| β (%/K) | " + " | ".join(f"{c['beta']:.2f}" for c in cols) + " |"]
    return "\n".join(rows)


def main(count: int, shell_k1: float, volume_factor: float):
    from invmag.physics.thermal import Thermal

    t0 = time.perf_counter()
    th = Thermal(volume_factor)
    shell = f"+ shell {SHELL_NM:g} nm, K1 × {shell_k1:g}"
    names = ("today (open)", "+ periodic", shell, f"+ thermal (c = {volume_factor:g})",
             "all three")
    print(f"µ0HcJ, {count} structures of {GRAINS} grains (40 × 40 cells of 2 nm) per texture, "
          "no boundary phase; mean ± std; ratio: mean (range) of the per-structure ratios")
    for texture, theta in TEXTURES.items():
        sims = {}
        for periodic in (False, True):
            cfg = config(periodic, shell_k1)
            phi, seeds = structures(theta, count, cfg)
            for has_shell in (False, True):
                for T in TEMPERATURES:
                    sims[periodic, has_shell, T] = simulated(cfg, phi, seeds, has_shell, T)

        def hc(periodic, has_shell, thermal, T):
            return tesla(*sims[periodic, has_shell, T], T, th if thermal else None)

        keys = ((False, False, False), (True, False, False), (False, True, False),
                (False, False, True), (True, True, True))
        cols = [column(n, hc(*k, TEMPERATURES[0]), hc(*k, TEMPERATURES[1]))
                for n, k in zip(names, keys)]
        print()
        print(table(texture, cols))
        print("all three against c (µ0HcJ 300 K, 423 K, HcJ(423)/HcJ(300), β %/K): "
              + "; ".join(scan(sims, c) for c in SCAN))
    print()
    print(PUBLISHED)
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--shell-K1", type=float, default=0.25, dest="shell_k1")
    parser.add_argument("--volume-factor", type=float, default=4.0)
    args = parser.parse_args()
    main(args.count, args.shell_k1, args.volume_factor)
