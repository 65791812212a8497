"""The `invmag` command: one typer app, one module per pipeline stage."""

import typer

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Inverse design of nanocrystalline permanent magnets: generate → train "
                       "→ "
                       "optimize → verify. Units: M in Ms, fields in H_A. Docs: README.md and "
                       "docs/ of the repository.")


def _register():
    from . import (export, generate, info, morph, optimize, predict, recipe,  # noqa: F401
                   simulate, train, verify)  # (modules add their commands to `app`)


def main():
    _register()
    app()
