"""Inverse design (paper section 5): search the VAE's latent space with pymoo for target anchors,
using the regressor as forward model, sharpen the decoded codes into grain structures, polish
them by simulation, and check the designs by simulation.

loop     — the design loop of a run: design(), verify_design() (invmag.optimize, invmag.verify)
targets  — what the user asks for: targets, objectives, constraints; units; validation
latent_search — the pymoo problem over a latent box, single- and multi-objective runs, ranking
optimize — one design: latent search → distinct grain structures → polish
grains   — the grains of a blurry decoded structure (sharpen)
sources  — the run's data, a pool of generator structures ranked by the surrogate, random ones
polish   — screen starts and polish grain structures by simulation (evolution strategy on the
           grain axes)
design_folder — design folders runs/<name>/designs/<id>/ (HDF5, CSV)
verify   — simulate designs, compare with the prediction, hit rate
learn    — learning: simulated designs join the labels, the regressor is trained further
plots    — candidates, convergence, Pareto front, predicted vs simulated curves
recipe/  — recipes: grain density and misorientation for a goal on their realizations' statistics
"""
