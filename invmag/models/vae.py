"""Convolutional VAE of grain structures (paper Table 1, docs/conventions.md).

Input and output: kx = sin(phi) on the ny × nx grid, (B, 1, ny, nx) in [−1, 1]; for a real magnet
(a config with a [boundary] section) a second channel holds the boundary phase's cells (1, else
0), so the image is (B, 2, ny, nx), and a config with a [shell] section adds the shell's cells
(models.conditions.structure_images). The encoder has
L stride-2 convolutions (the first 4×4 with padding 1, the others 2×2), channels doubling from
`channels`, a dense layer of `dense` units and two linear layers for the latent mean and
log-variance; the decoder mirrors it with transposed convolutions and a tanh output. L is the
number of times the grid halves to an integer ≥ 5 cells: 160 → 5 levels (the paper), 40 → 3.
"""

import torch
from torch import nn

from .layers import Row, Stack, input_row, layer_row


def conv_levels(ny: int, nx: int) -> int:
    """Number of stride-2 levels: halve while both sides stay integers ≥ 5 (ValueError if none)."""
    levels = 0
    while ny % 2 == 0 and nx % 2 == 0 and min(ny, nx) // 2 >= 5:
        ny, nx, levels = ny // 2, nx // 2, levels + 1
    if levels == 0:
        raise ValueError(f"the VAE needs a grid that halves to ≥ 5 cells: grid.nx and grid.ny "
                         f"even and ≥ 10, got {nx} × {ny}")
    return levels


class VAE(nn.Module):
    """VAE(ny, nx, latent, dense, channels, images=1); at 160 × 160, 512, 2048, 16 with one image
    channel exactly paper Table 1 (encoder 15 382 256 and decoder 14 338 801 trainable
    parameters). images: channels of the structure image (2 with a boundary phase); layers: the
    regions its channels after kx show (models.conditions.image_layers; default: the boundary,
    then the shell)."""

    def __init__(self, ny: int, nx: int, latent: int, dense: int, channels: int,
                 images: int = 1, layers: tuple[str, ...] | None = None):
        super().__init__()
        if not 1 <= latent <= dense:
            raise ValueError(f"the VAE needs 1 ≤ vae.latent ≤ vae.dense, got latent {latent} "
                             f"and dense {dense}")
        levels = conv_levels(ny, nx)
        self.ny, self.nx, self.latent, self.images = ny, nx, latent, images
        self.layers = ("boundary", "shell")[:images - 1] if layers is None else tuple(layers)
        if len(self.layers) != images - 1:
            raise ValueError(f"a VAE of {images} image channels shows {images - 1} regions after "
                             f"kx, got {self.layers}")
        widths = [channels * 2 ** k for k in range(levels)]
        h, w = ny >> levels, nx >> levels
        flat = widths[-1] * h * w
        encoder, c_in = [], images
        for k, c in enumerate(widths):
            first = k == 0
            encoder.append((f"conv_{k + 1}", nn.Conv2d(c_in, c, 4 if first else 2, stride=2,
                                                       padding=1 if first else 0), "elu"))
            c_in = c
        encoder += [("flatten", nn.Flatten(), "-"), ("dense_1", nn.Linear(flat, dense), "elu")]
        self.encoder = Stack(encoder)
        self.mean = nn.Linear(dense, latent)
        self.variance = nn.Linear(dense, latent)  # log-variance
        decoder = [("dense_2", nn.Linear(latent, dense), "elu"),
                   ("dense_3", nn.Linear(dense, flat), "elu"),
                   ("reshape", nn.Unflatten(1, (widths[-1], h, w)), "-")]
        for k, c in enumerate(widths[-2::-1] + [images]):
            last = k == levels - 1
            decoder.append((f"convtr_{k + 1}", nn.ConvTranspose2d(
                c_in, c, 4 if last else 2, stride=2, padding=1 if last else 0),
                "tanh" if last else "elu"))
            c_in = c
        self.decoder = Stack(decoder)

    def encode(self, kx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Images (B, images, ny, nx) -> latent mean and log-variance, each (B, latent)."""
        h = self.encoder(kx)
        return self.mean(h), self.variance(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z (B, latent) -> images (B, images, ny, nx) in [−1, 1]."""
        return self.decoder(z)

    def forward(self, kx: torch.Tensor, generator: torch.Generator | None = None):
        """Reconstruction of kx from a latent sample z = mu + sigma·eps; returns (recon, mu,
        logvar). generator: the source of eps (seeded training)."""
        mu, logvar = self.encode(kx)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return self.decode(mu + torch.exp(0.5 * logvar) * eps), mu, logvar

    @torch.no_grad()
    def tables(self) -> dict[str, list[Row]]:
        """Layer tables {"Encoder": rows, "Decoder": rows} as paper Table 1."""
        x = torch.zeros(1, self.images, self.ny, self.nx)
        rows, h = self.encoder.rows(x, "input_1")
        encoder = [input_row("input_1", x), *rows]
        encoder += [layer_row(name, layer, "linear", layer(h), "dense_1")
                    for name, layer in (("mean", self.mean), ("variance", self.variance))]
        z = torch.zeros(1, self.latent)
        return {"Encoder": encoder,
                "Decoder": [input_row("input_2", z), *self.decoder.rows(z, "input_2")[0]]}


def vae_loss(recon, kx, mu, logvar, kl_weight: float):
    """Per-sample means over the batch: (loss, reconstruction, kl). reconstruction is the summed
    squared error over the pixels (MSE × pixels, the Keras VAE convention), kl the KL divergence
    of N(mu, exp(logvar)) from N(0, 1); loss = reconstruction + kl_weight · kl."""
    reconstruction = (recon - kx).pow(2).flatten(1).sum(1).mean()
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1).mean()
    return reconstruction + kl_weight * kl, reconstruction, kl
