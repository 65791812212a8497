"""invmag: inverse design of nanocrystalline permanent magnets."""

__version__ = "0.1.0"

#: The six anchor points of a demagnetization curve, in this order everywhere (SPEC 3).
ANCHORS = ("m1", "mr", "hk90", "hk80", "hk70", "hc")
