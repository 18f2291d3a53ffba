"""Numbers for people: the value exactly as exported, never in scientific notation and never
rounded beyond what the provider sent (the query table, the status page, log lines)."""

from __future__ import annotations

import math
from decimal import Decimal


def exact(value: float) -> str:
    """`value` in plain decimal digits, as many as its shortest round-trip repr has:
    1e-06 -> "0.000001", 1e12 -> "1000000000000", 155.2493 -> "155.2493"."""
    return _format(value, "f")


def grouped(value: float) -> str:
    """Like `exact`, with the thousands grouped: 1234567.89 -> "1,234,567.89"."""
    return _format(value, ",f")


def _format(value: float, spec: str) -> str:
    if not math.isfinite(value):
        return repr(value)  # "nan", "inf", "-inf": as Python reads them back
    # repr is the shortest text that reads back as the same float, so it holds exactly the
    # digits the provider sent; Decimal lays them out without an exponent.
    # normalize() drops the ".0" of a whole number (repr has no other trailing zero).
    return format(Decimal(repr(float(value))).normalize(), spec)
