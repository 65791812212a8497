"""The `invmag` command: one typer app, one module per command, each a thin layer over
invmag.api. The modules know nothing of the app: it registers each one's <name>_command here
as `invmag <name>`."""

import typer

from . import (calibrate, export, generate, info, morph, optimize, predict, recipe, simulate,
               train, verify)

COMMANDS = (generate, simulate, train, info, predict, morph, optimize, recipe, verify, export,
            calibrate)

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Inverse design of nanocrystalline permanent magnets: generate → "
                       "train → optimize → verify. Units: M in Ms, fields in H_A. Docs: "
                       "README.md and docs/ of the repository.")
for module in COMMANDS:
    name = module.__name__.rsplit(".", 1)[1]
    app.command(name, epilog=module.EPILOG)(getattr(module, f"{name}_command"))


def main():
    app()
