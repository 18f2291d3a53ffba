"""Prometheus-style durations: `500ms`, `10s`, `5m`, `1h30m`, or a plain number of seconds."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+")


def parse_duration(value: Any) -> float:
    """Seconds in `value`; ValueError with a message for people otherwise."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 500ms, 10s, 5m or 1h, got a boolean")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            if not _WHOLE.fullmatch(text):
                raise ValueError(
                    f"invalid duration {value!r}: use e.g. 500ms, 10s, 5m, 1h "
                    "or a number of seconds"
                ) from None
            seconds = sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(text))
    else:
        raise ValueError("expected a duration such as 500ms, 10s, 5m or 1h")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"invalid duration {value!r}: must be a finite, non-negative time")
    return seconds


Duration = Annotated[float, BeforeValidator(parse_duration)]


def format_duration(seconds: float) -> str:
    """`seconds` written the Prometheus way (300 -> "5m", 5400 -> "1h30m", 0.5 -> "500ms")."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    parts: list[str] = []
    rest = round(seconds)
    for unit in ("w", "d", "h", "m", "s"):
        count, rest = divmod(rest, int(_UNITS[unit]))
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
