"""From one structure to a verified design, after the README's main job (runs/quick trained).

    python examples/design_a_magnet.py [runs/quick]

Draws a Voronoi structure, simulates it, asks the trained run what it predicts, then designs
magnets whose coercive field is 0.05 H_A below the structure's at the same remanence, and
verifies them by simulation. Pictures land in the run's designs/<id>/ folder.
"""

import sys

import numpy as np

import invmag
from invmag.data.structures import sample_structure

run = sys.argv[1] if len(sys.argv) > 1 else "runs/quick"
trained = invmag.open_run(run)
g = trained.config.grid

phi = sample_structure(g.nx, g.ny, g.cell_size, n_grains=8, theta_max=0.8, seed=1)
curve = invmag.simulate(phi, trained.config)
simulated = curve.anchors[0]
predicted = trained.predict(phi[None])[0]
for name, s, p in zip(invmag.ANCHORS, simulated, predicted):
    print(f"{name:>5}  simulated {s:.3f}  predicted {p:.3f}")

target = {"hc": round(float(simulated[5]) - 0.05, 3), "mr": round(float(simulated[1]), 3)}
d = invmag.optimize(run, target=target)
print(f"design {d.id} for {target}: simulated hc {np.round(d.simulated[:, 5], 3)}, "
      f"mr {np.round(d.simulated[:, 1], 3)}, {int(d.simulations.sum())} simulations")
v = invmag.verify(run, d.id)
print(f"verified: {int(v.hit.sum())} of {len(v.hit)} designs within ±{v.window:g}; "
      f"pictures in {d.path}")
