"""The Python API: the calls the `invmag` commands make, for notebooks and scripts.

    import invmag
    curve = invmag.simulate(phi)                           # one structure or a batch
    run = invmag.open_run("runs/quick")                    # a trained run
    run.predict(phi[None])                                 # (1, 6) anchors
    d = invmag.optimize("runs/quick", target={"hc": 0.3})  # written to designs/<id>/
    v = invmag.verify("runs/quick", d.id)                  # simulated again
    r = invmag.recipe("runs/quick", target={"hc": 0.4})    # grain size and texture, recipes/<id>/
    v = invmag.verify("runs/quick", recipe_id=r.id)        # fresh realizations simulated

Structures are phi[iy, ix] arrays (rad, easy axis from +y towards +x); anchors are (N, 6) arrays
in the order of invmag.ANCHORS, in reduced units (Ms, H_A).
"""

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np


@dataclass
class Curve:
    """Demagnetization curves of N structures: H (n,) in H_A (+1 → −1), M (N, n) in Ms (NaN
    where not computed), anchors (N, 6), converged (N,), flagged (N,) an anchor is missing,
    iterations (N,); states (N, n, ny, nx) the magnetization angles (rad) at each computed field
    when asked for, else None."""

    H: np.ndarray
    M: np.ndarray
    anchors: np.ndarray
    converged: np.ndarray
    flagged: np.ndarray
    iterations: np.ndarray
    states: np.ndarray | None = None


def _config(name_or_path):
    """A Config: an embedded name ('quick', 'paper'), a TOML path, or a Config itself."""
    from .config import Config, load_config

    return name_or_path if isinstance(name_or_path, Config) else load_config(str(name_or_path))


def simulate(phi, config="quick", fast: bool | None = None, cell_size: float | None = None,
             device=None, progress=None, states: bool = False) -> Curve:
    """Curves of a structure (ny, nx) or a batch (N, ny, nx) (rad) under a config's material,
    cell size (nm; `cell_size` overrides it), thickness and solver settings, including its
    protocol (solver.fast; `fast` overrides it). device: default the config's solver.device.
    progress: callable(n_fields) per accepted field step; states: keep the magnetization."""
    from .runtime import one_thread, solver_device
    from .data.structures import validate_structure
    from .physics.anchors import anchors
    from .physics.curve import CurveSolver

    cfg = _config(config)
    phi = np.asarray(phi)
    batch = np.stack([validate_structure(p) for p in (phi if phi.ndim == 3 else phi[None])])
    if cell_size is not None and not cell_size > 0:
        raise ValueError(f"the cell size must be positive, got {cell_size} nm")
    settings = cfg.solver if fast is None else replace(cfg.solver, fast=fast)
    ny, nx = batch.shape[1:]
    solver = CurveSolver(cfg.material, nx, ny, (cell_size or cfg.grid.cell_size) * 1e-9,
                         cfg.grid.thickness * 1e-9, settings,
                         solver_device(str(device or cfg.solver_device)))
    with one_thread():  # small FFTs: several threads run slower, much slower on a busy CPU
        curves = solver.run(batch, progress=progress, states=states)
    values, flagged = anchors(curves.H, curves.M)
    return Curve(curves.H, curves.M, values, curves.converged, flagged, curves.iterations,
                 curves.states)


@dataclass
class Run:
    """A trained run: its folder, config and surrogate (VAE + regressor)."""

    path: Path
    config: object
    surrogate: object

    def predict(self, phi) -> np.ndarray:
        """Anchors (N, 6) predicted for structures (N, ny, nx) rad of the run's grid."""
        return self.surrogate.predict_structures(np.asarray(phi))


def open_run(run, device=None) -> Run:
    """The trained run in folder `run` (its config.toml and surrogate.pt); device of the model
    and of its solver (default: the config's solver.device)."""
    from .design.loop import open_run as load

    cfg, surrogate = load(run, device)
    return Run(Path(run), cfg, surrogate)


def optimize(run, target: dict | None = None, minimum: dict | None = None,
           maximum: dict | None = None, maximize=(), minimize=(), weights=(),
           units: str = "reduced", device=None, learn: int = 0, progress=None, simulated=None,
           trained=None, warn=None, **settings):
    """Designs for a goal in a trained run (see docs/design.md), written to its next
    designs/<id>/ folder; returns the Design. target, minimum, maximum: {anchor: value} in
    `units` ('reduced' or 'si', tesla); maximize, minimize: anchor names; weights: 'anchor=w'.
    settings: any field of invmag.design.Settings (default: the run config's [design]) and
    `simulations` (polish budget per design, 0: none). device, learn and the callbacks progress,
    simulated, trained, warn as invmag.design.loop.design."""
    from .design import loop
    from .design.optimize import Settings
    from .design.targets import parse_goal

    cfg = loop.run_settings(run, device)
    goal = parse_goal(target or {}, minimum or {}, maximum or {}, weights, maximize, minimize,
                      units, cfg.material)
    return loop.design(run, goal, Settings.from_config(cfg, goal, **settings), device, learn,
                       progress, simulated, trained, warn)


def recipe(run, target: dict | None = None, minimum: dict | None = None,
           maximum: dict | None = None, maximize=(), minimize=(), weights=(),
           units: str = "reduced", yield_: float | None = None, max_std: dict | None = None,
           density=None, diameter=None, theta=None, device=None, progress=None, warn=None,
           **settings):
    """Recipes (grain density, maximum misorientation) for a goal on the statistics of their
    realizations in a trained run (docs/recipes.md), written to its next recipes/<id>/ folder;
    returns the RecipeSearch. target, minimum, maximum, maximize, minimize, weights, units as
    optimize's, targets on the mean; yield_: share of realizations that must meet every bound
    (default 0.9); max_std {anchor: value}: spread bounds; the recipe box: density (lo, hi)
    grains/µm² or diameter (lo, hi) nm, theta (lo, hi) rad (default the generator's ranges).
    settings: fields of invmag.design.recipe.stats.RecipeSettings. progress, warn as
    make_recipes'."""
    from .design.loop import run_settings
    from .design.recipe.goal import RecipeSettings, recipe_goal
    from .design.recipe.realizations import recipe_ranges
    from .design.recipe.make import make_recipes

    cfg = run_settings(run, device)
    goal = recipe_goal(target or {}, minimum or {}, maximum or {}, weights, maximize, minimize,
                       units, cfg.material, yield_, max_std)
    return make_recipes(run, goal, RecipeSettings(**settings),
                        recipe_ranges(cfg, density, diameter, theta), device, progress, warn)


def verify(run, design_id: str | None = None, top: int | None = None,
           window: float | None = None, device=None, progress=None,
           recipe_id: str | None = None, realizations: int = 128):
    """Simulate a design folder's designs again (design_id; top: how many, default all;
    window: default the design's) or `realizations` fresh realizations of the best recipe of a
    recipe folder (recipe_id); with neither id the run's newest design or recipe. Writes
    verify.* files into the folder. Returns the Verification or RecipeVerification."""
    from .design.loop import verify_design
    from .design.recipe.recipe_folder import newest
    from .design.recipe.make import verify_recipe

    if design_id is None and recipe_id is None:
        kind, path = newest(run)
        design_id, recipe_id = (path.name, None) if kind == "design" else (None, path.name)
    if recipe_id is not None:
        return verify_recipe(run, recipe_id, count=realizations, device=device,
                             progress=progress)[0]
    return verify_design(run, design_id, top, window, device, progress)[0]
