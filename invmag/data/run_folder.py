"""A run directory and the config it was made with (runs/<name>/config.toml)."""

from pathlib import Path

from .. import BadParameter
from ..files import replacing
from ..config import Config, parse_config
from .sample_files import in_use, in_use_message, stored_config

DATA_FILES = ("structures.h5", "labels.h5")
# keys that change how much is computed or where, not what any sample is
VOLATILE = ("data.", "solver.device", "solver.batch_size")
# keys that change the samples themselves: data made under other values must go
SAMPLE_KEYS = ("seed", "material.", "grid.", "structures.", "boundary.", "temperature.",
               "solver.")


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        out.update(_flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k: v})
    return out


def changes(old: dict, new: dict) -> list[str]:
    """Dotted keys whose values differ between two nested dicts, as 'key: old → new'."""
    a, b = _flat(old), _flat(new)
    return [f"{k}: {a.get(k)!r} → {b.get(k)!r}" for k in [*a, *(k for k in b if k not in a)]
            if a.get(k) != b.get(k)]


def config_changes(old: Config, new: Config) -> list[str]:
    """Keys whose values differ between two configs, as 'key: old → new', volatile keys aside."""
    return [c for c in changes(old.to_dict(), new.to_dict()) if not c.startswith(VOLATILE)]


def run_config(run_dir) -> Config | None:
    """The config a run was made with: its config.toml, or where that was deleted the config
    its data files carry; None for a new run."""
    run = Path(run_dir)
    path = run / "config.toml"
    if path.is_file():
        return parse_config(path.read_text(encoding="utf-8"), str(path))
    data = next((run / name for name in DATA_FILES if (run / name).is_file()), None)
    return parse_config(stored_config(data), f"{data} (config attribute)") if data else None


def claim_run(cfg: Config, run_dir, force: bool = False, replace_data: bool = False) -> list[str]:
    """Make run_dir the run of cfg: write its config.toml. A run made with a different config
    is refused (ValueError) unless force. Data files made under other sample keys are deleted
    with replace_data, and refused without it. Returns the names of deleted files."""
    run = Path(run_dir)
    if run.exists() and not run.is_dir():
        raise ValueError(f"run directory {run} is a file")
    try:
        old = run_config(run)
    except ValueError as e:
        if not force:
            raise BadParameter(f"{run}/config.toml is not a valid config ({e}); use {{}} to "
                               "replace it", 'force') from None
        old = None
    changed = config_changes(old, cfg) if old is not None else []
    if changed and not force:
        shown = "; ".join(changed[:3]) + ("; …" if len(changed) > 3 else "")
        raise BadParameter(f"run {run} was made with a different config ({shown}); use another "
                           "{}, or {} to replace it", 'run', 'force')
    samples = [c for c in changed if c.startswith(SAMPLE_KEYS)]
    if force and old is None and (run / "config.toml").exists():
        samples = ["its config.toml is not a valid config"]
    data = [name for name in DATA_FILES if (run / name).exists()]
    if samples and data and not replace_data:
        raise BadParameter(f"run {run} holds {', '.join(data)} of other samples "
                           f"({'; '.join(samples[:3])}); `invmag generate --force` replaces "
                           "them, or use another {}", "run")
    deleted = data if samples else []
    busy = [name for name in deleted if in_use(run / name)]
    if busy:
        raise ValueError(in_use_message(run / busy[0]))
    for name in deleted:
        (run / name).unlink()
    run.mkdir(parents=True, exist_ok=True)
    with replacing(run / "config.toml") as tmp:
        tmp.write_text(cfg.to_toml(), encoding="utf-8")
    return deleted

