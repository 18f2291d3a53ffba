"""Performs a provider's `HttpRequest` within a deadline and turns every transport failure
into a `ProviderError` whose message holds no secret.

It speaks urllib3 directly (the transport requests is built on): requests' own layer cost
more than half of every call's CPU, and at a thousand accounts a scrape is mostly calls.
"""

from __future__ import annotations

import base64
import email.utils
import json
import math
import os
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC
from urllib.parse import urlencode, urlsplit
from urllib.request import getproxies_environment

import certifi
import urllib3

from sms_balance_exporter import __version__
from sms_balance_exporter.providers.base import (
    Balance,
    HttpRequest,
    HttpResponse,
    Provider,
    ProviderError,
    Reason,
)
from sms_balance_exporter.secret import redact

MAX_BODY_BYTES = 1024 * 1024  # a balance answer is a few hundred bytes
DEFAULT_RETRY_AFTER_SECONDS = 60.0  # a 429 without Retry-After: back off a minute
MAX_RETRY_AFTER_SECONDS = 3600.0
USER_AGENT = f"sms-balance-exporter/{__version__}"


class UpstreamClient:
    """Calls provider APIs. Thread-safe: the worker threads share the connection pools.

    Never follows redirects (they could carry credentials to a host nobody configured),
    never retries, stores no cookies, and verifies TLS against `REQUESTS_CA_BUNDLE`,
    `CURL_CA_BUNDLE` or certifi's bundle. `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` are honoured.
    """

    def __init__(self, max_body_bytes: int = MAX_BODY_BYTES, max_connections: int = 128) -> None:
        self.max_body_bytes = max_body_bytes
        self._max_connections = max_connections
        # One verifying context for every connection: given only `ca_certs`, urllib3 loads the
        # bundle again on each new connection, ~20 ms of CPU apiece that stall every thread.
        self._tls = urllib3.util.create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
        self._tls.load_verify_locations(cafile=_ca_bundle())
        self._direct = urllib3.PoolManager(
            maxsize=max_connections,  # a connection per worker to a host
            cert_reqs="CERT_REQUIRED",
            ssl_context=self._tls,
            retries=False,
        )
        self._proxied: dict[str, urllib3.ProxyManager] = {}
        self._lock = threading.Lock()

    def fetch_balance(self, provider: Provider, base_url: str, deadline: float) -> Balance:
        """Ask `provider` for the balance; raise `ProviderError` on any failure.

        `deadline` is a `time.monotonic()` value. Each socket operation gets the time left,
        and the body is read in pieces so a trickling answer is cut off at the deadline.
        """
        secrets = provider.secret_values()
        try:
            last: list[HttpResponse] = []

            def perform(request: HttpRequest) -> HttpResponse:
                last[:] = [self._perform(request, deadline)]
                return last[0]

            try:
                return provider.fetch_balance(base_url.rstrip("/"), perform)
            except ProviderError as error:
                if error.reason is Reason.RATE_LIMITED and last:
                    error.retry_after = retry_after_seconds(last[0].headers.get("retry-after"))
                raise
        except ProviderError as error:
            raise ProviderError(
                error.reason, redact(error.message, secrets), error.retry_after
            ) from None
        except urllib3.exceptions.NewConnectionError as error:  # (a ConnectTimeoutError too)
            raise ProviderError(Reason.CONNECTION, _cause(error, secrets)) from None
        except (urllib3.exceptions.TimeoutError, TimeoutError):
            raise ProviderError(Reason.TIMEOUT, "no answer before the deadline") from None
        except urllib3.exceptions.SSLError as error:
            raise ProviderError(Reason.CONNECTION, "TLS error: " + _cause(error, secrets)) from None
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as error:
            # ValueError: a base_url urllib3 cannot parse; OSError: a reset mid-body.
            raise ProviderError(Reason.CONNECTION, _cause(error, secrets)) from None

    def _perform(self, request: HttpRequest, deadline: float) -> HttpResponse:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProviderError(Reason.TIMEOUT, "deadline passed before the request started")
        url = request.url
        if request.params:
            url += ("&" if "?" in url else "?") + urlencode(request.params)
        headers = {"User-Agent": USER_AGENT, **request.headers}
        body = None
        if request.json_body is not None:
            body = json.dumps(request.json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif request.form_body is not None:
            body = urlencode(request.form_body).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if request.basic_auth is not None:
            user, password = request.basic_auth
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        response = self._manager(url).urlopen(
            request.method,
            url,
            body=body,
            headers=headers,
            timeout=urllib3.Timeout(connect=remaining, read=remaining),
            redirect=False,
            preload_content=False,
        )
        try:
            content = self._read_body(response, deadline)
        except BaseException:
            response.close()  # a half-read connection cannot be reused
            raise
        response.release_conn()
        return HttpResponse(
            status=response.status,
            headers={name.lower(): value for name, value in response.headers.items()},
            body=content,
        )

    def _read_body(self, response: urllib3.BaseHTTPResponse, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = response.read1(64 * 1024)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_body_bytes:
                raise ProviderError(
                    Reason.PARSE, f"response body larger than {self.max_body_bytes} bytes"
                )
            if time.monotonic() > deadline:
                raise ProviderError(Reason.TIMEOUT, "response body not complete by the deadline")
            chunks.append(chunk)

    def _manager(self, url: str) -> urllib3.PoolManager:
        """The direct pool, or the pool of the proxy the environment names for `url`."""
        proxy = _proxy_for(url)
        if proxy is None:
            return self._direct
        with self._lock:
            manager = self._proxied.get(proxy)
            if manager is None:
                manager = self._proxied[proxy] = urllib3.ProxyManager(
                    proxy,
                    maxsize=self._max_connections,
                    cert_reqs="CERT_REQUIRED",
                    ssl_context=self._tls,
                    retries=False,
                )
            return manager


def _ca_bundle() -> str:
    """The CA bundle named in the environment (as requests and curl read it), else certifi's."""
    return (
        os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    )


# The standard library's NO_PROXY matching; typeshed does not list it.
_bypass_proxy: Callable[[str, dict[str, str]], bool] = getattr(  # noqa: B009
    urllib.request, "proxy_bypass_environment"
)


def _proxy_for(url: str) -> str | None:
    """The proxy `HTTPS_PROXY`/`HTTP_PROXY` give for `url`, unless `NO_PROXY` exempts it."""
    parts = urlsplit(url)
    proxies = getproxies_environment()
    proxy = proxies.get(parts.scheme)
    if not proxy or _bypass_proxy(parts.hostname or "", proxies):
        return None
    return proxy


def retry_after_seconds(header: str | None, now: float | None = None) -> float:
    """The wait a 429's Retry-After asks for (seconds or an HTTP date), within
    [0, MAX_RETRY_AFTER_SECONDS]; DEFAULT_RETRY_AFTER_SECONDS when absent or unreadable."""
    if header is None or not header.strip():
        return DEFAULT_RETRY_AFTER_SECONDS
    text = header.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return DEFAULT_RETRY_AFTER_SECONDS
        if when.tzinfo is None:  # an HTTP date is always GMT
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return DEFAULT_RETRY_AFTER_SECONDS
    # A provider's hour-long ban is still only an hour of silence for this account.
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _cause(error: BaseException, secrets: list[str]) -> str:
    """The innermost useful description of a transport error, redacted."""
    reason = error
    while True:
        inner = getattr(reason, "reason", None) or reason.__context__
        if not isinstance(inner, BaseException) or inner is reason:
            break
        reason = inner
    text = str(reason) or type(reason).__name__
    return redact(text, secrets)
