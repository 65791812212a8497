"""Layer stacks that print as the paper's Tables 1 and 2 (Keras nomenclature)."""

from dataclasses import dataclass

import torch
from torch import nn

ACTIVATIONS = {"elu": nn.ELU(), "tanh": nn.Tanh(), "linear": nn.Identity(), "-": nn.Identity()}
KINDS = {nn.Conv2d: "Conv2D", nn.ConvTranspose2d: "Conv2DTrans", nn.Linear: "Dense",
         nn.Flatten: "Flatten", nn.Unflatten: "Reshape"}


@dataclass(frozen=True)
class Row:
    """One line of a layer table; shape in Keras order (H × W × C)."""

    name: str
    kind: str
    activation: str
    shape: str
    params: int
    source: str


def n_params(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def _shape(x: torch.Tensor) -> str:
    dims = x.shape[1:]
    return " × ".join(str(d) for d in ((*dims[1:], dims[0]) if len(dims) == 3 else dims))


def input_row(name: str, x: torch.Tensor) -> Row:
    return Row(name, "Input", "-", _shape(x), 0, "")


def layer_row(name: str, layer: nn.Module, activation: str, out: torch.Tensor, source: str) -> Row:
    return Row(name, KINDS[type(layer)], activation, _shape(out), n_params(layer), source)


class Stack(nn.Module):
    """Named layers applied in order, each followed by its activation (elu, tanh, linear, -)."""

    def __init__(self, layers: list[tuple[str, nn.Module, str]]):
        super().__init__()
        self.layers = nn.ModuleDict({name: module for name, module, _ in layers})
        self.activations = {name: act for name, _, act in layers}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name, layer in self.layers.items():
            x = ACTIVATIONS[self.activations[name]](layer(x))
        return x

    @torch.no_grad()
    def rows(self, x: torch.Tensor, source: str) -> tuple[list[Row], torch.Tensor]:
        """Table rows of a forward pass of x, the first layer connected to `source`; and the
        output."""
        rows = []
        for name, layer in self.layers.items():
            x = ACTIVATIONS[self.activations[name]](layer(x))
            rows.append(layer_row(name, layer, self.activations[name], x, source))
            source = name
        return rows, x
