"""The design loop of a run (invmag.optimize and invmag.verify call these):

>>> import invmag
>>> from invmag.design.loop import design, verify_design
>>> from invmag.design.optimize import Settings
>>> from invmag.design.targets import parse_goal
>>> goal = parse_goal({"hc": 0.3}, {}, {})
>>> goal.summary()
'hc=0.300'
>>> settings = Settings("ga", 64, 40, seed=0, bound=3.0)

and on a trained run (minutes to make, so not run here):

    cfg, run = invmag.api.resolve_run(run="runs/quick")
    d = design(cfg, run, goal, settings)
    v = verify_design(cfg, run, d.id)

`design` looks into the run's data first (labels.h5 and verified.h5, without the labels its
model holds out), draws and ranks a pool of generator structures, searches the latent space,
screens and polishes the starts by simulation, writes the design folder and adds every structure
it simulated to the run's verified.h5; with `learn` the regressor is then trained further on the
labels plus verified.h5 and kept as the run's model, so the next search starts from a surrogate
that has seen these designs. `verify_design` simulates the designs of a folder again, from the
files.
"""

from pathlib import Path

from ..data.labels import simulate_samples
from ..physics.temperature import T_ROOM
from .design_folder import find_design, new_design_dir, read_design, write_design
from .learn import add_verified, retrain
from .optimize import Settings, find_designs
from .sources import known_structures
from .targets import Goal, extrapolation
from .verify import Verification, simulate_designs, write_verification


def design(cfg, run, goal: Goal, settings: Settings, learn: int = 0, progress=None,
           simulated=None, trained=None, warn=None, temperature: float = T_ROOM):
    """Design for goal at `temperature` K in the trained run folder `run` of config cfg (model
    and solver on cfg.solver_device): returns the Design, written to the run's next design
    folder with its figures. The data-first route takes the run's structures simulated at that
    temperature (sources.known_structures). progress: callable(generation, best F) of the latent search; simulated:
    callable(n) per batch of simulations. Every simulated structure joins verified.h5;
    learn > 0: then train the regressor that many epochs further on the labels and
    verified.h5 (trained: callable(epoch, epochs, loss)) and save it as the run's model.
    warn: callable(text) for each target the model must extrapolate to."""
    from ..models.surrogate import load_surrogate
    from ..runtime import solver_device

    surrogate = load_surrogate(run, cfg, solver_device(cfg.solver_device))
    for text in extrapolation(goal, surrogate.label_min, surrogate.label_max):
        (warn or print)(text)
    known = known_structures(run, surrogate.grid, surrogate.hold_out, temperature)
    d = find_designs(surrogate, goal, settings,
                 lambda samples: simulate_samples(samples, cfg), progress,
                 simulated, known, cfg, temperature)
    d.meta["learned"] = add_verified(run, cfg, d.evaluated) if d.evaluated else 0
    write_design(new_design_dir(run), d)
    write_design_figures(d)
    if learn:
        retrain(surrogate, run, learn, settings.seed, trained)
    return d


def write_design_figures(d):
    """candidates.png, convergence.png when a latent search ran (and pareto.png for several
    objectives) into the design's folder."""
    from ..plots import save_figure
    from .plots import candidates_figure, convergence_figure, pareto_figure

    figures = {"candidates.png": candidates_figure(d)}
    if d.history:  # a latent search ran
        figures["convergence.png"] = convergence_figure(d)
    if d.goal.multi:
        figures["pareto.png"] = pareto_figure(d)
    for name, fig in figures.items():
        save_figure(fig, Path(d.path) / name)


def verify_design(cfg, run, design_id: str | None = None, top: int | None = None,
                  window: float | None = None, progress=None) -> Verification:
    """Simulate the top designs of a design folder of the run (default: the latest, all of its
    designs, the design's own hit window) under cfg; writes verify.csv, verify.h5 and one PNG
    per design (Verification.files)."""
    d = read_design(find_design(run, design_id))
    window = d.meta.get("window", 0.02) if window is None else window
    v = simulate_designs(cfg, d, len(d.z) if top is None else top, window, progress)
    v.files = write_verification(d.path, v)
    return v
