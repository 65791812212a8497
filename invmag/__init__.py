"""invmag: inverse design of nanocrystalline permanent magnets."""

__version__ = "0.1.0"

#: The six anchor points of a demagnetization curve, in this order everywhere (SPEC 3).
ANCHORS = ("m1", "mr", "hk90", "hk80", "hk70", "hc")


class RunFailed(RuntimeError):
    """Work that failed for a reason outside the input and the code (a batch that failed twice:
    a lost worker, out of memory): commands report it as one line, not as a bug."""
