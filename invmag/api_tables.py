"""The numbers behind the commands' tables, as plain data (invmag.api re-exports them):
anchors in tesla, figures of merit of curves, labels and designs, the thermally activated HcJ
beside the zero-temperature one, the material over temperature, the solver's device."""

import numpy as np

from . import ANCHORS
from .physics.merit import FIGURES, UNITS as FIGURE_UNITS


def anchors_si(values, material) -> np.ndarray:
    """Anchors (6,) in reduced units as tesla: µ0·M for m1, mr (Js per Ms), µ0·H for the
    fields (µ0·H_A per H_A) of `material`."""
    from .physics.anchors import si_factor

    return np.array([v * si_factor(a, material) for a, v in zip(ANCHORS, values)])


def figure_rows(figures, thermal=None) -> dict:
    """Figures of merit (..., 6) in the order of FIGURES as {name: (unit, values)}, µ0·HcJ
    (T) inserted after HcJ (kA/m), then, given `thermal` (the thermally activated HcJ in kA/m
    beside each, thermal_hcj), "µ0·HcJ (thermal)" (T); squareness in Hk/HcJ."""
    from .physics.material import MU0

    f = np.asarray(figures, float)
    rows = [(name, (FIGURE_UNITS[name] or "Hk/HcJ", f[..., i])) for i, name in enumerate(FIGURES)]
    rows.insert(2, ("µ0·HcJ", ("T", f[..., 1] * MU0 * 1e3)))
    if thermal is not None:
        thermal = np.broadcast_to(np.asarray(thermal, float), f[..., 1].shape)
        rows.insert(3, ("µ0·HcJ (thermal)", ("T", thermal * MU0 * 1e3)))
    return dict(rows)


def thermal_hcj(cfg, hcj, T, materials=None):
    """HcJ after thermal activation (kA/m, invmag.physics.thermal) from the zero-temperature
    HcJ (kA/m, (n,) or one) at T (K, one or (n,)) of `materials` (the main phase at each T,
    one or (n,); default cfg's material at T); None when cfg has no [thermal] section."""
    from .physics.temperature import material_at
    from .physics.thermal import thermal_hc, thermal_shift

    if cfg.thermal is None:
        return None
    hcj = np.asarray(hcj, float)
    T = np.broadcast_to(np.asarray(T, float), hcj.shape)
    mats = (np.broadcast_to(np.asarray(materials, object), hcj.shape) if materials is not None
            else np.vectorize(lambda t: material_at(t, cfg.material), otypes=[object])(T))
    loss = np.vectorize(lambda t, m: thermal_shift(t, m, cfg.thermal) * m.HA / 1e3)(T, mats)
    return thermal_hc(hcj, loss)


def curve_figures(curve, demag: float = 0.0) -> np.ndarray:
    """Figures of merit (N, 6) as FIGURES (SI) of a SimulatedCurves' N curves, each in its own
    material, at demagnetizing factor `demag`."""
    from .physics.merit import figures_each

    return figures_each(curve.H, curve.M, curve.materials, demag)


def label_figures(labels, material) -> np.ndarray:
    """Figures of merit (n, 6) as FIGURES (SI, N = 0) of the n good labels' curves, each at
    its own temperature; `material`: the config's main phase at 300 K."""
    from .physics.merit import figures_each

    good = np.flatnonzero(labels.good)
    materials = labels.materials(material)
    return figures_each(labels.H, labels.M[good], [materials[i] for i in good])


def design_figures(design, material) -> dict:
    """Figures of merit (N = 0) of a Design's top designs, {'#k': simulated, '#k pred':
    predicted} (6,) each (invmag.design.report.merit_columns), in SI of `material` (the
    config's, at 300 K) at the design's temperature."""
    from .design.report import merit_columns
    from .physics.temperature import material_at

    return merit_columns(design, material_at(design.temperature, material))


def material_rows(cfg, temperatures=(300.0, 423.0)) -> list[dict]:
    """Per phase and temperature T (K): Js (T), K1 (J/m³), A (J/m) and µ0H_A (T) of the
    main phase (the Kuz'min law, invmag.physics.temperature), then, where cfg has one, of the
    boundary phase: Js and A as (low, high) over its Js range (A_b = A·(Js_b/Js)²), µ0H_A
    None."""
    from .data.boundary import boundary_exchange
    from .physics.material import MU0
    from .physics.temperature import material_at, scale_at

    rows = []
    for T in temperatures:
        m = material_at(T, cfg.material)
        rows.append({"phase": "main", "T": T, "Js": m.Js, "K1": m.K1, "A": m.A,
                     "µ0H_A": MU0 * m.HA})
    if cfg.boundary is not None:
        b, m = cfg.boundary, cfg.material
        for T in temperatures:
            j, k, a = scale_at(T)
            rows.append({"phase": "boundary", "T": T, "Js": tuple(v * j for v in b.Js),
                         "K1": b.K1 * k, "µ0H_A": None,
                         "A": tuple(float(boundary_exchange(m.A, m.Js, v)) * a for v in b.Js)})
    return rows


def device_name(cfg) -> str:
    """The torch device cfg's solver runs on ('auto' resolved): 'cpu', 'cuda', 'cuda:1' …"""
    from .runtime import solver_device

    return str(solver_device(cfg.solver_device))


def recipe_tesla(cfg, temperatures, stats: dict) -> list[dict]:
    """Recipe statistics in tesla: per label of `stats` ({label: [Stats per temperature]}, e.g.
    a search's recipes or a verification's simulated realizations) and temperature (K): Jr
    mean, µ0HcJ mean of the zero-temperature curves and, with cfg's [thermal], the thermally
    activated µ0HcJ's 10 % and 50 % quantiles over the realizations (T; thermal activation
    shifts every hc by the same amount at one T, so the quantiles carry over exactly)."""
    from .physics.material import MU0
    from .physics.temperature import material_at
    from .physics.thermal import thermal_hc, thermal_shift

    rows, hc, mr = [], ANCHORS.index("hc"), ANCHORS.index("mr")
    for label, at in stats.items():
        for T, s in zip(temperatures, at):
            m = material_at(float(T), cfg.material)
            shift = thermal_shift(float(T), m, cfg.thermal) or 0.0
            q10, q50 = (float(thermal_hc(s.quantiles[i][hc], shift)) * MU0 * m.HA
                        for i in (0, 1))
            rows.append({"label": label, "T": float(T), "Jr": s.mean[mr] * m.Js,
                         "HcJ": s.mean[hc] * MU0 * m.HA,
                         "HcJ_th_q10": q10 if cfg.thermal else None,
                         "HcJ_th_q50": q50 if cfg.thermal else None})
    return rows
