"""Minimizer and protocol settings of the curve solver (invmag.physics.curve), in reduced units
(fields in H_A, torques in Ms)."""

from dataclasses import dataclass

import numpy as np
import torch

DTYPES = {"float32": torch.float32, "float64": torch.float64}
# On a CPU a batch of more than about 2^16 cells falls out of the cache: 160 × 160 structures
# cost 0.98 ms per structure and iteration in batches of 2 and 1.46 ms in batches of 64.
CPU_BATCH_CELLS = 2 ** 16


def divides_unity(step) -> bool:
    """A field step (H_A) in (0, 1] that divides H_A into whole steps, so that the field axis
    holds +1, 0 and −1 exactly."""
    return 0 < step <= 1 and abs(1 / step - round(1 / step)) < 1e-9


@dataclass(frozen=True)
class SolverSettings:
    """Minimizer and protocol settings. Fields in units of H_A, torques in units of Ms."""

    tolerance: float = 1e-4       # converged when max |m × h_eff| / Ms is below this
    tau_max: float = 1.0          # bound of the BB step (reduced units, 1/Ms); docs/engine.md
    tau_min: float = 1e-6
    max_iterations: int = 20000   # per field step; beyond it the structure is flagged
    field_step: float = 0.01      # H_A
    fast: bool = False            # coarse steps while reversible, stop past Hc
    coarse: int = 5               # fast mode: fine steps per coarse step on the positive branch
    jump_angle: float = 0.3       # fast mode: a cell rotating more than this (rad) in one coarse
                                  # step marks an irreversible jump: redo it in fine steps
    predict_angle: float = 0.1    # fast mode: extrapolate the next start when no cell rotated
                                  # more than this (rad) in the last accepted step
    lbfgs_torque: float = 1e-3    # L-BFGS once max |m × h_eff| / Ms is below this (0: BB only)
    lbfgs_memory: int = 5         # L-BFGS pairs kept
    lbfgs_rotation: float = 1e-3  # largest rotation of a cell in one L-BFGS step (rad): tied to
                                  # the BB bound, tau_max × lbfgs_torque (the largest BB step at
                                  # the L-BFGS threshold), and halved with it (label_batch)
    batch_size: int = 64          # structures relaxed at once (on a CPU see batch())
    dtype: str = "float32"

    def __post_init__(self):
        checks = {
            "tolerance": self.tolerance > 0, "tau_max": self.tau_max > 0,
            "tau_min": 0 < self.tau_min <= self.tau_max, "max_iterations": self.max_iterations >= 1,
            "coarse": self.coarse >= 1, "batch_size": self.batch_size >= 1,
            "jump_angle": self.jump_angle > 0, "predict_angle": self.predict_angle >= 0,
            "lbfgs_torque": self.lbfgs_torque >= 0, "lbfgs_memory": self.lbfgs_memory >= 1,
            "lbfgs_rotation": self.lbfgs_rotation > 0,
            "dtype": self.dtype in DTYPES,
            "field_step": divides_unity(self.field_step),
        }
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"invalid solver setting: {bad[0]}={getattr(self, bad[0])!r}")

    def batch(self, nx: int, ny: int, device) -> int:
        """Structures of nx × ny cells relaxed at once on a device: batch_size, and on a CPU
        at most CPU_BATCH_CELLS cells (one structure at least)."""
        if torch.device(device or "cpu").type != "cpu":
            return self.batch_size
        return max(1, min(self.batch_size, CPU_BATCH_CELLS // (nx * ny)))

    def fields(self) -> np.ndarray:
        """The field axis +1 → −1 in units of H_A (exact zero included)."""
        n = round(1 / self.field_step)
        return np.arange(n, -n - 1, -1) / n
