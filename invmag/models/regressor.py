"""Parameter-sharing multi-target regressor of the anchors (paper Table 2, docs/conventions.md).

A shared dense stack (ELU) on the latent mean vector (for a real magnet, followed by the
sample's conditions: boundary Js, temperature and the grains' Stoner–Wohlfarth remanence,
models.conditions), then one head per anchor (ELU, the last
layer linear, width 1). Outputs are normalized anchors (y − mean) / std.

The trained surrogate holds an Ensemble: the k regressors of the k-fold cross-validation, each
stopped at its own best validation epoch, averaged (the paper trains one more regressor on all
the training labels instead; docs/learning.md).
"""

import torch
from torch import nn

from .. import ANCHORS
from .layers import Row, Stack, input_row


def _dense_stack(n_in: int, widths, names, last_activation: str) -> Stack:
    layers = []
    for i, (name, width) in enumerate(zip(names, widths)):
        layers.append((name, nn.Linear(n_in, width),
                       last_activation if i == len(widths) - 1 else "elu"))
        n_in = width
    return Stack(layers)


class Regressor(nn.Module):
    """Regressor(latent, shared, head, n_out=6, conditions=0); at latent 512 with the paper's
    widths and no conditions exactly Table 2 (1 502 006 trainable parameters). head must end
    with width 1 (the target); conditions: inputs appended to the latent code."""

    def __init__(self, latent: int, shared, head, n_out: int = len(ANCHORS),
                 conditions: int = 0):
        super().__init__()
        shared, head = list(shared), list(head)
        if head[-1] != 1:
            raise ValueError(f"regressor.head must end with 1 (one target per head), got {head}")
        shared_names = [f"dense_shared_{i + 1}" for i in range(len(shared) - 1)] + ["shared_output"]
        head_names = [f"dense_head_{i + 1}" for i in range(len(head) - 1)] + ["target"]
        self.latent, self.conditions = latent, conditions
        self.shared = _dense_stack(latent + conditions, shared, shared_names, "elu")
        self.heads = nn.ModuleList(_dense_stack(shared[-1], head, head_names, "linear")
                                   for _ in range(n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, latent + conditions): codes, then conditions -> normalized anchors (B, n_out)."""
        s = self.shared(x)
        return torch.cat([head(s) for head in self.heads], dim=1)

    def tables(self) -> dict[str, list[Row]]:
        """Layer tables {"Shared layers": rows, "Regression head (×n_out)": rows}, Table 2."""
        z = torch.zeros(1, self.latent + self.conditions)
        shared, s = self.shared.rows(z, "input")
        return {"Shared layers": [input_row("input", z), *shared],
                f"Regression head (×{len(self.heads)})": self.heads[0].rows(s, shared[-1].name)[0]}


class Ensemble(nn.Module):
    """Regressors of the same layout whose mean output is the prediction."""

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)
        if not len(self.members):
            raise ValueError("an ensemble needs at least one regressor")

    def outputs(self, x: torch.Tensor) -> torch.Tensor:
        """Inputs x (B, latent + conditions) -> every member's normalized anchors
        (members, B, n_out)."""
        return torch.stack([member(x) for member in self.members])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Inputs x (B, latent + conditions) -> the members' mean normalized anchors (B, n_out)."""
        return self.outputs(x).mean(0)
