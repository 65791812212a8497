"""The Python API: one call per `invmag` command, for notebooks and scripts. Every command
parses its options, makes its call here and prints what it returns.

A simulation needs no run: one grain of 16 × 16 cells, easy axis along the field, its anchors
in Ms and H_A (a second on a CPU):

>>> import numpy as np, invmag
>>> curve = invmag.simulate(np.zeros((16, 16)), config="quick")  # one structure or a batch
>>> print(*(f"{a} {v:.1f}" for a, v in zip(invmag.ANCHORS, curve.anchors[0])))
m1 1.0 mr 1.0 hk90 0.8 hk80 0.8 hk70 0.8 hc 0.8

A run, from data to verified designs and recipes, call by call: README.md, "Python"
(generate, train, open_run, optimize, verify, recipe, calibrate; minutes on the quick config).

A run is found by one rule (resolve_run): `config` is an embedded name ('quick', 'paper'), a
TOML path or a Config; without it a call takes the config.toml of its run folder (`run`,
default runs/quick) when there is one, else the embedded quick config. `run` defaults to
runs/<config name>. `device`: a torch device, default the config's solver.device.

A magnet sample is one value, Samples (invmag.data.sample): its grain map phi[iy, ix] (rad, easy
axis from +y towards +x), its regions (the grain-boundary phase) and its temperature; calls take
Samples, grain-map arrays or files (.npy, OVF, .npz: `sample`). Anchors are (N, 6) arrays in the
order of invmag.ANCHORS, in reduced units (Ms, H_A) of the main phase at the sample's T.
"""

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

# The value of a magnet sample, and what the commands print and take as defaults:
from .api_tables import (anchors_si, curve_figures, design_figures, device_name, figure_rows,
                         label_figures, material_rows, recipe_tesla, thermal_hcj)
from .data.sample import Samples
from .design.optimize import CONSISTENCY, DISTINCT, DIVERSITY, HIT_WINDOW, POOL, PRIOR_QUANTILE
from .design.polish import PolishSettings
from .design.recipe.goal import RecipeSettings, temperature_label
from .design.recipe.stats import QUANTIFIED
from .design.report import nearest_miss, targeted
from .design.targets import QUANTITIES, UNITS
from .physics.merit import FIGURES, UNITS as FIGURE_UNITS
from .physics.temperature import T_ROOM, parse_temperatures

__all__ = ["Samples", "anchors_si", "curve_figures", "design_figures", "device_name",
           "figure_rows", "label_figures", "material_rows", "recipe_tesla", "thermal_hcj",
           "CONSISTENCY", "DISTINCT", "DIVERSITY", "HIT_WINDOW", "POOL", "PRIOR_QUANTILE", "PolishSettings",
           "RecipeSettings", "temperature_label", "QUANTIFIED", "nearest_miss", "targeted",
           "QUANTITIES", "UNITS", "FIGURES", "FIGURE_UNITS", "T_ROOM", "parse_temperatures",
           "resolve_run", "sample", "Run", "open_run", "Info", "info", "generate", "train",
           "simulate", "kronmuller", "Prediction", "predict", "morph", "optimize", "recipe",
           "verify", "export", "calibrate"]


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


def sample(source, cfg, temperature: float | None = None, shape=None, cell_size=None,
           cells=None):
    """The Samples (invmag.data.sample) of a grain map phi (ny, nx) or a batch (N, ny, nx)
    (rad), of Samples, or of a file (.npy, OVF, .npz with regions or per-cell material:
    invmag.data.microstructure), at `temperature` K (default 300; a Samples keeps its own).
    shape: (ny, nx) a file must have; cell_size: nm checked against an OVF file's (default the
    config's); cells: per-cell material at 300 K (Cells) for an array."""
    from .data.microstructure import microstructure

    if isinstance(source, Samples):
        return source if temperature is None else source.at(temperature)
    return microstructure(source, cfg, cell_size, cells, T_ROOM if temperature is None
                          else temperature, shape)


@dataclass
class Run:
    """A trained run: its folder, config and surrogate (VAE + regressor)."""

    path: Path
    config: object
    surrogate: object

    def predict(self, samples, temperature: float | None = None) -> np.ndarray:
        """Anchors (N, 6) predicted for Samples, or grain maps (N, ny, nx) rad of the run's
        grid at `temperature` K (default 300), no simulation."""
        return self.surrogate.predict_samples(sample(samples, self.config, temperature))


def open_run(run=None, config=None, device=None) -> Run:
    """The trained run (its config.toml and surrogate.pt), model and solver on device."""
    from .models.surrogate import load_surrogate
    from .runtime import solver_device

    cfg, path = resolve_run(config, run, device)
    return Run(path, cfg, load_surrogate(path, cfg, solver_device(cfg.solver_device)))


@dataclass
class Info:
    """A config, its untrained VAE and regressor (layer tables: model.tables()), their
    trainable parameters {"vae": n, "regressor": n}, the VAE's stride-2 levels and the
    material over temperature (material_rows)."""

    config: object
    vae: object
    regressor: object
    parameters: dict
    levels: int
    materials: list


def info(config=None, run=None) -> Info:
    """A config's models, built but not trained (paper Tables 1–2), and its material."""
    from .models.layers import n_params
    from .models.surrogate import build_regressor, build_vae
    from .models.vae import conv_levels

    cfg, _ = resolve_run(config, run)
    vae, regressor = build_vae(cfg), build_regressor(cfg)
    return Info(cfg, vae, regressor, {"vae": n_params(vae), "regressor": n_params(regressor)},
                conv_levels(cfg.grid.ny, cfg.grid.nx), material_rows(cfg))


def generate(config=None, run=None, labelled: int | None = None,
             unlabelled: int | None = None, workers: int | None = None,
             scheduler: str | None = None, force: bool = False, device=None, progress=None):
    """Structures and labelled curves of a run (resumable; invmag.data.generate), then
    plots/labels.png. workers: local processes (default one per core, 1 on a GPU);
    scheduler: a Dask address; force: replace a run of another config and its data.
    progress: callable(stage, completed, total). Returns the Summary (its `labels`)."""
    from .data.generate import generate_data
    from .data.parallel import default_workers

    cfg, path = resolve_run(config, run, device)
    if workers is None:
        workers = 1 if scheduler else default_workers(cfg.solver_device)
    return generate_data(cfg, path, labelled, unlabelled, force, force, workers, scheduler,
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
    Returns the SimulatedCurves (invmag.physics.simulation): M in the main phase's Ms(T), H in its
    H_A(T) (SimulatedCurves.materials). The files asked for are written for the first structure
    (invmag.data.curve_files: out CSV with SI columns, plot PNG, states_file HDF5, merit CSV
    at demagnetizing factor demag); SimulatedCurves.files lists them."""
    from .data.curve_files import write_curve_files
    from .physics.simulation import simulate_curves

    cfg, _ = resolve_run(config, None, device)
    samples = sample(phi_or_file, cfg, temperature, cell_size=cell_size, cells=cells)
    curve = simulate_curves(samples.phi, cfg, fast, cell_size, progress=progress,
                            states=states or states_file is not None,
                            cells=samples.material(cfg))
    title = Path(phi_or_file).name if isinstance(phi_or_file, (str, Path)) else ""
    curve.files = write_curve_files(curve, samples.phi[0], curve.materials[0], out, plot,
                                    states_file, every_step, merit, demag, title)
    return curve


def kronmuller(phi_or_file, temperatures, config=None, fast: bool | None = None,
               cell_size: float | None = None, device=None, progress=None, out=None,
               plot=None, cells=None):
    """One structure (array or file, as simulate's) simulated at each of `temperatures` (K) in
    one batch, and the Kronmüller fit µ0Hc(T) = α·µ0H_A(T) − N_eff·Js(T)
    (invmag.physics.kronmuller). out: CSV per temperature (anchors, µ0Hc, µ0H_A, Js); plot:
    PNG of Hc(T) and the Kronmüller plot. Returns (SimulatedCurves, KronmullerFit);
    SimulatedCurves.files."""
    from .data.curve_files import write_sweep_files
    from .physics.kronmuller import kronmuller_fit
    from .physics.material import MU0
    from .physics.simulation import simulate_curves
    from .physics.temperature import NDFEB

    cfg, _ = resolve_run(config, None, device)
    T = NDFEB.check(temperatures, name="temperatures")
    one = sample(phi_or_file, cfg, cell_size=cell_size, cells=cells).take([0])
    samples = one.take(np.zeros(len(T), int)).at(T)
    curve = simulate_curves(samples.phi, cfg, fast, cell_size, progress=progress,
                            cells=samples.material(cfg))
    ha = np.array([MU0 * m.HA for m in curve.materials])
    js = np.array([m.Js for m in curve.materials])
    fit = kronmuller_fit(T, curve.anchors[:, 5] * ha, ha, js)
    curve.files = write_sweep_files(curve, fit, out, plot)
    return curve, fit


def _run_sample(r: Run, source, temperature: float | None):
    """One sample of a trained run's grid (as sample's) at a temperature in its trained range."""
    from .models.conditions import check_temperatures

    T = T_ROOM if temperature is None else float(temperature)
    check_temperatures(r.config, T)
    samples = sample(source, r.config, T, r.surrogate.grid)
    if len(samples) != 1:
        raise ValueError(f"one structure expected, got {len(samples)}")
    return samples.check(r.config)


@dataclass
class Prediction:
    """A run's prediction for one sample: anchors (6,) (Ms, H_A of `material`), figures of
    merit (6,) at the demagnetizing factor asked, the anchors outside the training labels'
    range, the main phase's Material at the sample's temperature, files written."""

    anchors: np.ndarray
    figures: np.ndarray
    outside: list
    material: object
    files: dict


def predict(source, config=None, run=None, device=None, plot=None, merit=None,
            demag: float = 0.0, temperature: float | None = None) -> Prediction:
    """What a trained run predicts for one sample (grain map, Samples or file, as sample's) at
    `temperature` K (default 300; a real magnet's run: any in its trained range), no
    simulation; files: plot PNG, merit CSV."""
    from .data.curve_files import write_prediction_files
    from .physics.merit import predicted_figures
    from .physics.temperature import material_at

    r = open_run(run, config, device)
    one = _run_sample(r, source, temperature)
    title = Path(source).name if isinstance(source, (str, Path)) else ""
    values = r.predict(one)[0]
    material = material_at(float(one.temperature[0]), r.config.material)
    figures = predicted_figures(values, material, demag)[0]
    files = write_prediction_files(one.phi[0], values, figures, plot, merit, title)
    return Prediction(values, figures, r.surrogate.outside_range(values), material, files)


def morph(a, b, steps: int = 6, out=None, config=None, run=None, device=None,
          temperature: float | None = None):
    """Latent interpolation between samples a and b (grain maps, Samples or files; paper 4.2)
    at `temperature` K (default 300; a real magnet's boundary cells and Js interpolated with
    the code, invmag.models.morph): the Morph, with its PNG strip `out` (default
    <run>/plots/morph_<a>_<b>.png, morph.png for arrays) and the CSV beside it
    (Morph.files)."""
    from .models.morph import interpolate, write_morph

    r = open_run(run, config, device)
    result = interpolate(r.surrogate, *(_run_sample(r, s, temperature) for s in (a, b)), steps)
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
    of the material at that temperature; hc_th needs the config's [thermal] section);
    maximize, minimize: anchor names; weights: 'anchor=w'. settings: any field of
    invmag.design.Settings (default: the run config's [design]) and `simulations` (polish
    budget per design, 0: none). device, learn and the callbacks progress, simulated,
    trained, warn as invmag.design.loop.design."""
    from . import BadParameter
    from .design import loop
    from .design.optimize import Settings
    from .design.targets import parse_goal
    from .models.conditions import check_temperatures
    from .physics.temperature import material_at
    from .physics.thermal import thermal_shift

    cfg, path = resolve_run(config, run, device)
    T = T_ROOM if temperature is None else float(temperature)
    check_temperatures(cfg, T)
    material = material_at(T, cfg.material)
    goal = parse_goal(target or {}, minimum or {}, maximum or {}, weights, maximize, minimize,
                      units, material, hc_shift=thermal_shift(T, material, cfg.thermal))
    chosen = Settings.from_config(cfg, goal, **settings)
    chosen.check()
    if learn < 0:
        raise BadParameter(f"{{}} must be ≥ 0, got {learn}", "learn")
    if learn and not chosen.polish:
        raise BadParameter("{} trains on the simulated designs: give {} > 0", "learn",
                           "simulations")
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
    from .design.recipe.goal import recipe_goal, recipe_temperatures
    from .design.recipe.make import make_recipes
    from .design.recipe.realizations import recipe_ranges
    from .physics.temperature import material_at
    from .physics.thermal import thermal_shift

    cfg, path = resolve_run(config, run, device)
    temperatures = recipe_temperatures(cfg, temperature)
    materials = [material_at(T, cfg.material) for T in temperatures]
    goals = [recipe_goal(target or {}, minimum or {}, maximum or {}, weights, maximize,
                         minimize, units, m, yield_, max_std, thermal_shift(T, m, cfg.thermal))
             for T, m in zip(temperatures, materials)]
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
    from .data.export import write_fields

    grid = resolve_run(config, run)[0].grid
    return write_fields(source, out, grid.cell_size * 1e-9, grid.thickness * 1e-9)


def calibrate(measured=None, magnets=(), hold_out=(), config="bulk", out=None, device=None,
              advance=None):
    """The Calibration of a config on measured magnets (invmag.calibration.calibrate, whose
    arguments these are; docs/calibration.md), written to `out` (default
    runs/<config name>-calibration)."""
    from .calibration.calibrate import calibrate as run_calibration

    cfg, _ = resolve_run(config, None, device)
    return run_calibration(cfg, out, measured, tuple(magnets), tuple(hold_out), advance)
