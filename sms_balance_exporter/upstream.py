"""The query step: ask a provider for an account's balance over the transport. The provider
builds the request(s) and reads the answer; this module performs them by the deadline,
redacts every message, notes a 429's Retry-After and logs a failed call's evidence at debug
level. Beside the balance service, which decides when and how often this runs."""

from __future__ import annotations

import logging
import math
from urllib.parse import urlsplit

from urllib3.exceptions import InvalidHeader
from urllib3.util import Retry

from sms_balance_exporter.politeness import MAX_IN_FLIGHT
from sms_balance_exporter.providers.base import (
    Balance,
    HttpRequest,
    HttpResponse,
    Provider,
    ProviderError,
    Reason,
)
from sms_balance_exporter.secret import redact
from sms_balance_exporter.transport import Transport

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER_SECONDS = 60.0  # a 429 without Retry-After: back off a minute
MAX_RETRY_AFTER_SECONDS = 3600.0
_DEBUG_BODY_BYTES = 200
_RETRY = Retry(0, retry_after_max=int(MAX_RETRY_AFTER_SECONDS))


class UpstreamClient:
    """Balance queries over one `Transport` (thread-safe, shared by the query threads)."""

    def __init__(self, pool_size: int = MAX_IN_FLIGHT) -> None:
        self.transport = Transport(pool_size)

    def close(self) -> None:
        """Cut the calls in flight (at shutdown)."""
        self.transport.close()

    def fetch_balance(
        self, provider: Provider, base_url: str, deadline: float, account: str = ""
    ) -> Balance:
        """Ask `provider` for the balance by `deadline` (a `time.monotonic()` value); raise
        `ProviderError` on any failure, its message redacted of every credential."""
        secrets = provider.secret_values()
        calls: list[tuple[HttpRequest, HttpResponse]] = []

        def perform(request: HttpRequest) -> HttpResponse:
            response = self.transport.perform(request, deadline)
            calls.append((request, response))
            return response

        try:
            return provider.fetch_balance(base_url.rstrip("/"), perform)
        except ProviderError as error:
            retry_after = error.retry_after
            if error.reason is Reason.RATE_LIMITED and calls and retry_after is None:
                retry_after = retry_after_seconds(calls[-1][1].headers.get("retry-after"))
            if calls:
                _log_failed_call(provider, account, *calls[-1], secrets)
            raise ProviderError(error.reason, redact(error.message, secrets), retry_after) from None


def retry_after_seconds(header: str | None) -> float:
    """The wait a 429's Retry-After asks for (seconds or an HTTP date, read by urllib3),
    within [0, MAX_RETRY_AFTER_SECONDS]; DEFAULT_RETRY_AFTER_SECONDS when absent or
    unreadable."""
    if header is None or not header.strip():
        return DEFAULT_RETRY_AFTER_SECONDS
    try:
        seconds = float(_RETRY.parse_retry_after(header))
    except (InvalidHeader, ValueError, OverflowError):
        return DEFAULT_RETRY_AFTER_SECONDS
    return seconds if math.isfinite(seconds) else DEFAULT_RETRY_AFTER_SECONDS


def _log_failed_call(
    provider: Provider,
    account: str,
    request: HttpRequest,
    response: HttpResponse,
    secrets: list[str],
) -> None:
    """At debug level, what the provider answered to a failed query, credentials scrubbed."""
    if not log.isEnabledFor(logging.DEBUG):
        return
    head = response.body[:_DEBUG_BODY_BYTES].decode("utf-8", "replace")
    log.debug(
        "balance call failed",
        extra={
            "provider": provider.id,
            "account": account,
            "host": urlsplit(request.url).hostname or "?",
            "status": response.status,
            "content_type": response.headers.get("content-type", ""),
            "body": redact(head, secrets),
        },
    )
