"""Encoding one request's collectors in the exposition format the client asked for.

One registry per request, encoded once by prometheus_client's own content negotiation (text or
OpenMetrics); the balance collector queries its accounts while it is collected here.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector


def expose(collectors: Iterable[Collector], accept: str) -> tuple[str, bytes]:
    """(content type, body) of `collectors` on a fresh registry, in the format `accept` asks."""
    # No auto_describe: describing the balance collector would query its accounts twice.
    registry = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        registry.register(collector)
    encoder, content_type = choose_encoder(accept)
    return content_type, encoder(registry)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an `Accept-Encoding` header allows gzip: named (or `*`) with a q-value above 0.

    prometheus_client only looks for the word "gzip", so `gzip;q=0` (a refusal) would get it.
    """
    explicit: float | None = None
    wildcard: float | None = None
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0  # unreadable: not an acceptance
        if coding in ("gzip", "x-gzip"):
            explicit = quality if explicit is None else max(explicit, quality)
        elif coding == "*":
            wildcard = quality
    chosen = explicit if explicit is not None else wildcard
    return chosen is not None and chosen > 0
