"""What every command shares: the console, the help texts, the error convention (library
errors name parameters, shown here as flags).

--config, --run and --device follow invmag.api.resolve_run: --config is an embedded name
(quick, paper) or a TOML path; without it a command takes the config.toml of its run folder
(--run, or runs/quick) when there is one, else the embedded quick config; --run defaults to
runs/<config name>; --device to the config's solver.device ('auto': CUDA when torch sees it).

torch is imported only when a command runs, so `invmag --help` stays fast.
"""

from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from .. import BadParameter, RunFailed

console = Console()
CONFIG_HELP = ("Config: embedded name (quick, paper) or TOML path (default: the run's "
               "config.toml, else quick).")
RUN_HELP = "Run folder (default: runs/<config name>)."
UNITS_HELP = "Units of targets and bounds: 'reduced' (Ms, H_A) or 'si' (µ0·M, µ0·H in tesla)."
DEVICE_HELP = "torch device: auto, cpu, cuda, cuda:1 … (default: the config's solver.device)."
STRUCTURE_HELP = ("Structure: .npy phi\\[iy, ix] (easy-axis angles, rad) or an OVF 2.0 easy-axis "
                  "field.")
SAMPLE_HELP = ("Sample: .npy phi\\[iy, ix] (easy-axis angles, rad), an OVF 2.0 easy-axis field, or "
               ".npz with phi and, for a real magnet's run, its grain-boundary phase: boundary "
               "(bool cells), boundary_thickness_nm, boundary_Js_T (and its shell: shell, "
               "shell_thickness_nm, shell_Js_T, shell_K1_J_m3).")
PREDICT_TEMPERATURE_HELP = ("The sample's temperature, K (default 300; a real magnet's run: any "
                            "in its trained range).")
MERIT_HELP = "Write the figures of merit as CSV (figure, unit, value)."
DEMAG_HELP = "Demagnetizing factor N of the magnet for HcB and (BH)max (0: closed circuit)."
errors = Console(stderr=True)


FLAGS = {"demag": "--demag-factor", "weights": "--weight", "count": "--realizations"}


def flag(name: str) -> str:
    """The command-line flag of a library parameter: min_hc → --min-hc, yield_ → --yield."""
    return FLAGS.get(name, "--" + name.rstrip("_").replace("_", "-"))


class UserError(Exception):
    """Bad input from the user: reported as one line on stderr, exit code 2, no traceback."""


@contextmanager
def user_errors():
    """Turn UserError, ValueError (BadParameter with the parameters as flags), OSError (files)
    and RunFailed into one line and exit 2; anything else is a bug and keeps its traceback."""
    try:
        yield
    except (UserError, ValueError, OSError, RunFailed) as e:
        text = e.render(flag) if isinstance(e, BadParameter) else str(e)
        errors.print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    except KeyboardInterrupt:
        errors.print("[yellow]interrupted[/]")
        raise typer.Exit(130)


def demag_factor(n: float) -> float:
    """The --demag-factor option checked: a demagnetizing factor lies in [0, 1]."""
    if not 0 <= n <= 1:
        raise UserError(f"--demag-factor must lie in [0, 1], got {n}")
    return n


def warn(text: str):
    """A warning line on the console."""
    console.print(f"[yellow]warning:[/] {escape(text)}")
