"""`invmag info`: a config's summary and its models' layer tables (paper Tables 1, 2)."""

from pathlib import Path

import typer
from rich import box
from rich.table import Table

from ..api import info
from .common import CONFIG_HELP, RUN_HELP, console, user_errors

EPILOG = "Examples: invmag info · invmag info --config paper"


def layer_table(title: str, rows) -> Table:
    """Rows of invmag.models.layers in the paper's columns; total trainable parameters."""
    total = f"{sum(r.params for r in rows):,}".replace(",", " ")
    table = Table(title=title, caption=f"trainable parameters: {total}", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    for name in ("Layer", "Type", "Act.", "Output shape", "Parameters", "Connected to"):
        table.add_column(name, justify="right" if name == "Parameters" else "left", no_wrap=True)
    for r in rows:
        table.add_row(r.name.replace("_", " "), r.kind, r.activation, r.shape,
                      f"{r.params:,}".replace(",", " "), r.source.replace("_", " "))
    return table


def material_table(name: str, rows) -> Table:
    """Config `name`'s material over temperature: api.material_rows in MJ/m³, pJ/m, tesla; a
    (low, high) range as low–high."""

    def shown(value, digits, scale=1.0):
        if value is None:
            return "–"
        if isinstance(value, tuple):
            return "–".join(f"{v * scale:.{digits}f}" for v in value)
        return f"{value * scale:.{digits}f}"

    table = Table(title=f"Material of {name!r} (Nd2Fe14B; the Kuz'min temperature law)")
    for column in ("phase", "T (K)", "Js (T)", "K1 (MJ/m³)", "A (pJ/m)", "µ0H_A (T)"):
        table.add_column(column, justify="left" if column == "phase" else "right")
    for r in rows:
        table.add_row(r["phase"], f"{r['T']:g}", shown(r["Js"], 3), shown(r["K1"], 3, 1e-6),
                      shown(r["A"], 2, 1e12), shown(r["µ0H_A"], 3))
    return table


def config_table(cfg, levels: int) -> Table:
    """The settings that shape the data and models of a config (levels: the VAE's stride-2
    levels)."""
    g, d, v, r = cfg.grid, cfg.data, cfg.vae, cfg.regressor
    table = Table(title=f"Config {cfg.name!r}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    rows = {
        "grid": f"{g.nx} × {g.ny} cells of {g.cell_size:g} nm ({g.nx * g.cell_size:g} × "
                f"{g.ny * g.cell_size:g} nm²), thickness {g.thickness:g} nm"
                + ("; periodic (a closed circuit)" if g.periodic else ""),
        "data": f"{d.unlabelled} unlabelled structures, {d.labelled} labelled curves "
                f"({d.test} test)",
        "VAE": f"latent {v.latent}, dense {v.dense}, channels {v.channels}, "
               f"{levels} stride-2 levels; {v.epochs} epochs, batch "
               f"{v.batch_size}, Nadam lr {v.learning_rate:g}, KL weight {v.kl_weight:g}",
        "regressor": f"shared {list(r.shared)}, head {list(r.head)} × 6; ≤ {r.max_epochs} "
                     f"epochs by {r.folds}-fold CV, batch {r.batch_size}, Nadam lr "
                     f"{r.learning_rate:g}" + ("; codes of the 4 mirror images of each curve"
                                               if r.mirrors else ""),
        "device": cfg.solver_device,
        "boundary": "none" if cfg.boundary is None else (
            f"{cfg.boundary.thickness[0]:g}–{cfg.boundary.thickness[1]:g} nm thick, Js "
            f"{cfg.boundary.Js[0]:g}–{cfg.boundary.Js[1]:g} T, K1 {cfg.boundary.K1:g} J/m³, "
            "A = A·(Js_b/Js)²; drawn per sample"),
        "temperature": "300 K" if cfg.temperature is None else (
            f"{cfg.temperature.range[0]:g}–{cfg.temperature.range[1]:g} K, drawn per sample"),
    }
    if cfg.shell is not None:  # optional sections: a row only where the config has one
        sh, span = cfg.shell, lambda v: f"{v[0]:g}" if v[0] == v[1] else f"{v[0]:g}–{v[1]:g}"
        rows["shell"] = (f"{span(sh.thickness)} nm of each grain's surface, K1 × {span(sh.K1)}, Js × {sh.Js:g}, Tc {sh.Tc:g} K; drawn "
                         "per sample")
    if cfg.thermal is not None:
        from ..physics.thermal import activation_volume

        th = cfg.thermal
        rows["thermal"] = (f"hc_th beside hc: v = {th.volume_factor:g}·δ_w³ ("
                           f"{activation_volume(cfg.material, th) * 1e27:.0f} nm³ at 300 K), "
                           f"ln(t/τ0) = {th.ln_rate:g}")
    for k, val in rows.items():
        table.add_row(k, val)
    return table


def info_command(config: str = typer.Option(None, help=CONFIG_HELP),
                 run: Path = typer.Option(None, help=RUN_HELP)):
    """Print a config's summary and its VAE and regressor layer tables (no training)."""
    with user_errors():
        about = info(config, run)
    cfg = about.config
    console.print(config_table(cfg, about.levels))
    console.print(material_table(cfg.name, about.materials))
    for key, name in (("vae", "VAE (paper Table 1)"), ("regressor", "Regressor (paper Table 2)")):
        for part, rows in getattr(about, key).tables().items():
            console.print(layer_table(f"{name}: {part}", rows))
        console.print(f"[bold]{name}: {about.parameters[key]:,} trainable parameters in all[/]"
                      .replace(",", " "))
    console.print(f"the trained model holds {cfg.regressor.folds} such regressors, one per "
                  "cross-validation fold, and predicts their mean (docs/learning.md)")
