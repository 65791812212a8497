"""Verification: simulate the top designs exactly as labels are made (invmag.physics.simulation
under the run's config) and compare with the prediction and the goal."""

from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from .. import ANCHORS, BadParameter
from ..files import replacing
from ..data.labels import simulate_samples
from ..data.sample import Samples, columns
from ..physics.temperature import T_ROOM, material_at
from ..physics.material import Material
from ..physics.merit import FIGURES, figures, predicted_figures
from .design_folder import Design, write_csv


@dataclass
class Verification:
    """K simulated designs: rank (K,) 1-based; samples (K) as simulated; H (n,) in
    H_A; M (K, n) in Ms; simulated and predicted anchors (K, 6); converged, flagged (K,);
    hit (K,) or None when the goal has no target or bound (a curve that did not converge or
    misses an anchor is never a hit); window: the hit window (Ms, H_A); merit_simulated,
    merit_predicted (K, 6): figures of merit (invmag.physics.merit.FIGURES, N = 0) of the
    simulated curves and of the curves through the predicted anchors; material: as simulated."""

    rank: np.ndarray
    samples: Samples
    H: np.ndarray
    M: np.ndarray
    simulated: np.ndarray
    predicted: np.ndarray
    converged: np.ndarray
    flagged: np.ndarray
    hit: np.ndarray | None
    window: float
    merit_simulated: np.ndarray
    merit_predicted: np.ndarray
    material: Material
    goal: object = None  # the design's Goal
    temperature: float = T_ROOM  # K, of the designs and their material
    files: list = field(default_factory=list)  # written by write_verification

    @property
    def good(self) -> np.ndarray:
        return self.converged & ~self.flagged

    @property
    def hit_rate(self) -> float | None:
        return None if self.hit is None else float(self.hit.mean())


def simulate_designs(cfg, design: Design, top: int, window: float,
                     progress=None) -> Verification:
    """Simulate the top `top` designs under cfg's grid, material and solver settings on
    cfg.solver_device, with their boundary phase at their temperature (as labels are made).
    progress: callable(n_fields, total_fields) as field steps complete."""
    if top < 1:
        raise BadParameter(f"{{}} must be ≥ 1, got {top}", 'top')
    if not window > 0:
        raise BadParameter(f"{{}} must be positive, got {window}", 'window')
    k = min(top, len(design.z))
    samples = design.samples.take(slice(0, k))
    (ny, nx) = samples.grid
    if (ny, nx) != (cfg.grid.ny, cfg.grid.nx):
        raise ValueError(f"design {design.id} holds {nx}×{ny} structures, the config's grid is "
                         f"{cfg.grid.nx}×{cfg.grid.ny}")
    total = k * len(cfg.solver.fields())
    c = simulate_samples(samples, cfg, progress and (lambda n: progress(n, total)))
    material = material_at(design.temperature, cfg.material)
    hit = design.goal.hits(c.anchors, window)
    if hit is not None:
        hit &= c.converged & ~c.flagged
    return Verification(np.arange(1, k + 1), samples, c.H, c.M, c.anchors,
                        design.predicted[:k], c.converged, c.flagged, hit, window,
                        figures(c.H, c.M, material),
                        predicted_figures(design.predicted[:k], material), material,
                        design.goal, temperature=design.temperature)


def write_verification(folder, v: Verification) -> list[Path]:
    """verify.csv (per design: predicted, simulated, error per anchor, hit, predicted and
    simulated figures of merit in the units of invmag.physics.merit.UNITS), verify.h5
    (structures and curves) and verify_<rank>.png (paper Fig. 6 style), replacing those of an
    earlier verification; returns the paths."""
    from ..plots import save_figure
    from .plots import verify_figure

    folder = Path(folder)
    header = (["rank", "converged", "flagged", "hit"] + [f"pred_{a}" for a in ANCHORS]
              + [f"sim_{a}" for a in ANCHORS] + [f"err_{a}" for a in ANCHORS]
              + [f"pred_{f}" for f in FIGURES] + [f"sim_{f}" for f in FIGURES])
    err = v.simulated - v.predicted
    hit = v.hit if v.hit is not None else np.full(len(v.rank), -1)
    rows = ([r, int(c), int(f), int(h), *p, *s, *e, *fp, *fs] for r, c, f, h, p, s, e, fp, fs
            in zip(v.rank, v.converged, v.flagged, hit, v.predicted, v.simulated, err,
                   v.merit_predicted, v.merit_simulated))
    paths = [folder / "verify.csv", folder / "verify.h5"]
    write_csv(paths[0], header, rows)
    for old in folder.glob("verify_*.png"):  # of an earlier verification with more designs
        old.unlink()
    with replacing(paths[1]) as tmp, h5py.File(tmp, "w") as f:
        for name in ("rank", "H", "M", "simulated", "predicted", "converged", "flagged"):
            f.create_dataset(name, data=getattr(v, name))
        for name, value in columns(v.samples).items():
            f.create_dataset(name, data=value)
        f["simulated"].attrs["names"] = f["predicted"].attrs["names"] = list(ANCHORS)
        f.attrs["window"] = v.window
    for i, r in enumerate(v.rank):
        fig = verify_figure(v.samples.phi[i], v.H, v.M[i], v.simulated[i], v.predicted[i], f"#{r}",
                            v.material)
        paths.append(folder / f"verify_{r}.png")
        save_figure(fig, paths[-1])
    return paths
