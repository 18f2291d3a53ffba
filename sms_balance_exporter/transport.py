"""HTTP for provider calls: an `HttpRequest` becomes an `HttpResponse` by a deadline, and every
transport failure a `ProviderError` whose message names the host and holds no secret. It knows
no provider.

All calls go through one `requests.Session`. What it must not do is switched off: redirects
(they could carry credentials to a host nobody configured), cookies, `~/.netrc`, retries.
The deadline is a true one: a watchdog shuts the call's socket down when it passes, so a
provider that stalls or trickles (status line, headers, chunk sizes, body, TLS handshake,
proxy CONNECT) frees the worker thread by then; a socket timeout alone restarts on every byte.
"""

from __future__ import annotations

import contextlib
import heapq
import http.cookiejar
import itertools
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
from sms_balance_exporter.providers.base import HttpRequest, HttpResponse, ProviderError, Reason
from sms_balance_exporter.workers import QUERY_WORKERS

MAX_BODY_BYTES = 1024 * 1024  # a balance answer is a few hundred bytes
POOL_SIZE = QUERY_WORKERS  # one connection per worker thread
USER_AGENT = f"sms-balance-exporter/{__version__}"
_HEADERS = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
_CHUNK_BYTES = 64 * 1024
_TUNNEL_REFUSED = "Tunnel connection failed: "


class Transport:
    """Performs provider calls. Thread-safe: the worker threads share one session and its
    connection pools (up to `POOL_SIZE` connections to a host: one per worker).

    TLS is verified against `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE` or certifi's bundle, and
    proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (credentials in the proxy URL
    included), all read once, when the transport is made.
    """

    def __init__(self) -> None:
        self._session = requests.Session()
        # The environment is read here, explicitly: trust_env would also read ~/.netrc.
        self._session.trust_env = False
        self._session.verify = True  # with the context below, whatever a caller passes
        self._session.cookies = _NoCookies()
        adapter = _GuardedAdapter(_tls_context(), pool_maxsize=POOL_SIZE)
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
            _current.call = None
        # A cut can also look like an answer that simply ended (headers cut short).
        if call.expired:
            raise ProviderError(
                Reason.TIMEOUT, f"host {host}: no complete answer within the deadline"
            )
        if failure is not None:
            raise failure
        return response

    def _send(self, request: HttpRequest, timeout: float) -> HttpResponse:
        # Prepared here, not by the session: its merging of session settings (none are set)
        # costs more CPU than the rest of the call's preparation.
        headers = requests.structures.CaseInsensitiveDict(_HEADERS)
        headers.update(request.headers)
        prepared = requests.PreparedRequest()
        prepared.prepare(
            method=request.method,
            url=request.url,
            headers=headers,
            params=dict(request.params) or None,  # None skips requests' costly type checks
            json=request.json_body,
            data=dict(request.form_body) if request.form_body is not None else None,
            auth=request.basic_auth,
            cookies=self._session.cookies,
        )
        proxies = {}
        if self._proxies and not requests.utils.should_bypass_proxies(
            request.url, no_proxy=self._no_proxy
        ):
            proxies = self._proxies
        response = self._session.send(
            prepared,
            stream=True,
            timeout=(timeout, timeout),
            allow_redirects=False,
            proxies=proxies,
        )
        with response:
            body = self._read_body(response)
        return HttpResponse(
            status=response.status_code,
            headers={name.lower(): value for name, value in response.headers.items()},
            body=body,
        )

    def _read_body(self, response: requests.Response) -> bytes:
        """The body, decoded (gzip, deflate), refused past `MAX_BODY_BYTES` of decoded bytes."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(_CHUNK_BYTES):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                host = urlsplit(response.url).hostname or "?"
                raise ProviderError(
                    Reason.PARSE,
                    f"host {host}: response body larger than {MAX_BODY_BYTES} bytes",
                )
            chunks.append(chunk)
        return b"".join(chunks)


def _tls_context() -> ssl.SSLContext:
    """Verification against the CA bundle the environment names (as requests and curl read
    it), else certifi's; loaded once, not on every new connection."""
    bundle = (
        os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    )
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    if os.path.isdir(bundle):
        context.load_verify_locations(capath=bundle)
    else:
        context.load_verify_locations(cafile=bundle)
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


class _NoCookies(requests.cookies.RequestsCookieJar):
    """Stores no cookie and sends none (a balance call carries its credentials itself), and
    spends no time parsing them."""

    def set_cookie(self, cookie: http.cookiejar.Cookie, *args: Any, **kwargs: Any) -> None:
        pass

    def extract_cookies(self, response: Any, request: Any) -> None:
        pass

    def add_cookie_header(self, request: Any) -> None:
        pass


# -- deadlines ------------------------------------------------------------------------------


class _Call:
    """One call's deadline and the connections it used; `expire` shuts them down."""

    __slots__ = ("connections", "deadline", "done", "expired", "lock")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.lock = threading.Lock()
        self.connections: list[_Guarded] = []
        self.done = False
        self.expired = False

    def claim(self, connection: _Guarded) -> None:
        with self.lock:
            connection.owner = self
            self.connections.append(connection)
            if self.expired:  # the deadline passed before this connection was made
                connection.cut()

    def expire(self) -> None:
        with self.lock:
            if self.done:
                return
            self.expired = True
            for connection in self.connections:
                if connection.owner is self:  # not since handed to another call by the pool
                    connection.cut()

    def finish(self) -> None:
        with self.lock:
            self.done = True
            self.connections.clear()


class _Local(threading.local):
    call: _Call | None = None


_current = _Local()


class _Watchdog:
    """One thread that expires each call at its deadline."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Call]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._purge_at = 64

    def watch(self, call: _Call) -> None:
        with self._wake:
            if len(self._heap) >= self._purge_at:
                # Finished calls wait in the heap for their deadlines: drop them now and then,
                # so a thousand calls a scrape keep no thousand objects alive.
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)
                self._purge_at = max(64, 2 * len(self._heap))
            heapq.heappush(self._heap, (call.deadline, next(self._order), call))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="deadline", daemon=True)
                self._thread.start()
            if self._heap[0][2] is call:
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._wake.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                _, _, call = heapq.heappop(self._heap)
            call.expire()


class _Guarded(HTTPConnection):
    """A connection the watchdog can cut: it keeps a duplicate of its socket's descriptor
    (shutting that down ends the connection even mid-TLS-handshake, when the connection has
    no socket of its own yet) and tells the call in progress that it is in use."""

    owner: _Call | None = None
    _handle: socket.socket | None = None

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self._handle = sock.dup()
        self._claim()
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        self._claim()
        super().request(*args, **kwargs)

    def close(self) -> None:
        super().close()
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()

    def cut(self) -> None:
        handle = self._handle
        if handle is not None:
            with contextlib.suppress(OSError):  # closed meanwhile, or never connected
                handle.shutdown(socket.SHUT_RDWR)

    def _claim(self) -> None:
        call = _current.call
        if call is not None:
            call.claim(self)


class _GuardedHTTPS(_Guarded, HTTPSConnection):
    pass


class _GuardedPool(HTTPConnectionPool):
    ConnectionCls = _Guarded


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPS


_POOLS = {"http": _GuardedPool, "https": _GuardedHTTPSPool}


class _GuardedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter with connections the watchdog can cut, one TLS context that always
    verifies, and no retries."""

    def __init__(self, tls: ssl.SSLContext, pool_maxsize: int) -> None:
        self._tls = tls
        super().__init__(pool_connections=16, pool_maxsize=pool_maxsize)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> Any:
        host, _ = super().build_connection_pool_key_attributes(request, True, None)
        return host, {"cert_reqs": "CERT_REQUIRED", "ssl_context": self._tls}

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests would set the CA file on the pool, and urllib3 load it on every new
        # connection (tens of milliseconds each); the context above already holds it.
        conn.cert_reqs = "CERT_REQUIRED"

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager
