"""Shuffled VAE batches streamed from structures.h5, never the whole file in memory.

The file is read in blocks of contiguous rows of at most `memory` bytes (the next block is read
in a background thread while the current one trains); block order and rows within a block are
shuffled each epoch. When all rows fit in one block (the quick config) it is read once and kept.
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import h5py
import numpy as np
import torch

from ..data.sample import read_samples
from .conditions import LAYERS, structure_images


class StructureStream:
    """Batches of structure images (models.conditions.structure_images), float32 tensors
    (B, C, ny, nx): kx = sin(phi) and the cells of the regions the file holds
    (models.conditions.LAYERS); of the done rows of a structures.h5."""

    def __init__(self, path, batch_size: int, memory: int = 2 ** 29):
        self.path, self.batch_size = Path(path), batch_size
        with h5py.File(self.path, "r") as f:
            self.done = f["done"][:]
            self.shape = f["phi"].shape[1:]
            self.layers = tuple(name for name in LAYERS if name in f)
            self.channels = 1 + len(self.layers)
        rows = max(batch_size, memory // (4 * int(np.prod(self.shape))))
        self.blocks = [(a, min(a + rows, len(self.done))) for a in range(0, len(self.done), rows)]
        self.size = int(self.done.sum())
        self._cached = None

    def __len__(self) -> int:
        """Batches per epoch."""
        return -(-self.size // self.batch_size)

    def _read(self, block) -> torch.Tensor:
        if self._cached is not None:
            return self._cached
        a, b = block
        with h5py.File(self.path, "r") as f:
            samples = read_samples(f, slice(a, b)).take(self.done[a:b])
        kx = torch.from_numpy(structure_images(samples, self.layers))
        if len(self.blocks) == 1:
            self._cached = kx
        return kx

    def epoch(self, generator: torch.Generator):
        """One pass over all rows in an order drawn from `generator`; every batch full but the
        last."""
        order = torch.randperm(len(self.blocks), generator=generator).tolist()
        carry = torch.zeros((0, self.channels, *self.shape))
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(self._read, self.blocks[order[0]])
            for k in range(len(order)):
                kx = pending.result()
                if k + 1 < len(order):
                    pending = pool.submit(self._read, self.blocks[order[k + 1]])
                kx = torch.cat([carry, kx[torch.randperm(len(kx), generator=generator)]])
                full = len(kx) - len(kx) % self.batch_size
                if full:
                    yield from kx[:full].split(self.batch_size)
                carry = kx[full:]
        if len(carry):
            yield carry
