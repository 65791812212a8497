"""The batch of the curve solver (invmag.physics.curve): one slot per structure being relaxed,
each at its own field step."""

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Slots:
    """Per-slot solver state: device tensors (theta, g, the structure's material: `tensors`,
    what the model's torque needs of it (Micromagnet.prepare), s = Ms/Ms0, hA = H_A/Ms0; the
    applied field h in Ms0, tau, which BB formula is next, the L-BFGS pairs, the states at the
    last two accepted fields) and host bookkeeping (structure index, whether it is of several
    materials, field indices, counters, the largest torque)."""

    theta: torch.Tensor
    g: torch.Tensor
    tensors: tuple                 # Micromagnet.prepare(), B rows each
    s: torch.Tensor
    hA: torch.Tensor
    h: torch.Tensor
    tau: torch.Tensor
    odd: torch.Tensor              # the next step length is the short BB formula s·y / y·y
    S: torch.Tensor                # L-BFGS steps (B, memory, ny, nx), a ring shared by all slots:
                                   # a slot's pairs are its newest consecutive ones, the
                                   # rest have rho = 0 (exact no-ops), so sharing changes
                                   # no slot's arithmetic (docs/engine.md)
    Y: torch.Tensor                # L-BFGS gradient changes, same layout
    rho: torch.Tensor              # 1 / s·y per pair (B, memory); 0 marks no pair
    saved: torch.Tensor            # state at the last accepted field k_saved
    previous: torch.Tensor         # state at the accepted field before it, k_previous
    hard: torch.Tensor             # 1 on cells with anisotropy, else 0: whose rotation counts
    P: torch.Tensor                # diagonal preconditioner per cell (1 for one material)
    idx: np.ndarray
    several: np.ndarray            # the structure has more than one material (s, excess used)
    k: np.ndarray                  # field index being relaxed
    k_saved: np.ndarray
    k_previous: np.ndarray
    it: np.ndarray                 # iterations in this field step
    fine_until: np.ndarray         # fast mode: fine steps up to this field index
    torque: np.ndarray             # max |g| after the last iteration (inf at a new field)
    pairs: np.ndarray              # L-BFGS pairs stored since the slot's torque fell

    TENSORS = ("theta", "g", "s", "hA", "h", "tau", "odd", "S", "Y", "rho", "saved", "previous",
               "hard", "P")
    ARRAYS = ("idx", "several", "k", "k_saved", "k_previous", "it", "fine_until", "torque",
              "pairs")

    def keep(self, mask: np.ndarray):
        sel = torch.as_tensor(np.flatnonzero(mask), device=self.theta.device)
        for name in self.TENSORS:
            setattr(self, name, getattr(self, name).index_select(0, sel))
        self.tensors = tuple(t.index_select(0, sel) for t in self.tensors)
        for name in self.ARRAYS:
            setattr(self, name, getattr(self, name)[mask])

    def append(self, other: "Slots"):
        for name in self.TENSORS:
            setattr(self, name, torch.cat((getattr(self, name), getattr(other, name))))
        self.tensors = tuple(map(torch.cat, zip(self.tensors, other.tensors)))
        for name in self.ARRAYS:
            setattr(self, name, np.concatenate((getattr(self, name), getattr(other, name))))

    def __len__(self):
        return len(self.idx)
