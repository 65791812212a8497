"""Calibration on measured magnets (docs/calibration.md): the shell and the activation volume
that no simulation can know, fitted to published measurements.

measured     — the measured-magnets CSV (the packaged table, a user's file), texture from Jr
realize      — a magnet's realizations: a sample that holds its grains, its texture, boundary
simulations  — the simulations of a calibration, kept one file each for a resumed run
fit          — the least-squares fit of shell thickness, shell K1 and volume factor
calibrate    — calibrate(): simulate, fit, simulate again at the fit, predict the held out
plots        — measured and simulated HcJ(T) per magnet
"""
