"""invmag: inverse design of nanocrystalline permanent magnets.

The Python API (invmag.api; imported on first use, so `import invmag` stays light): one call
per command — generate, train, simulate (and kronmuller over temperatures), predict, morph,
optimize, recipe, verify, export, info — and resolve_run, open_run; a magnet sample is one value,
Samples (invmag.sample reads one). See README.md and docs/.

>>> import invmag
>>> invmag.ANCHORS                             # a demagnetization curve's anchors, in order
('m1', 'mr', 'hk90', 'hk80', 'hk70', 'hc')
>>> cfg, run = invmag.resolve_run("quick")     # the embedded quick config and its run folder
>>> cfg.grid.nx, cfg.grid.ny, run.as_posix()
(40, 40, 'runs/quick')
"""

__version__ = "0.1.0"

#: The six anchor points of a demagnetization curve, in this order everywhere
#: (docs/conventions.md).
ANCHORS = ("m1", "mr", "hk90", "hk80", "hk70", "hc")

API = ("generate", "train", "simulate", "kronmuller", "predict", "morph", "optimize", "recipe",
       "verify", "export", "calibrate", "info", "resolve_run", "open_run", "sample", "Samples")


class BadParameter(ValueError):
    """Bad input naming the parameters it is about: `template` holds one {} per name in
    `names`; str() fills in the Python names, the CLI its flags (render)."""

    def __init__(self, template: str, *names: str):
        self.template, self.names = template, names
        super().__init__(template.format(*names))

    def render(self, name_of) -> str:
        """The message with each parameter shown as name_of(name)."""
        return self.template.format(*map(name_of, self.names))


class RunFailed(RuntimeError):
    """Work that failed for a reason outside the input and the code (a batch that failed twice:
    a lost worker, out of memory): commands report it as one line, not as a bug."""


def __getattr__(name):
    if name in API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'invmag' has no attribute {name!r}")
