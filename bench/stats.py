"""Percentiles of repeated measurements."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(samples: Sequence[float], share: float) -> float:
    """The `share` (0..1) quantile, interpolated between the closest ranks."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    position = share * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(samples: Sequence[float]) -> dict[str, float]:
    """n, median, p95, p99, min, max and mean of `samples` (NaN when there are none)."""
    if not samples:
        return {k: math.nan for k in ("median", "p95", "p99", "min", "max", "mean")} | {"n": 0}
    return {
        "n": len(samples),
        "median": statistics.median(samples),
        "p95": percentile(samples, 0.95),
        "p99": percentile(samples, 0.99),
        "min": min(samples),
        "max": max(samples),
        "mean": statistics.fmean(samples),
    }
