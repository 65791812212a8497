"""The Python API: one call per `invmag` command, for notebooks and scripts. Every command
parses its options, makes its call here and prints what it returns.

    import invmag
    invmag.generate(config="quick")                        # runs/quick/: structures, labels
    invmag.train("runs/quick")                             # surrogate.pt, metrics.json, plots/
    curve = invmag.simulate(phi)                           # one structure or a batch
    run = invmag.open_run("runs/quick")                    # a trained run
    run.predict(phi[None])                                 # (1, 6) anchors
    d = invmag.optimize("runs/quick", target={"hc": 0.3})  # written to designs/<id>/
    v = invmag.verify("runs/quick", d.id)                  # simulated again
    r = invmag.recipe("runs/quick", target={"hc": 0.4})    # grain size and texture, recipes/<id>/
    v = invmag.verify("runs/quick", recipe_id=r.id)        # fresh realizations simulated

A run is found by one rule (resolve_run): `config` is an embedded name ('quick', 'paper'), a
TOML path or a Config; without it a call takes the config.toml of its run folder (`run`,
default runs/quick) when there is one, else the embedded quick config. `run` defaults to
runs/<config name>. `device`: a torch device, default the config's solver.device.

Structures are phi[iy, ix] arrays (rad, easy axis from +y towards +x) or files (.npy, OVF);
anchors are (N, 6) arrays in the order of invmag.ANCHORS, in reduced units (Ms, H_A).
"""

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np


def resolve_run(config=None, run=None, device=None):
    """(Config, run folder) by the rule of the module docstring, the solver on `device`."""
    from .config import Config, load_config
    from .data.run_folder import run_config
    from .runtime import solver_device

    if isinstance(config, Config) or config:
        cfg = config if isinstance(config, Config) else load_config(str(config))
        run = Path(run) if run else Path("runs") / cfg.name
    else:
        run = Path(run) if run else Path("runs") / "quick"
        cfg = run_config(run) or load_config("quick")
    cfg = replace(cfg, solver_device=str(device or cfg.solver_device))
    solver_device(cfg.solver_device)  # an unknown device, or CUDA torch does not see, fails here
    return cfg, run


def structure(source, cfg, shape=None, cell_size=None) -> np.ndarray:
    """A structure phi (ny, nx) rad from an array or a file (.npy, OVF; cell_size nm checked
    against an OVF file's, default the config's)."""
    from .data.structures import load_structure, validate_structure

    if isinstance(source, (str, Path)):
        return load_structure(source, shape, cell_size or cfg.grid.cell_size)
    return validate_structure(source)


@dataclass
class Run:
    """A trained run: its folder, config and surrogate (VAE + regressor)."""

    path: Path
    config: object
    surrogate: object

    def predict(self, phi) -> np.ndarray:
        """Anchors (N, 6) predicted for structures (N, ny, nx) rad of the run's grid."""
        return self.surrogate.predict_structures(np.asarray(phi))


def open_run(run=None, config=None, device=None) -> Run:
    """The trained run (its config.toml and surrogate.pt), model and solver on device."""
    from .models.surrogate import load_surrogate
    from .runtime import solver_device

    cfg, path = resolve_run(config, run, device)
    return Run(path, cfg, load_surrogate(path, cfg, solver_device(cfg.solver_device)))


@dataclass
class Info:
    """A config and its untrained VAE and regressor (layer tables: model.tables())."""

    config: object
    vae: object
    regressor: object


def info(config=None, run=None) -> Info:
    """A config's models, built but not trained (paper Tables 1–2)."""
    from .models.surrogate import build_regressor, build_vae

    cfg, _ = resolve_run(config, run)
    return Info(cfg, build_vae(cfg), build_regressor(cfg))


def generate(config=None, run=None, labelled: int | None = None,
             unlabelled: int | None = None, workers: int | None = None,
             scheduler: str | None = None, force: bool = False, device=None, progress=None):
    """Structures and labelled curves of a run (resumable; invmag.data.generate), then
    plots/labels.png. workers: local processes (default one per core, 1 on a GPU);
    scheduler: a Dask address; force: replace a run of another config and its data.
    progress: callable(stage, completed, total). Returns the Summary (its `labels`)."""
    from .data.generate import generate as make_data
    from .data.parallel import default_workers

    cfg, path = resolve_run(config, run, device)
    if workers is None:
        workers = 1 if scheduler else default_workers(cfg.solver_device)
    return make_data(cfg, path, labelled, unlabelled, force, force, workers, scheduler,
                     progress or (lambda *a: None))


def train(config=None, run=None, device=None, force: bool = False, hold_out=(),
          progress=None) -> dict:
    """Train a run's VAE and cross-validated regressor (invmag.models.train); hold_out: boxes
    of labels left out, as dicts or text 'hc=0.24:0.30,mr=0.40:0.55'. Returns the metrics."""
    from .data.holdout import parse_box
    from .models.train import train_run
    from .runtime import solver_device

    boxes = [parse_box(b) if isinstance(b, str) else b for b in hold_out]
    cfg, path = resolve_run(config, run, device)
    return train_run(cfg, path, solver_device(cfg.solver_device), force,
                     progress or (lambda *a, **k: None), boxes)


def simulate(phi_or_file, config=None, fast: bool | None = None, cell_size: float | None = None,
             device=None, progress=None, states: bool = False, out=None, plot=None,
             states_file=None, every_step: bool = False, merit=None, demag: float = 0.0,
             temperature: float | None = None, cells=None):
    """Curves of a structure (ny, nx) or a batch (N, ny, nx) (rad, or a file: .npy, OVF, .npz
    with per-cell material) under a config's material, cell size (nm; `cell_size` overrides
    it), thickness and solver settings, including its protocol (`fast` overrides
    solver.fast), at `temperature` K (default 300; the material follows
    invmag.physics.temperature). cells: per-cell material at 300 K (Cells) for an array.
    progress: callable(n_fields) per accepted field step; states: keep the magnetization.
    Returns the Curve (invmag.physics.simulation): M in the main phase's Ms(T), H in its
    H_A(T) (Curve.materials). The files asked for are written for the first structure
    (invmag.data.curve_files: out CSV with SI columns, plot PNG, states_file HDF5, merit CSV
    at demagnetizing factor demag); Curve.files lists them."""
    from .data.curve_files import write_curve_files
    from .data.microstructure import material_cells, microstructure
    from .physics.simulation import simulate_curves
    from .physics.temperature import NDFEB, T_ROOM

    cfg, _ = resolve_run(config, None, device)
    T = float(NDFEB.check(T_ROOM if temperature is None else temperature))
    phi, cells = microstructure(phi_or_file, cfg, cell_size, cells)
    curve = simulate_curves(phi, cfg, fast, cell_size, progress=progress,
                            states=states or states_file is not None,
                            cells=material_cells(phi, cfg, cells, T))
    title = Path(phi_or_file).name if isinstance(phi_or_file, (str, Path)) else ""
    curve.files = write_curve_files(curve, phi[0], curve.materials[0], out, plot, states_file,
                                    every_step, merit, demag, title)
    return curve


def kronmuller(phi_or_file, temperatures, config=None, fast: bool | None = None,
               cell_size: float | None = None, device=None, progress=None, out=None,
               plot=None, cells=None):
    """One structure (array or file, as simulate's) simulated at each of `temperatures` (K) in
    one batch, and the Kronmüller fit µ0Hc(T) = α·µ0H_A(T) − N_eff·Js(T)
    (invmag.physics.kronmuller). out: CSV per temperature (anchors, µ0Hc, µ0H_A, Js); plot:
    PNG of Hc(T) and the Kronmüller plot. Returns (Curve, KronmullerFit); Curve.files."""
    from .data.curve_files import write_sweep_files
    from .data.microstructure import material_cells, microstructure
    from .physics.kronmuller import kronmuller_fit
    from .physics.material import MU0
    from .physics.simulation import simulate_curves
    from .physics.temperature import NDFEB

    cfg, _ = resolve_run(config, None, device)
    T = NDFEB.check(temperatures, name="temperatures")
    phi, cells = microstructure(phi_or_file, cfg, cell_size, cells)
    phi = np.repeat(phi[:1], len(T), 0)
    curve = simulate_curves(phi, cfg, fast, cell_size, progress=progress,
                            cells=material_cells(phi, cfg, cells, T))
    ha = np.array([MU0 * m.HA for m in curve.materials])
    js = np.array([m.Js for m in curve.materials])
    fit = kronmuller_fit(T, curve.anchors[:, 5] * ha, ha, js)
    curve.files = write_sweep_files(curve, fit, out, plot)
    return curve, fit


def _without_phases(cfg, command: str):
    """ValueError for a run whose model learns a boundary phase or a temperature: `command`
    does not take them yet (recipe, verify and train do)."""
    from .data.boundary import has_phases

    if has_phases(cfg):
        raise ValueError(f"run {cfg.name!r} learns a grain-boundary phase and the temperature, "
                         f"which `invmag {command}` does not take yet; `invmag recipe "
                         "--temperature` designs with them")


def predict(phi_or_file, config=None, run=None, device=None, plot=None, merit=None,
            demag: float = 0.0):
    """Anchors a trained run predicts for one structure (array or file), no simulation:
    (anchors (6,), figures of merit (6,) at demag, anchors outside the training labels'
    range, files written: plot PNG, merit CSV)."""
    from .data.curve_files import write_prediction_files
    from .physics.merit import predicted_figures

    r = open_run(run, config, device)
    _without_phases(r.config, "predict")
    title = Path(phi_or_file).name if isinstance(phi_or_file, (str, Path)) else ""
    phi = structure(phi_or_file, r.config, r.surrogate.grid)
    values = r.predict(phi[None])[0]
    figures = predicted_figures(values, r.config.material, demag)[0]
    files = write_prediction_files(phi, values, figures, plot, merit, title)
    return values, figures, r.surrogate.outside_range(values), files


def morph(a, b, steps: int = 6, out=None, config=None, run=None, device=None):
    """Latent interpolation between structures a and b (arrays or files; paper 4.2): the
    Morph, with its PNG strip `out` (default <run>/plots/morph_<a>_<b>.png, morph.png for
    arrays) and the CSV beside it (Morph.files)."""
    from .models.morph import morph as interpolate, write_morph

    r = open_run(run, config, device)
    _without_phases(r.config, "morph")
    result = interpolate(r.surrogate, *(structure(s, r.config, r.surrogate.grid)
                                        for s in (a, b)), steps)
    files = all(isinstance(s, (str, Path)) for s in (a, b))
    name = f"morph_{Path(a).stem}_{Path(b).stem}.png" if files else "morph.png"
    result.files = write_morph(result, out or r.path / "plots" / name)
    return result


def optimize(run=None, target: dict | None = None, minimum: dict | None = None,
             maximum: dict | None = None, maximize=(), minimize=(), weights=(),
             units: str = "reduced", device=None, learn: int = 0, progress=None,
             simulated=None, trained=None, warn=None, config=None,
             temperature: float | None = None, **settings):
    """Designs for a goal in a trained run (see docs/design.md) at `temperature` K (default
    300; a real magnet's run: any in its trained range, the boundary phase's thickness and Js
    designed with the grain axes), written to its next designs/<id>/ folder; returns the
    Design. target, minimum, maximum: {anchor: value} in `units` ('reduced' or 'si', tesla,
    of the material at that temperature); maximize, minimize: anchor names; weights:
    'anchor=w'. settings: any field of invmag.design.Settings (default: the run config's
    [design]) and `simulations` (polish budget per design, 0: none). device, learn and the
    callbacks progress, simulated, trained, warn as invmag.design.loop.design."""
    from . import BadParameter
    from .data.boundary import has_phases
    from .design import loop
    from .design.optimize import Settings
    from .design.targets import parse_goal
    from .models.conditions import check_temperatures
    from .physics.temperature import T_ROOM, material_at

    cfg, path = resolve_run(config, run, device)
    T = T_ROOM if temperature is None else float(temperature)
    check_temperatures(cfg, T)
    goal = parse_goal(target or {}, minimum or {}, maximum or {}, weights, maximize, minimize,
                      units, material_at(T, cfg.material))
    chosen = Settings.from_config(cfg, goal, **settings)
    chosen.check()
    if learn < 0:
        raise BadParameter(f"{{}} must be ≥ 0, got {learn}", "learn")
    if learn and not chosen.polish:
        raise BadParameter("{} trains on the simulated designs: give {} > 0", "learn",
                           "simulations")
    if learn and has_phases(cfg):
        raise BadParameter("{} does not train a real magnet's model yet (run `invmag train` "
                           "on more labels instead)", "learn")
    return loop.design(cfg, path, goal, chosen, learn, progress, simulated, trained, warn, T)


def recipe(run=None, target: dict | None = None, minimum: dict | None = None,
           maximum: dict | None = None, maximize=(), minimize=(), weights=(),
           units: str = "reduced", yield_: float | None = None, max_std: dict | None = None,
           density=None, diameter=None, theta=None, thickness=None, boundary_js=None,
           temperature=None, device=None, progress=None, warn=None, config=None, **settings):
    """Recipes (grain density, maximum misorientation and, for a real magnet, the boundary
    phase's thickness and Js) for a goal on the statistics of their realizations in a trained
    run (docs/recipes.md), written to its next recipes/<id>/ folder;
    returns the RecipeSearch. target, minimum, maximum, maximize, minimize, weights, units as
    optimize's, targets on the mean; yield_: share of realizations that must meet every bound
    (default 0.9); max_std {anchor: value}: spread bounds; the recipe box: density (lo, hi)
    grains/µm² or diameter (lo, hi) nm, theta (lo, hi) rad, thickness (lo, hi) nm, boundary_js
    (lo, hi) T (default the generator's ranges). temperature: K, or text "T", "lo:hi" or
    "lo:hi:count": the goal must hold at every temperature (SI values refer to the material
    at each); default 300 K.
    settings: fields of invmag.design.recipe.goal.RecipeSettings (seed: default the config's).
    progress, warn as make_recipes'."""
    from .design.recipe.goal import RecipeSettings, recipe_goal, recipe_temperatures
    from .design.recipe.make import make_recipes
    from .design.recipe.realizations import recipe_ranges
    from .physics.temperature import material_at

    cfg, path = resolve_run(config, run, device)
    temperatures = recipe_temperatures(cfg, temperature)
    goals = [recipe_goal(target or {}, minimum or {}, maximum or {}, weights, maximize,
                         minimize, units, material_at(T, cfg.material), yield_, max_std)
             for T in temperatures]
    settings = RecipeSettings(**{"seed": cfg.seed, **settings})
    ranges = recipe_ranges(cfg, density, diameter, theta, thickness, boundary_js)
    return make_recipes(cfg, path, goals, temperatures, settings, ranges, progress, warn)


def verify(run=None, design_id: str | None = None, top: int | None = None,
           window: float | None = None, device=None, progress=None,
           recipe_id: str | None = None, realizations: int = 128, rank: int = 1,
           config=None):
    """Simulate a design folder's designs again (design_id; top: how many, default all;
    window: default the design's) or `realizations` fresh realizations of recipe `rank` of a
    recipe folder (recipe_id); with neither id the run's newest design or recipe. Writes
    verify.* files into the folder (Verification.files). Returns the Verification or
    RecipeVerification. progress: callable(n_fields, total_fields) as field steps complete."""
    from . import BadParameter
    from .design.loop import verify_design
    from .design.recipe.make import verify_recipe
    from .design.recipe.recipe_folder import newest

    if design_id and recipe_id:
        raise BadParameter("give {} or {}, not both", "design", "recipe")
    cfg, path = resolve_run(config, run, device)
    if not design_id and not recipe_id:
        kind, found = newest(path)
        design_id, recipe_id = (found.name, None) if kind == "design" else (None, found.name)
    if recipe_id:
        return verify_recipe(cfg, path, recipe_id, rank, realizations, progress)
    return verify_design(cfg, path, design_id, top, window, progress)


def export(source, out, config=None, run=None) -> list[Path]:
    """Structures, designs or states (a file or design folder) as OVF 2.0 or VTK files `out`
    on the config's grid; returns the paths written."""
    from .data.export import export as write

    grid = resolve_run(config, run)[0].grid
    return write(source, out, grid.cell_size * 1e-9, grid.thickness * 1e-9)
