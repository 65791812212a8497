"""invmag: inverse design of nanocrystalline permanent magnets.

The Python API (invmag.api; imported on first use, so `import invmag` stays light):
simulate, open_run, optimize, recipe, verify (the commands of the same names). See README.md
and docs/.
"""

__version__ = "0.1.0"

#: The six anchor points of a demagnetization curve, in this order everywhere
#: (docs/conventions.md).
ANCHORS = ("m1", "mr", "hk90", "hk80", "hk70", "hc")

API = ("simulate", "open_run", "optimize", "recipe", "verify")


class RunFailed(RuntimeError):
    """Work that failed for a reason outside the input and the code (a batch that failed twice:
    a lost worker, out of memory): commands report it as one line, not as a bug."""


def __getattr__(name):
    if name in API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'invmag' has no attribute {name!r}")
