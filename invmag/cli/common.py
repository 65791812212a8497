"""What every command shares: the console, the error convention, device choice."""

from contextlib import contextmanager

import torch
import typer
from rich.console import Console
from rich.markup import escape

from .. import RunFailed

console = Console()
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


def resolve_device(device: str | None) -> torch.device:
    """'auto' (CUDA when present) or any torch device string."""
    from ..data.labels import solver_device

    if device in (None, "", "auto"):
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
