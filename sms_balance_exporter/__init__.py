"""Prometheus exporter for the credit balance of prepaid SMS provider accounts."""

from __future__ import annotations

# The one place the version is written: pyproject.toml reads it from here (a constant,
# because looking it up in the installed metadata costs 20 ms at every start).
__version__ = "0.1.0"
