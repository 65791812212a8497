"""Inverse design (SPEC 1, paper section 5): search the VAE's latent space with pymoo for target
anchors, using the regressor as forward model, then check the designs by simulation.

targets  — what the user asks for: targets, objectives, constraints; units; validation
search   — the pymoo problem over a latent box, single- and multi-objective runs, ranking
sharpen  — blurry decoded structures → grains
store    — design folders runs/<name>/designs/<id>/ (HDF5, CSV)
verify   — simulate decoded candidates, compare with the prediction, hit rate
refine   — closed loop: verified structures join the labels, the regressor is retrained
plots    — candidates, convergence, Pareto front, predicted vs simulated curves
"""
