"""Reading Prometheus text exposition in tests."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from prometheus_client.parser import text_string_to_metric_families


# Tests read many values from one exposition; parsing it once per value made the fault
# matrix (80 accounts, ~400 lookups per exposition) spend minutes in the parser.
@lru_cache(maxsize=16)
def samples(text: str) -> Mapping[tuple[str, frozenset[tuple[str, str]]], float]:
    """{(sample name, labels): value} of an exposition (read-only: it is shared)."""
    return MappingProxyType(
        {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }
    )


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, frozenset(labels.items())))


def series(text: str, name: str) -> list[dict[str, str]]:
    """The label sets of every sample called `name`."""
    return [dict(labels) for (sample, labels) in samples(text) if sample == name]
