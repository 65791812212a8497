"""The `invmag` command: one typer app, one module per pipeline stage."""

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Inverse design of nanocrystalline permanent magnets (docs: the docs/ folder of the repository).")


def _register():
    from . import (export, generate, info, morph, optimize, predict, simulate,  # noqa: F401
                   train, verify)  # (modules add their commands to `app`)


def main():
    _register()
    app()
