"""What every command shares: the console, the error convention, and one rule for --config,
--run and --device.

- --config: an embedded name (quick, paper) or a TOML path. Without it, a command takes the
  config.toml of its run folder (--run, or runs/quick) when there is one, else the embedded quick
  config: a command on an existing run always uses the config the run was made with.
- --run: the run folder, default runs/<config name>.
- --device: a torch device; default the config's solver.device ('auto': CUDA when torch sees
  it, else the CPU).

torch is imported only when a command runs, so `invmag --help` stays fast.
"""

from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from .. import RunFailed

console = Console()
CONFIG_HELP = ("Config: embedded name (quick, paper) or TOML path (default: the run's "
               "config.toml, else quick).")
RUN_HELP = "Run folder (default: runs/<config name>)."
UNITS_HELP = "Units of targets and bounds: 'reduced' (Ms, H_A) or 'si' (µ0·M, µ0·H in tesla)."
DEVICE_HELP = "torch device: auto, cpu, cuda, cuda:1 … (default: the config's solver.device)."
STRUCTURE_HELP = ("Structure: .npy phi\\[iy, ix] (easy-axis angles, rad) or an OVF 2.0 easy-axis "
                  "field.")
MERIT_HELP = "Write the figures of merit as CSV (figure, unit, value)."
DEMAG_HELP = "Demagnetizing factor N of the magnet for HcB and (BH)max (0: closed circuit)."
errors = Console(stderr=True)


class UserError(Exception):
    """Bad input from the user: reported as one line on stderr, exit code 2, no traceback."""


@contextmanager
def user_errors():
    """Turn UserError, ValueError, OSError (files) and RunFailed into one line and exit 2;
    anything else is a bug and keeps its traceback."""
    try:
        yield
    except (UserError, ValueError, OSError, RunFailed) as e:
        errors.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    except KeyboardInterrupt:
        errors.print("[yellow]interrupted[/]")
        raise typer.Exit(130)


def resolve_run(config: str | None, run: Path | None):
    """(Config, run folder) by the rule of the module docstring."""
    from ..config import load_config
    from ..data.run_folder import run_config

    if config:
        cfg = load_config(config)
        return cfg, run or Path("runs") / cfg.name
    run = run or Path("runs") / "quick"
    return run_config(run) or load_config("quick"), run


def open_model(config: str | None, run: Path | None, device: str | None):
    """(surrogate, run folder): the trained model of the run (resolve_run), checked against
    --config, on resolve_device."""
    from ..models.surrogate import load_surrogate

    cfg, run = resolve_run(config, run)
    return load_surrogate(run, cfg, resolve_device(device, cfg)), run


def resolve_device(device: str | None, cfg=None):
    """The torch device of --device, default cfg's solver.device ('auto': CUDA when present);
    UserError for an unknown device or CUDA that torch does not see."""
    import torch

    from ..runtime import solver_device

    device = device or (cfg.solver_device if cfg else "auto")
    if device == "auto":
        return solver_device("auto")
    try:
        dev = torch.device(device)
    except RuntimeError as e:
        raise UserError(f"unknown device {device!r}") from e
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UserError("device 'cuda' requested but torch sees no CUDA device")
    return dev


def demag_factor(n: float) -> float:
    """The --demag-factor option checked: a demagnetizing factor lies in [0, 1]."""
    if not 0 <= n <= 1:
        raise UserError(f"--demag-factor must lie in [0, 1], got {n}")
    return n
