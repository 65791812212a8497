"""Tables the commands share: anchors in reduced and SI units, figures of merit."""

from rich.table import Table

from .. import ANCHORS
from ..api import UNITS, anchors_si, figure_rows, recipe_tesla


def anchor_table(values, material, title="Anchors", columns=None) -> Table:
    """Rich table of anchors in reduced and SI units; extra `columns` {name: values} beside."""
    table = Table(title=title)
    for name in ["anchor", "reduced", "unit", "SI (T)"] + list(columns or {}):
        table.add_column(name, justify="right" if name != "anchor" else "left")
    for i, (name, v, si) in enumerate(zip(ANCHORS, values, anchors_si(values, material))):
        label = "µ0·M" if UNITS[name] == "Ms" else "µ0·H"
        extra = [f"{c[i]:.4f}" for c in (columns or {}).values()]
        table.add_row(name, f"{v:.4f}", UNITS[name], f"{label} = {si:.3f}", *extra)
    return table


def merit_table(columns: dict, title="Figures of merit", thermal=None) -> Table:
    """Rich table of figures of merit, one column per {label: values (6,) as FIGURES};
    thermal: the thermally activated HcJ (kA/m) per column (thermal_hcj), a row beside HcJ."""
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("unit")
    for label in columns:
        table.add_column(label, justify="right")
    for name, (unit, values) in figure_rows(list(columns.values()), thermal).items():
        table.add_row(name, unit, *[f"{v:.4g}" for v in values])
    return table


def tesla_table(cfg, temperatures, stats: dict) -> Table:
    """Recipe statistics {label: [Stats per temperature]} in tesla: Jr, µ0HcJ and, with thermal
    activation, its q10 and q50 over the realizations (recipe_tesla)."""
    thermal = cfg.thermal is not None
    table = Table(title="In tesla (means over the realizations; thermal: Givord's activation, "
                        "the quantiles over them)" if thermal else "In tesla")
    for name in ("", "T (K)", "Jr", "µ0HcJ") + (
            ("thermal µ0HcJ q10", "thermal µ0HcJ q50") if thermal else ()):
        table.add_column(name, justify="right")
    for row in recipe_tesla(cfg, temperatures, stats):
        cells = [row["label"], f"{row['T']:.0f}", f"{row['Jr']:.3f}", f"{row['HcJ']:.3f}"]
        if thermal:
            cells += [f"{row['HcJ_th_q10']:.3f}", f"{row['HcJ_th_q50']:.3f}"]
        table.add_row(*cells)
    return table
