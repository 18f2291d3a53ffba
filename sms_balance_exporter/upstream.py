"""Performs a provider's `HttpRequest` within a deadline and turns every transport failure
into a `ProviderError` whose message holds no secret."""

from __future__ import annotations

import email.utils
import functools
import http.cookiejar
import math
import os
import threading
import time
from datetime import UTC
from urllib.parse import urlsplit

import requests
import urllib3

from sms_balance_exporter import __version__
from sms_balance_exporter.providers.base import (
    Balance,
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
    """Calls provider APIs. Thread-safe: each worker thread gets its own session."""

    def __init__(self, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.max_body_bytes = max_body_bytes
        self._local = threading.local()

    def fetch_balance(self, provider: Provider, base_url: str, deadline: float) -> Balance:
        """Ask `provider` for the balance; raise `ProviderError` on any failure.

        `deadline` is a `time.monotonic()` value. Each socket operation gets the time left,
        and the body is read in pieces so a trickling answer is cut off at the deadline.
        """
        secrets = provider.secret_values()
        try:
            response = self._perform(provider, base_url, deadline)
            try:
                return provider.parse_response(response)
            except ProviderError as error:
                if error.reason is Reason.RATE_LIMITED:
                    error.retry_after = retry_after_seconds(response.headers.get("retry-after"))
                raise
        except ProviderError as error:
            raise ProviderError(
                error.reason, redact(error.message, secrets), error.retry_after
            ) from None
        except requests.exceptions.Timeout:
            raise ProviderError(Reason.TIMEOUT, "no answer before the deadline") from None
        except requests.exceptions.SSLError as error:
            raise ProviderError(Reason.CONNECTION, "TLS error: " + _cause(error, secrets)) from None
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as error:
            raise ProviderError(Reason.CONNECTION, _cause(error, secrets)) from None
        except OSError as error:  # a reset while reading the body
            raise ProviderError(Reason.CONNECTION, _cause(error, secrets)) from None

    def _perform(self, provider: Provider, base_url: str, deadline: float) -> HttpResponse:
        request = provider.build_request(base_url.rstrip("/"))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProviderError(Reason.TIMEOUT, "deadline passed before the request started")
        with self._session().request(
            request.method,
            request.url,
            params=dict(request.params) or None,
            proxies=_proxies(request.url),
            json=request.json_body,
            headers=dict(request.headers),
            auth=request.basic_auth,
            timeout=remaining,
            stream=True,
            # A redirect could carry the credentials to a host nobody configured.
            allow_redirects=False,
        ) as response:
            body = self._read_body(response, deadline)
            headers = {name.lower(): value for name, value in response.headers.items()}
            return HttpResponse(status=response.status_code, headers=headers, body=body)

    def _read_body(self, response: requests.Response, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        raw = response.raw
        while True:
            chunk = raw.read1(64 * 1024, decode_content=True)
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

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # Accounts of one provider share sessions: a cookie set for one must never be
            # sent with another's request.
            session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
            session.headers["User-Agent"] = USER_AGENT
            # requests would read the environment (proxies, CA bundle, ~/.netrc) on every
            # call: that is a seventh of a call's CPU, and a ~/.netrc entry could add
            # credentials nobody configured. The proxies and CA bundle are read once instead.
            session.trust_env = False
            session.verify = _ca_bundle()
            self._local.session = session
        return session


def _ca_bundle() -> str | bool:
    """The CA bundle requests would take from the environment, else its default (True)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


def _proxies(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    return _proxies_for_origin(f"{parts.scheme}://{parts.netloc}")


@functools.lru_cache(maxsize=1024)
def _proxies_for_origin(origin: str) -> dict[str, str]:
    """HTTP(S)_PROXY / NO_PROXY for `origin`, read once per origin."""
    return dict(requests.utils.get_environ_proxies(origin))


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
