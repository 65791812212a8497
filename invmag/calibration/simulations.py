"""The calibration's simulations: a magnet's realizations at one grain-surface shell and one
measured temperature, their zero-temperature hc and mr. Each is kept in its own .npz in the
calibration folder, written under a temporary name and renamed (invmag.files), so a killed
calibration resumes where it stopped and an unchanged one is not simulated again. A file
records what its values depend on (the config's physics, the magnet's microstructure, the
shell, T); one that does not match is simulated anew.
"""

from dataclasses import dataclass
import hashlib
import json
import os
from pathlib import Path
import re

import numpy as np

from ..files import replacing
from ..physics.material import MU0
from ..physics.temperature import material_at
from ..physics.thermal import thermal_hc
from .measured import Magnet
from .realize import DRAWING, magnet_config, realizations, sampling

ANCHOR_MR, ANCHOR_HC = 1, 5  # columns of invmag.ANCHORS


@dataclass(frozen=True)
class Job:
    """One simulation: a magnet's realizations with a shell of `shell_nm` nm, K1 × `shell_k1`,
    at T K."""

    magnet: Magnet
    shell_nm: float
    shell_k1: float
    T: float


@dataclass(frozen=True)
class Point:
    """A job's result: hc (R,) in H_A(T) and mr (R,) in Js(T) of its R realizations (zero
    temperature), µ0H_A(T) and Js(T) of the main phase, T."""

    hc: np.ndarray
    mr: np.ndarray
    ha: float
    js: float

    def hcj(self, shift=0.0) -> np.ndarray:
        """µ0HcJ (R,) T with a thermal shift (in H_A(T)) taken off: max(hc − shift, 0)·µ0H_A."""
        return thermal_hc(self.hc, shift) * self.ha


def job_key(job: Job, cfg) -> str:
    """What a job's result depends on, as text: the config's physics and seed, the magnet's
    microstructure, sampling and drawing, the shell and T."""
    d = cfg.to_dict()
    physics = {k: d.get(k) for k in ("seed", "material", "grid", "solver", "shell")}
    physics["solver"] = {k: v for k, v in physics["solver"].items() if k != "device"}
    m = job.magnet
    micro = [m.name, m.grain_size, m.texture[0], m.boundary, m.boundary_js,
             list(vars(sampling(m, cfg)).values()), DRAWING]
    return json.dumps([physics, micro, job.shell_nm, job.shell_k1, job.T], sort_keys=True,
                      default=float)


def job_path(folder, job: Job, cfg) -> Path:
    """The job's file: <folder>/simulations/<magnet>/<shell, T and a digest of its key>.npz."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", job.magnet.name)
    digest = hashlib.sha1(job_key(job, cfg).encode()).hexdigest()[:10]
    return (Path(folder) / "simulations" / name /
            f"s{job.shell_nm:g}_k{job.shell_k1:.4f}_T{job.T:g}_{digest}.npz")


def load_point(path: Path, key: str) -> Point | None:
    """The point kept at path, or None where there is none or it was made for another key."""
    if not path.is_file():
        return None
    with np.load(path) as f:
        if str(f["key"]) != key:
            return None
        return Point(f["hc"], f["mr"], float(f["ha"]), float(f["js"]))


def simulate_job(job: Job, cfg, threads: int = 1) -> Point:
    """Simulate a job's realizations (invmag.physics.simulation, the config's protocol)."""
    from ..physics.simulation import simulate_curves

    mcfg = magnet_config(job.magnet, cfg, job.shell_nm, job.shell_k1)
    samples = realizations(job.magnet, mcfg, job.T)
    curves = simulate_curves(samples.phi, mcfg, cells=samples.material(mcfg), threads=threads)
    main = material_at(job.T, cfg.material)
    return Point(curves.anchors[:, ANCHOR_HC], curves.anchors[:, ANCHOR_MR], MU0 * main.HA,
                 main.Js)


def cost(magnet: Magnet, cfg) -> int:
    """Cells × realizations of one of a magnet's jobs: its share of a calibration's work."""
    s = sampling(magnet, cfg)
    return s.side**2 * s.realizations


def run_jobs(jobs: list[Job], cfg, folder, advance=None,
             threads: int | None = None) -> list[Point]:
    """The Point of every job (in order), the kept ones read and the others simulated and kept.
    advance: callable(cost of the job) after each job; threads: torch's CPU threads (default
    all cores)."""
    threads = threads or os.cpu_count() or 1
    out = []
    for job in jobs:
        key, path = job_key(job, cfg), job_path(folder, job, cfg)
        point = load_point(path, key)
        if point is None:
            point = simulate_job(job, cfg, threads)
            path.parent.mkdir(parents=True, exist_ok=True)
            with replacing(path) as tmp:
                with open(tmp, "wb") as f:
                    np.savez(f, key=key, hc=point.hc, mr=point.mr, ha=point.ha, js=point.js)
        out.append(point)
        if advance is not None:
            advance(cost(job.magnet, cfg))
    return out


def flagged(points) -> int:
    """Realizations whose hc is NaN (never reversed within ±H_A) among points."""
    return int(sum(np.isnan(p.hc).sum() for p in points))
