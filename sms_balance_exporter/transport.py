"""HTTP for provider calls: an `HttpRequest` becomes an `HttpResponse` by a deadline, and every
transport failure a `ProviderError` whose message names the host and holds no secret. It knows
no provider.

One `requests.Session`, used as its documentation shows: an `HTTPAdapter` sized to the query
bound and without retries, `timeout=`, `stream=True`, `allow_redirects=False` (a redirect could
carry credentials to a host nobody configured) and a cookie policy that accepts none. The
environment is read explicitly (proxies, CA bundle), so `~/.netrc` never is.

`timeout=` bounds each socket operation, so a provider that trickles its answer a byte at a
time would never time out. The deadline is a true one: a watchdog thread shuts the call's
socket down when it passes, whatever the call is doing (proxy CONNECT, TLS handshake, headers,
body).
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import socket
import ssl
import threading
import time
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import certifi
import requests
import requests.adapters
import requests.utils
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager
from urllib3.util.ssl_ import create_urllib3_context

from sms_balance_exporter import __version__
from sms_balance_exporter.politeness import MAX_IN_FLIGHT
from sms_balance_exporter.providers.base import HttpRequest, HttpResponse, ProviderError, Reason

MAX_BODY_BYTES = 1024 * 1024  # a balance answer is a few hundred bytes
USER_AGENT = f"sms-balance-exporter/{__version__}"
_CHUNK_BYTES = 64 * 1024
_TUNNEL_REFUSED = "Tunnel connection failed: "


class Transport:
    """Performs provider calls. Thread-safe: the query threads share one session, which keeps
    up to `pool_size` connections to a host (one per query thread).

    TLS is verified against `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE` or certifi's bundle, and
    proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (credentials in the proxy URL
    included), all read once, when the transport is made.
    """

    def __init__(self, pool_size: int = MAX_IN_FLIGHT) -> None:
        self._session = requests.Session()
        self._session.trust_env = False  # it would also read ~/.netrc; the environment is read here
        self._session.headers = requests.structures.CaseInsensitiveDict(
            {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
        )
        self._session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        adapter = _DeadlineAdapter(_tls_context(), pool_maxsize=pool_size)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        environment = urllib.request.getproxies_environment()
        self._proxies = {k: v for k, v in environment.items() if k in ("http", "https")}
        self._no_proxy = environment.get("no")
        self._watchdog = _Watchdog()

    def perform(self, request: HttpRequest, deadline: float) -> HttpResponse:
        """One call, ended by `deadline` (a `time.monotonic()` value) whatever happens."""
        host = urlsplit(request.url).hostname or "?"
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProviderError(Reason.TIMEOUT, f"host {host}: no time left for the call")
        call = _Call(deadline)
        _current.call = call
        self._watchdog.watch(call)
        failure: ProviderError | None = None
        try:
            response = self._send(request, remaining)
        except ProviderError as error:
            failure = error
        except Exception as error:
            failure = _failure(error, host)
        finally:
            call.finish()
            self._watchdog.forget(call)
            _current.call = None
        # A cut can also look like an answer that simply ended (headers cut short).
        if call.expired:
            raise ProviderError(
                Reason.TIMEOUT, f"host {host}: no complete answer within the deadline"
            )
        if failure is not None:
            raise failure
        return response

    def close(self) -> None:
        """Cut every call in flight and close the connections (at shutdown)."""
        self._watchdog.expire_all()
        self._session.close()

    def _send(self, request: HttpRequest, timeout: float) -> HttpResponse:
        bypass = requests.utils.should_bypass_proxies(request.url, no_proxy=self._no_proxy)
        response = self._session.request(
            request.method,
            request.url,
            headers=dict(request.headers),
            params=dict(request.params) or None,
            json=request.json_body,
            data=dict(request.form_body) if request.form_body is not None else None,
            auth=request.basic_auth,
            timeout=(timeout, timeout),
            stream=True,
            allow_redirects=False,
            proxies={} if bypass else self._proxies,
        )
        with response:
            body = _read_body(response)
        return HttpResponse(
            status=response.status_code,
            headers={name.lower(): value for name, value in response.headers.items()},
            body=body,
        )


def _read_body(response: requests.Response) -> bytes:
    """The body, decoded (gzip, deflate), refused past `MAX_BODY_BYTES` of decoded bytes."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            host = urlsplit(response.url).hostname or "?"
            raise ProviderError(
                Reason.PARSE, f"host {host}: response body larger than {MAX_BODY_BYTES} bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _tls_context() -> ssl.SSLContext:
    """Verification against the CA bundle the environment names (as requests and curl read
    it), else certifi's; loaded once, not on every new connection. Its sockets register their
    TLS handshake with the call in progress, so the watchdog can cut a slow one."""
    bundle = (
        os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    )
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    if os.path.isdir(bundle):
        context.load_verify_locations(capath=bundle)
    else:
        context.load_verify_locations(cafile=bundle)
    context.sslsocket_class = _DeadlineSSLSocket
    return context


def _failure(error: Exception, host: str) -> ProviderError:
    """A transport error in the project's words: the host and the innermost cause, never a
    URL (urllib3's texts quote the path and query string)."""
    if isinstance(error, requests.exceptions.Timeout):
        return ProviderError(Reason.TIMEOUT, f"host {host}: no answer within the deadline")
    cause = _innermost(error)
    if isinstance(cause, ssl.SSLCertVerificationError):
        text = f"TLS certificate not trusted ({cause.verify_message})"
    elif isinstance(cause, ssl.SSLError):
        text = f"TLS error ({cause.reason or 'handshake failed'})"
    elif isinstance(cause, socket.gaierror):
        text = "host name not resolved"
    elif isinstance(cause, OSError) and str(cause).startswith(_TUNNEL_REFUSED):
        # http.client's words for a CONNECT the proxy answered with an error status
        text = f"tunnel refused ({str(cause).removeprefix(_TUNNEL_REFUSED)})"
    elif isinstance(cause, OSError) and cause.strerror:
        text = cause.strerror.lower()
    elif isinstance(error, requests.exceptions.ChunkedEncodingError):
        text = "connection broken mid-answer"
    elif isinstance(error, requests.exceptions.ContentDecodingError):
        text = "answer's content encoding unreadable"
    elif isinstance(error, requests.exceptions.InvalidURL | ValueError):
        text = "invalid URL"
    else:
        text = f"connection failed ({type(cause).__name__})"
    prefix = "proxy for " if isinstance(error, requests.exceptions.ProxyError) else ""
    return ProviderError(Reason.CONNECTION, f"{prefix}host {host}: {text}")


def _innermost(error: BaseException) -> BaseException:
    seen = {id(error)}
    while True:
        inner = getattr(error, "reason", None)
        if not isinstance(inner, BaseException):  # urllib3's ProxyError keeps it here
            inner = getattr(error, "original_error", None)
        if not isinstance(inner, BaseException):
            inner = error.args[0] if error.args else None
        if not isinstance(inner, BaseException):
            inner = error.__context__
        if not isinstance(inner, BaseException) or id(inner) in seen:
            return error
        seen.add(id(inner))
        error = inner


# -- deadlines ------------------------------------------------------------------------------


class _Call:
    """One call's deadline and the sockets it uses; `expire` shuts them down."""

    __slots__ = ("deadline", "done", "expired", "lock", "users")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.lock = threading.Lock()
        # Connections (whose socket may change: TCP, then TLS) and sockets in a TLS handshake.
        self.users: list[_DeadlineConnection | ssl.SSLSocket] = []
        self.done = False
        self.expired = False

    def use(self, user: _DeadlineConnection | ssl.SSLSocket) -> None:
        with self.lock:
            if isinstance(user, _DeadlineConnection):
                user.call = self
            self.users.append(user)
            if self.expired:  # the deadline passed before this one was in use
                _cut(user)

    def expire(self) -> None:
        with self.lock:
            if self.done:
                return
            self.expired = True
            for user in self.users:
                # A connection may since serve another call (the pool hands it on).
                if not isinstance(user, _DeadlineConnection) or user.call is self:
                    _cut(user)

    def finish(self) -> None:
        with self.lock:
            self.done = True
            self.users.clear()


def _cut(user: _DeadlineConnection | ssl.SSLSocket) -> None:
    sock = user.sock if isinstance(user, _DeadlineConnection) else user
    if sock is not None and sock.fileno() >= 0:
        # socket.socket's own shutdown: SSLSocket's would also drop its TLS state under the
        # thread that is using it.
        with contextlib.suppress(OSError):  # closed meanwhile, or never connected
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Local(threading.local):
    call: _Call | None = None


_current = _Local()


def _use_in_current_call(user: _DeadlineConnection | ssl.SSLSocket) -> None:
    call = _current.call
    if call is not None:
        call.use(user)


class _Watchdog:
    """One thread that expires each call in flight at its deadline."""

    def __init__(self) -> None:
        self._calls: set[_Call] = set()
        self._changed = threading.Condition()
        self._next_wake = float("inf")
        self._thread: threading.Thread | None = None

    def watch(self, call: _Call) -> None:
        with self._changed:
            self._calls.add(call)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="deadline", daemon=True)
                self._thread.start()
            if call.deadline < self._next_wake:
                self._changed.notify()

    def forget(self, call: _Call) -> None:
        with self._changed:
            self._calls.discard(call)

    def expire_all(self) -> None:
        with self._changed:
            calls = list(self._calls)
        for call in calls:
            call.expire()

    def _run(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                expired = [call for call in self._calls if call.deadline <= now]
                self._calls.difference_update(expired)
                self._next_wake = min((call.deadline for call in self._calls), default=float("inf"))
                if not expired:
                    self._changed.wait(None if not self._calls else self._next_wake - now)
                    continue
            for call in expired:
                call.expire()


class _DeadlineConnection(HTTPConnection):
    """A connection that tells the call in progress it is in use, whether it connects now
    (plain HTTP connects inside `request`) or is reused."""

    call: _Call | None = None  # the call it serves now

    def connect(self) -> None:
        _use_in_current_call(self)
        super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:
        _use_in_current_call(self)
        super().request(*args, **kwargs)


class _DeadlineHTTPSConnection(_DeadlineConnection, HTTPSConnection):
    pass


class _DeadlineSSLSocket(ssl.SSLSocket):
    """During its handshake the connection's TCP socket is already handed over to this one,
    so this one registers itself to be cut."""

    def do_handshake(self, block: bool = False) -> None:
        _use_in_current_call(self)
        super().do_handshake(block)


class _DeadlinePool(HTTPConnectionPool):
    ConnectionCls = _DeadlineConnection


class _DeadlineHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


_POOLS = {"http": _DeadlinePool, "https": _DeadlineHTTPSPool}


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter with the connections above, one TLS context that always verifies,
    and no retries (the default `max_retries`)."""

    def __init__(self, tls: ssl.SSLContext, pool_maxsize: int) -> None:
        self._tls = tls
        super().__init__(pool_maxsize=pool_maxsize)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, ssl_context=self._tls, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(
            proxy, ssl_context=self._tls, **proxy_kwargs
        )
        manager.pool_classes_by_scheme = _POOLS
        return manager

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests would give each pool the CA file, and urllib3 load it again on every new
        # connection; the context above already holds it and always verifies.
        conn.cert_reqs = "CERT_REQUIRED"
