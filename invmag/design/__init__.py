"""Inverse design (paper section 5): search the VAE's latent space with pymoo for target anchors,
using the regressor as forward model, sharpen the decoded codes into grain structures, refine
them by simulation, and check the designs by simulation.

loop     — the design loop of a run as one API: design(), verify_design()
targets  — what the user asks for: targets, objectives, constraints; units; validation
search   — the pymoo problem over a latent box, single- and multi-objective runs, ranking
optimize — one design: latent search → distinct grain structures → polish
sharpen  — blurry decoded structures → grains
polish   — refine grain structures by simulation (evolution strategy on the grain axes)
store    — design folders runs/<name>/designs/<id>/ (HDF5, CSV)
verify   — simulate designs, compare with the prediction, hit rate
refine   — learning: simulated designs join the labels, the regressor is trained further
plots    — candidates, convergence, Pareto front, predicted vs simulated curves
"""

from .loop import design, verify_design  # noqa: F401
from .optimize import Settings  # noqa: F401
from .polish import PolishSettings  # noqa: F401
from .targets import parse_goal  # noqa: F401
