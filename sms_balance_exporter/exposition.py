"""Rendering metrics to the exposition format Prometheus asked for, with the rendered balance
metrics kept while nothing in them changes (a `min_interval` cache hit for every account
would otherwise be rendered anew on every scrape: almost all of such a scrape's time)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from sms_balance_exporter.collector import BalanceCollector
from sms_balance_exporter.memory import LARGE_BYTES, release_free_memory
from sms_balance_exporter.service import AccountSnapshot

_OPENMETRICS_EOF = b"# EOF\n"


class ExpositionRenderer:
    """Renders account snapshots and the exporter's own metrics into one exposition."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, tuple[Any, bytes]] = {}  # content type -> (key, body)

    def render(
        self,
        accept: str,
        snapshots: Sequence[AccountSnapshot] | None,
        own_metrics: Collector | None,
        reuse: bool = False,
    ) -> tuple[str, bytes]:
        """(content type, body). With `reuse`, the balance part is taken from the last
        render of the same content type when every snapshot is as it was then."""
        encoder, content_type = choose_encoder(accept)
        parts = []
        if snapshots is not None:
            parts.append(self._balances(encoder, content_type, snapshots, reuse))
        if own_metrics is not None:
            parts.append(_render(encoder, own_metrics))
        # OpenMetrics ends with one "# EOF" line, so the parts lose theirs and get one back.
        openmetrics = content_type.startswith("application/openmetrics-text")
        if openmetrics:
            parts = [part.removesuffix(_OPENMETRICS_EOF) for part in parts]
        body = b"".join(parts) + (_OPENMETRICS_EOF if openmetrics else b"")
        return content_type, body

    def _balances(
        self,
        encoder: Callable[[CollectorRegistry], bytes],
        content_type: str,
        snapshots: Sequence[AccountSnapshot],
        reuse: bool,
    ) -> bytes:
        if not reuse:
            return _render(encoder, BalanceCollector(snapshots))
        # Equal snapshots render equally; the tuple holds them, so nothing is compared by id.
        key = tuple(
            (s.account, s.result, s.last_success_time, tuple(sorted(s.errors.items())))
            for s in snapshots
        )
        with self._lock:
            last = self._last.get(content_type)
        if last is not None and last[0] == key:
            return last[1]
        body = _render(encoder, BalanceCollector(snapshots))
        with self._lock:
            self._last[content_type] = (key, body)
        if len(body) >= LARGE_BYTES:  # rendering it freed several times its size
            release_free_memory()
        return body


def _render(encoder: Callable[[CollectorRegistry], bytes], collector: Collector) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return encoder(registry)
