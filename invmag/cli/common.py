"""What every command shares: the console, the error convention, device choice."""

from contextlib import contextmanager

import torch
import typer
from rich.console import Console
from rich.markup import escape

console = Console()
errors = Console(stderr=True)


class UserError(Exception):
    """Bad input from the user: reported as one line on stderr, exit code 2, no traceback."""


@contextmanager
def user_errors():
    """Turn UserError, ValueError, FileNotFoundError and OSError into one line and exit 2."""
    try:
        yield
    except (UserError, ValueError, FileNotFoundError, KeyError, OSError) as e:
        msg = str(e) if not isinstance(e, KeyError) else f"missing key {e}"
        errors.print(f"[bold red]error:[/] {escape(msg)}", highlight=False, soft_wrap=True)
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

