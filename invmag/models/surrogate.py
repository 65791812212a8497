"""A trained surrogate: VAE + regressor ensemble + anchor normalization + the config they were
trained with, saved as one file (surrogate.pt) of state dicts, arrays and the config's TOML
text."""

from pathlib import Path
import pickle

import numpy as np
import torch

from .. import ANCHORS, BadParameter
from ..files import replacing
from ..config import Config, parse_config
from ..data.holdout import describe, parse_box
from ..data.run_folder import config_changes
from ..data.structures import phi_from_kx
from ..physics.anchors import ordered
from .conditions import condition_names, image_channels, image_layers, inputs, structure_images
from .regressor import Ensemble, Regressor
from .vae import VAE

FORMAT = 2  # 2: the regressor is an ensemble (1: one regressor)
BATCH = 256  # samples per forward pass when encoding or decoding many
UNTRACKED = ("name", "design.")  # keys that do not change what a model predicts


def seeded(seed: int, build):
    """build() with torch's global RNG seeded (initial weights), leaving the RNG as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def build_vae(cfg: Config) -> VAE:
    return VAE(cfg.grid.ny, cfg.grid.nx, cfg.vae.latent, cfg.vae.dense, cfg.vae.channels,
               image_channels(cfg), image_layers(cfg))


def build_regressor(cfg: Config) -> Regressor:
    return Regressor(cfg.vae.latent, cfg.regressor.shared, cfg.regressor.head,
                     conditions=len(condition_names(cfg)))


def build_ensemble(cfg: Config, members: int) -> Ensemble:
    return Ensemble([build_regressor(cfg) for _ in range(members)])


def _device_of(module) -> torch.device:
    return next(module.parameters()).device


MIRRORS = 4  # the identity, x → −x, y → −y and both (a half turn)


def mirror(x: torch.Tensor, which) -> torch.Tensor:
    """Mirror images of structure images x (B, C, ny, nx) (channel 0 kx = sin(phi), then the
    boundary cells) that have the same demagnetization curve: which (int or (B,) ints)
    0 = identity, 1 = x → −x, 2 = y → −y, 3 = both.

    With the field along y the energy and the protocol are invariant under a mirror
    across the field axis (m_x → −m_x) and across the axis normal to it (m_y → −m_y with H → −H
    and the start state reversed, which the global reversal m, H → −m, −H undoes). A mirror
    turns each easy axis to −phi, so kx → −kx (the boundary cells are only moved); the half
    turn keeps kx."""
    which = torch.as_tensor(which, device=x.device).expand(len(x)).view(-1, 1, 1, 1)
    x = torch.where((which == 1) | (which == 3), x.flip(-1), x)
    x = torch.where((which == 2) | (which == 3), x.flip(-2), x)
    sign = torch.ones(x.shape[1], device=x.device).view(1, -1, 1, 1)
    sign[:, 0] = -1
    return torch.where((which == 1) | (which == 2), x * sign, x)


@torch.no_grad()
def encode_mirrors(vae: VAE, samples, mirrors: bool) -> np.ndarray:
    """Latent means (C, N, latent) of Samples: of the structures alone (C = 1), or with mirrors
    of all four images (see mirror), the structures first (C = MIRRORS)."""
    vae.eval()
    x = torch.from_numpy(structure_images(samples, vae.layers))
    codes = []
    for which in range(MIRRORS if mirrors else 1):
        out = [vae.encode(mirror(x[i:i + BATCH].to(_device_of(vae)), which))[0].cpu()
               for i in range(0, len(x), BATCH)]
        codes.append(torch.cat(out).numpy() if out else np.zeros((0, vae.latent), np.float32))
    return np.stack(codes)


@torch.no_grad()
def decode_images(vae: VAE, z) -> np.ndarray:
    """Structure images (N, C, ny, nx) float32 in [−1, 1] decoded from latent codes z
    (N, latent): kx and the cells of the VAE's layers (models.conditions)."""
    vae.eval()
    z = torch.as_tensor(np.asarray(z, np.float32))
    out = [vae.decode(z[i:i + BATCH].to(_device_of(vae))).cpu() for i in range(0, len(z), BATCH)]
    return (torch.cat(out).numpy() if out
            else np.zeros((0, vae.images, vae.ny, vae.nx), np.float32))


def decode(vae: VAE, z) -> np.ndarray:
    """Grain maps phi = arcsin(kx) (N, ny, nx) rad decoded from latent codes z (N, latent)."""
    return phi_from_kx(decode_images(vae, z)[:, 0]).astype(np.float32)


class Surrogate:
    """Anchors predicted from grain structures. regressor: the Ensemble of regressors whose mean
    predicts (y − y_mean) / y_std; y_mean, y_std (6,); label_min, label_max (6,): range of the
    training labels (Ms, H_A); hold_out: the boxes (data.holdout) whose labels it was trained
    without."""

    def __init__(self, config: Config, vae: VAE, regressor: Ensemble, y_mean, y_std,
                 label_min, label_max, hold_out=()):
        self.config, self.vae, self.regressor = config, vae, regressor
        self.hold_out = tuple(hold_out)
        self.device = _device_of(vae)
        self.y_mean, self.y_std, self.label_min, self.label_max = (
            np.asarray(a, np.float64) for a in (y_mean, y_std, label_min, label_max))

    @property
    def grid(self) -> tuple[int, int]:
        """(ny, nx): the cells of the structures the model takes."""
        return self.config.grid.ny, self.config.grid.nx

    @property
    def conditions(self) -> list[str]:
        """The sample parameters the regressor takes besides the code (models.conditions)."""
        return condition_names(self.config)

    def encode(self, samples) -> np.ndarray:
        """Encoder means (N, latent) of Samples."""
        if samples.grid != self.grid:
            raise ValueError(f"the model takes structures of {self.grid[0]} × {self.grid[1]} "
                             f"cells (ny × nx), got {samples.grid[0]} × {samples.grid[1]}")
        return encode_mirrors(self.vae, samples, False)[0]

    def decode(self, z) -> np.ndarray:
        """Grain maps phi = arcsin(kx) (N, ny, nx) rad decoded from latent codes (N, latent)."""
        return decode(self.vae, z)

    @torch.no_grad()
    def _outputs(self, z, samples=None) -> torch.Tensor:
        """The members' normalized anchors (members, N, 6) for codes z (N, latent) of Samples
        (models.conditions; ignored by a model without conditions)."""
        self.regressor.eval()
        return self.regressor.outputs(torch.as_tensor(inputs(self.config, z, samples),
                                                      device=self.device))

    def _anchors(self, y: torch.Tensor) -> np.ndarray:
        """Normalized outputs (..., N, 6) -> anchors in curve order (Ms, H_A)."""
        return ordered(y.cpu().numpy().astype(np.float64) * self.y_std + self.y_mean)

    def predict(self, z, samples=None) -> np.ndarray:
        """Anchors (N, 6) in Ms and H_A units (of the main phase at the sample's temperature)
        predicted from latent codes (N, latent) and, for a real magnet, the Samples they stand
        for, in the order of a demagnetization curve (physics.anchors.ordered: 0 ≤ mr ≤ m1 ≤ 1,
        0 ≤ hk90 ≤ hk80 ≤ hk70 ≤ hc ≤ 1), which the regressor's six heads alone do not
        guarantee."""
        return self._anchors(self._outputs(z, samples).mean(0))

    def predict_members(self, z, samples=None) -> np.ndarray:
        """Each ensemble member's anchors (members, N, 6) (Ms, H_A) for codes z (N, latent),
        ordered as predict's; their mean is close to predict's (exactly, where no member needs
        ordering)."""
        return np.stack([self._anchors(y) for y in self._outputs(z, samples)])

    def predict_samples(self, samples) -> np.ndarray:
        """Anchors (N, 6) predicted for Samples: predict of their codes."""
        return self.predict(self.encode(samples), samples)

    def outside_range(self, values) -> list[str]:
        """Names of the anchors in values (6,) outside the range of the training labels."""
        return [a for a, v, lo, hi in zip(ANCHORS, values, self.label_min, self.label_max)
                if not lo <= v <= hi]

    def save(self, path):
        """Write the model file atomically (temporary file, then rename)."""
        path = Path(path)
        state = {"format": FORMAT, "anchors": list(ANCHORS), "config": self.config.to_toml(),
                 "hold_out": [describe(box) for box in self.hold_out],
                 "members": len(self.regressor.members), "vae": self.vae.state_dict(),
                 "regressor": self.regressor.state_dict(),
                 **{k: torch.from_numpy(getattr(self, k))
                    for k in ("y_mean", "y_std", "label_min", "label_max")}}
        with replacing(path) as tmp:
            torch.save(state, tmp)

    @classmethod
    def load(cls, path, device="cpu") -> "Surrogate":
        """Read a model file (torch.load with weights_only=True: tensors and plain data only);
        ValueError naming the file when it is unreadable, of another format or incomplete."""
        retrain = "`invmag train --force` trains a new one"
        try:
            state = torch.load(path, map_location=device, weights_only=True)
        except (OSError, EOFError, RuntimeError, pickle.UnpicklingError) as e:
            raise ValueError(f"{path} cannot be read: truncated or not a model file "
                             f"({type(e).__name__}); {retrain}") from None
        found = state.get("format") if isinstance(state, dict) else None
        if found != FORMAT or tuple(state.get("anchors", ())) != ANCHORS:
            raise ValueError(f"{path} is not a model file of format {FORMAT} (found {found}): "
                             f"written by another invmag version; {retrain}")
        cfg = parse_config(state.get("config", ""), f"{path} (config)")
        try:
            vae = build_vae(cfg).to(device)
            regressor = build_ensemble(cfg, int(state["members"])).to(device)
            vae.load_state_dict(state["vae"])
            regressor.load_state_dict(state["regressor"])
            arrays = [state[k].numpy() for k in ("y_mean", "y_std", "label_min", "label_max")]
            hold_out = [parse_box(text) for text in state.get("hold_out", [])]
        except (KeyError, RuntimeError, ValueError) as e:
            raise ValueError(f"{path} is an incomplete model file ({_first_line(e)}); "
                             f"{retrain}") from None
        return cls(cfg, vae, regressor, *arrays, hold_out)


def _first_line(error: BaseException) -> str:
    return (str(error).strip() or type(error).__name__).splitlines()[0]


def model_changes(trained: Config, cfg: Config) -> list[str]:
    """Config keys that differ in a way that changes the model ('key: old → new')."""
    return [c for c in config_changes(trained, cfg) if not c.startswith(UNTRACKED)]


def load_surrogate(run_dir, config: Config | None = None, device="cpu") -> Surrogate:
    """The trained model of a run; ValueError when there is none or, given `config`, when it
    was trained with a different one."""
    run = Path(run_dir)
    path = run / "surrogate.pt"
    if not path.is_file():
        raise ValueError(f"run {run} has no trained model (run `invmag train` first)")
    surrogate = Surrogate.load(path, device)
    changes = model_changes(surrogate.config, config) if config is not None else []
    if changes:
        shown = "; ".join(changes[:3]) + ("; …" if len(changes) > 3 else "")
        raise BadParameter(f"the model of run {run} was trained with a different config "
                           f"({shown}); pass {{}} {run / 'config.toml'}", 'config')
    return surrogate
