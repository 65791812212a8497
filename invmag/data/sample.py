"""Magnet samples: the one value that every path takes and returns (docs/conventions.md).

A batch of N samples holds
- the grain map: the easy axes phi (N, ny, nx) rad (from +y towards +x);
- its regions: named cell sets with a material of their own: the grain-boundary phase
  ("boundary": the cells within thickness/2 of a Voronoi edge, data.boundary) and the grains'
  surface shell ("shell": their cells within the shell thickness of the boundary, data.shell);
- each region's material parameters: its thickness (N,) nm, Js (N,) T and, for the shell, K1
  (N,) J/m³ at 300 K; the rest follows from the config (data.boundary, data.shell);
- the temperature (N,) K;
- optionally per-cell material at 300 K given by hand (an .npz microstructure, data.microstructure),
  which then replaces the config's.

`cells(cfg)` gives the per-cell material (physics.material.Cells, SI, at each sample's T) that
the engine takes. Samples batch (take, join, at) and are read from and written to HDF5 in one
place (columns, read_samples): a file keeps phi, phase (N, 3) = PHASE and boundary (N, ny, nx),
the layout of every labels.h5, verified.h5 and design.h5 written so far; a config with a
[shell] section adds shell (N, ny, nx) bool and shell_phase (N, 3) = SHELL_PHASE.
"""

from dataclasses import dataclass, field, replace

import numpy as np

from ..physics.material import Cells
from ..physics.temperature import NDFEB, T_ROOM, cells_at

PHASE = ("boundary_thickness_nm", "boundary_Js_T", "temperature_K")  # HDF5 `phase` columns
SHELL_PHASE = ("shell_thickness_nm", "shell_Js_T", "shell_K1_J_per_m3")  # `shell_phase` columns
BOUNDARY = "boundary"  # the grain-boundary phase's region
SHELL = "shell"  # the grains' surface shell's region


@dataclass(frozen=True)
class Region:
    """Cells of N samples with a material of their own: mask (N, ny, nx) bool; thickness (N,)
    nm of the band (0: no cells); Js (N,) T at 300 K (NaN: none drawn); K1 (N,) J/m³ at 300 K,
    or None where the config gives it (the boundary's)."""

    mask: np.ndarray
    thickness: np.ndarray
    Js: np.ndarray
    K1: np.ndarray | None = None

    def take(self, rows) -> "Region":
        return Region(self.mask[rows], self.thickness[rows], self.Js[rows],
                      None if self.K1 is None else self.K1[rows])

    @classmethod
    def join(cls, parts: list["Region"]) -> "Region":
        """The regions of `parts` one after the other."""
        return cls(*(None if getattr(parts[0], f) is None else
                     np.concatenate([getattr(p, f) for p in parts])
                     for f in ("mask", "thickness", "Js", "K1")))


@dataclass(frozen=True)
class Samples:
    """N magnet samples (module docstring): phi (N, ny, nx) float32 rad, temperature (N,) K,
    regions {name: Region}, cells: per-cell material at 300 K given by hand (Cells) or None."""

    phi: np.ndarray
    temperature: np.ndarray
    regions: dict = field(default_factory=dict)
    cells: Cells | None = None

    def __post_init__(self):
        phi = np.asarray(self.phi, np.float32)
        phi = phi[None] if phi.ndim == 2 else phi
        if phi.ndim != 3:
            raise ValueError(f"grain maps must have the shape (N, ny, nx), got {phi.shape}")
        T = np.broadcast_to(np.asarray(self.temperature, float), len(phi)).copy()
        object.__setattr__(self, "phi", phi)
        object.__setattr__(self, "temperature", T)
        for name, r in self.regions.items():
            if np.shape(r.mask) != phi.shape or np.shape(r.thickness) != (len(phi),):
                raise ValueError(f"region {name!r}: mask {np.shape(r.mask)} and thickness "
                                 f"{np.shape(r.thickness)} must fit grain maps {phi.shape}")

    @classmethod
    def plain(cls, phi, temperature=T_ROOM) -> "Samples":
        """Samples of one material (the config's) at temperature (K, scalar or (N,))."""
        return cls(phi, temperature)

    def __len__(self) -> int:
        return len(self.phi)

    @property
    def grid(self) -> tuple[int, int]:
        """(ny, nx)."""
        return self.phi.shape[1:]

    @property
    def boundary(self) -> Region | None:
        """The grain-boundary phase, or None."""
        return self.regions.get(BOUNDARY)

    @property
    def shell(self) -> Region | None:
        """The grains' surface shell, or None."""
        return self.regions.get(SHELL)

    @property
    def mask(self) -> np.ndarray | None:
        """The boundary phase's cells (N, ny, nx) bool, or None."""
        return None if self.boundary is None else self.boundary.mask

    def take(self, rows) -> "Samples":
        """The samples `rows` (indices, a mask or a slice)."""
        return Samples(self.phi[rows], self.temperature[rows],
                       {k: r.take(rows) for k, r in self.regions.items()},
                       None if self.cells is None else self.cells.take(rows))

    @classmethod
    def join(cls, parts: list["Samples"]) -> "Samples":
        """The samples of `parts` one after the other (their regions must be the same names)."""
        first = parts[0]
        regions = {k: Region.join([p.regions[k] for p in parts]) for k in first.regions}
        cells = None if first.cells is None else Cells(*(
            np.concatenate([getattr(p.cells, f) for p in parts]) for f in ("Js", "A", "K1")))
        return cls(np.concatenate([p.phi for p in parts]),
                   np.concatenate([p.temperature for p in parts]), regions, cells)

    def empty(self) -> "Samples":
        """No samples, with these regions."""
        return self.take(slice(0, 0))

    def at(self, temperature) -> "Samples":
        """The same samples at temperature (K, scalar or (N,))."""
        return replace(self, temperature=temperature)

    def with_phi(self, phi) -> "Samples":
        """The same regions and temperatures with grain maps phi (N, ny, nx) rad."""
        return replace(self, phi=phi)

    def with_boundary_js(self, js) -> "Samples":
        """The same samples with the boundary phase's Js (N,) T at 300 K."""
        js = np.broadcast_to(np.asarray(js, float), len(self)).copy()
        return replace(self, regions={**self.regions, BOUNDARY: replace(self.boundary, Js=js)})

    @property
    def phase(self) -> np.ndarray:
        """(N, 3) = PHASE: boundary thickness nm (0 without one), its Js T (NaN), T K."""
        b = self.boundary
        if b is None:
            return np.c_[np.zeros(len(self)), np.full(len(self), np.nan), self.temperature]
        return np.c_[b.thickness, b.Js, self.temperature]

    @property
    def shell_phase(self) -> np.ndarray:
        """(N, 3) = SHELL_PHASE: shell thickness nm (0 without one), its Js T and K1 J/m³ at
        300 K (NaN)."""
        s = self.shell
        if s is None:
            return np.c_[np.zeros(len(self)), np.full((len(self), 2), np.nan)]
        return np.c_[s.thickness, s.Js, s.K1]

    def check(self, cfg) -> "Samples":
        """These samples, checked against a config: ValueError (one line) for a temperature
        outside the K1 law's range, boundary (shell) cells without a [boundary] ([shell])
        section, a boundary Js outside [0, material.Js] or a thickness not a multiple of the
        cell."""
        from .boundary import check_thickness

        for T in self.temperature:
            NDFEB.check(float(T), got=f"{T:g}")
        s = self.shell
        if s is not None and s.mask.any():
            if cfg.shell is None:
                raise ValueError("shell cells given, but the config has no [shell] section")
            for t in s.thickness:
                check_thickness(t, cfg.grid.cell_size, "shell")
        b = self.boundary
        if b is None or not b.mask.any():
            return self
        if cfg.boundary is None:
            raise ValueError("boundary cells given, but the config has no [boundary] section")
        for t, js, m in zip(b.thickness, b.Js, b.mask):
            if m.any():
                check_thickness(t, cfg.grid.cell_size)
                if not 0 <= js <= cfg.material.Js:
                    raise ValueError(f"boundary Js must lie in [0, {cfg.material.Js:g}] T (the "
                                     f"main phase's), got {js:g}")
        return self

    def material(self, cfg) -> Cells | None:
        """Per-cell material (SI) at each sample's temperature: the hand-given cells, else the
        config's main phase with each region's material in its cells (data.boundary), under the
        temperature law; None for the config's one material at 300 K (the engine's
        one-material path, exactly)."""
        from .boundary import boundary_cells, has_phases
        from .shell import shell_cells

        self.check(cfg)
        shell = self.shell is not None and self.shell.mask.any()
        plain = self.cells is None and not (self.boundary is not None and self.mask.any())
        if plain and not shell and not has_phases(cfg) and (self.temperature == T_ROOM).all():
            return None
        cells = self.cells or Cells.uniform(cfg.material, len(self), *self.grid)
        if self.boundary is not None and self.mask.any():
            cells = boundary_cells(cells, self.boundary, cfg)
        cells = cells_at(cells, self.temperature)
        return shell_cells(cells, self.shell, self.temperature, cfg) if shell else cells


def columns(samples: Samples, phases: bool = True, boundary: bool | None = None,
            shell: bool | None = None) -> dict:
    """The HDF5 columns of samples: phi; with phases (a file of a config with phases) phase
    (N, 3) = PHASE; with boundary the boundary cells (N, ny, nx) bool, with shell the shell
    cells (N, ny, nx) bool and shell_phase (N, 3) = SHELL_PHASE (None: where the samples have
    the region; a layout that asks for a region the samples lack gets no cells)."""
    boundary = samples.boundary is not None if boundary is None else boundary
    shell = samples.shell is not None if shell is None else shell
    out = {"phi": samples.phi}
    if phases:
        out["phase"] = samples.phase
    if boundary:
        out["boundary"] = _cells_of(samples.boundary, samples.phi.shape)
    if shell:
        out["shell"] = _cells_of(samples.shell, samples.phi.shape)
        out["shell_phase"] = samples.shell_phase
    return out


def _cells_of(region: Region | None, shape) -> np.ndarray:
    return np.zeros(shape, bool) if region is None else region.mask


def read_samples(f, rows=slice(None)) -> Samples:
    """The samples `rows` of an open HDF5 file or group (or a dict of arrays) with the columns
    of `columns` (from_columns)."""
    return from_columns(*(f[k][rows] if k in f else None
                          for k in ("phi", "phase", "boundary", "shell", "shell_phase")))


def from_columns(phi, phase=None, boundary=None, shell=None, shell_phase=None) -> Samples:
    """Samples of the columns of `columns`: grain maps phi (N, ny, nx) rad, phase (N, 3) = PHASE
    (None: at 300 K, no boundary), the boundary cells (N, ny, nx) bool (None: no boundary
    region), the shell cells (N, ny, nx) bool and shell_phase (N, 3) = SHELL_PHASE (None: no
    shell region)."""
    phi = np.asarray(phi, np.float32)
    phi = phi.reshape(-1, *phi.shape[-2:])
    if phase is None and shell is None:
        return Samples.plain(phi)
    phase = (np.c_[np.zeros(len(phi)), np.full(len(phi), np.nan), np.full(len(phi), T_ROOM)]
             if phase is None else np.asarray(phase, float).reshape(-1, 3))
    regions = {}
    if boundary is not None:
        regions[BOUNDARY] = Region(np.asarray(boundary, bool).reshape(phi.shape), phase[:, 0],
                                   phase[:, 1])
    if shell is not None:
        sp = np.asarray(shell_phase, float).reshape(-1, 3)
        regions[SHELL] = Region(np.asarray(shell, bool).reshape(phi.shape), *sp.T)
    return Samples(phi, phase[:, 2], regions)
