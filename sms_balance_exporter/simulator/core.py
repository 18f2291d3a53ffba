"""The simulator's HTTP server: routes `/<provider id>/...` to that provider's twin, finds the
account by the credentials the request carries, and answers with its balance, a documented
error or an injected fault. Accounts' balances drift down over time."""

from __future__ import annotations

import base64
import json
import math
import socket
import ssl
import struct
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

HANG_LIMIT_SECONDS = 3600.0
RETRY_AFTER_SECONDS = 120
HANDSHAKE_TIMEOUT = 5.0  # seconds a TLS client gets to finish its handshake


class Fault(StrEnum):
    """Faults an account can be given; `None` means it answers normally."""

    REVOKED = "revoked"  # the provider's documented authentication error
    PROVIDER_ERROR = "provider_error"  # a documented non-authentication error body
    HANG = "hang"  # accept the request, never answer
    SLOW_BODY = "slow_body"  # send headers, then trickle the body a byte at a time
    HTML_5XX = "html_5xx"  # 502 with a proxy's HTML page
    HTML_200 = "html_200"  # 200 with an HTML page (a captive portal, a maintenance page)
    RATE_LIMITED = "rate_limited"  # 429 with Retry-After
    MALFORMED_JSON = "malformed_json"  # 200, JSON content type, broken JSON
    EMPTY_BODY = "empty_body"  # 200 with no body at all
    RESET = "reset"  # a TCP reset in the middle of the body
    HUGE_BODY = "huge_body"  # 200 with a 50 MB body
    WRONG_TYPES = "wrong_types"  # the success body with an object wherever a number was
    MISSING_FIELDS = "missing_fields"  # the success body without any of its numbers
    NAN = "nan"  # the success body reporting a NaN balance
    INFINITY = "infinity"  # ... an infinite balance
    NEGATIVE = "negative"  # ... a negative balance (an overdrawn or postpaid account)
    REDIRECT = "redirect"  # 302 to another URL (which must never be followed)
    ERROR_BODY_200 = "error_body_200"  # the documented auth error body, under HTTP 200


# The balances the NAN, INFINITY and NEGATIVE faults make a twin report.
_FAULT_BALANCES = {"nan": math.nan, "infinity": math.inf, "negative": -12.5}
HUGE_BODY_BYTES = 50 * 1024 * 1024
REDIRECT_PATH = "/_redirect_target"  # where REDIRECT points; requests to it are counted
SIMULATOR_URL = "{simulator}"  # in a SimAccount option: the provider's URL on the simulator


@dataclass
class SimAccount:
    """One simulated account. `credentials` use the exporter's config field names."""

    name: str
    provider: str
    credentials: dict[str, str]
    balance: float = 100.0
    currency: str = "EUR"
    price_per_message: float = 0.05
    gift: float = 0.0
    drift_per_hour: float = 0.5
    latency: float = 0.0
    fault: Fault | None = None
    options: dict[str, Any] = field(default_factory=dict)  # extra exporter config fields
    requests: int = 0
    first_arrival: int | None = None  # how many requests reached any account before its first
    started: float = field(default_factory=time.monotonic)
    reported_balance: float | None = None  # set by the NAN/INFINITY/NEGATIVE faults

    def current_balance(self) -> float:
        """The balance now: it drifts down from `balance`, never below zero."""
        if self.reported_balance is not None:
            return self.reported_balance
        spent = self.drift_per_hour * (time.monotonic() - self.started) / 3600.0
        return max(0.0, self.balance - spent)

    def current_messages(self) -> float:
        """The messages the balance pays for: a whole number unless the balance is not finite."""
        balance = self.current_balance()
        if not math.isfinite(balance):
            return balance
        return math.floor(balance / self.price_per_message)


@dataclass(frozen=True)
class SimRequest:
    """A request as a twin sees it: path below the provider prefix, lower-case headers."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("latin-1")).items()}

    def basic_auth(self) -> tuple[str, str] | None:
        scheme, _, encoded = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return None
        return user, password


@dataclass(frozen=True)
class SimResponse:
    status: int
    body: Any  # dict/list -> JSON, str/bytes as they are
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body, ensure_ascii=False).encode()


class Twin(ABC):
    """The provider side of one provider's balance API."""

    provider_id: str
    endpoints: tuple[tuple[str, str], ...]  # (method, path) pairs it answers

    @abstractmethod
    def sample_account(self, name: str) -> SimAccount:
        """A healthy account with made-up credentials, for the demo and the tests."""

    def answers(self, method: str, path: str) -> bool:
        """Whether this API has the endpoint (a twin whose paths hold IDs matches them)."""
        return (method, path) in self.endpoints

    def refuse(self, request: SimRequest) -> SimResponse | None:
        """The answer to a request the API rejects before it reads credentials (a wrong
        content type, a broken body), or None."""
        return None

    @abstractmethod
    def credentials(self, request: SimRequest) -> dict[str, str] | None:
        """The credentials the request carries, keyed like the exporter's config fields."""

    @abstractmethod
    def success(self, account: SimAccount) -> SimResponse:
        """The documented success answer for `account`."""

    @abstractmethod
    def auth_error(self) -> SimResponse:
        """The documented answer to wrong or revoked credentials."""

    @abstractmethod
    def provider_error(self) -> SimResponse:
        """A documented error answer that is not about credentials."""

    def mangled(self, success: SimResponse, drop: bool) -> SimResponse:
        """`success` with an object wherever a number was, or (`drop`) without its numbers;
        a twin whose body is not JSON (text, XML) does the same in its own format."""
        return replace(success, body=_mangle_numbers(success.body, drop))


_HTML_PAGE = "<html><head><title>{0}</title></head><body><h1>{0}</h1></body></html>"


class Simulator:
    """Fake provider APIs on a loopback port. Start with `start()` or as a context manager."""

    def __init__(
        self,
        twins: Iterable[Twin],
        accounts: Iterable[SimAccount] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.twins = {twin.provider_id: twin for twin in twins}
        self.accounts: dict[str, SimAccount] = {}
        # Accounts by what a request can name them by: its provider and credentials.
        self._by_credentials: dict[tuple[str, frozenset[tuple[str, str]]], SimAccount] = {}
        for account in accounts:
            self.add(account)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server((host, port), _Handler)
        self._server.simulator = self
        self._scheme = "http"
        if tls is not None:
            # The handshake runs in each connection's own thread (see _Server.finish_request):
            # done in accept(), forty failing handshakes queue one behind another.
            self._server.socket = tls.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
            self._scheme = "https"
        self.redirect_hits = 0
        self._in_flight: Counter[str] = Counter()
        self.peak_in_flight: Counter[str] = Counter()  # most requests at once, per provider
        self._arrivals = 0  # requests that reached an account so far
        self._thread: threading.Thread | None = None

    # -- control ------------------------------------------------------------------------------

    def add(self, account: SimAccount) -> SimAccount:
        if account.provider not in self.twins:
            raise ValueError(f"no simulated provider {account.provider!r}")
        self.accounts[account.name] = account
        key = (account.provider, frozenset(account.credentials.items()))
        self._by_credentials.setdefault(key, account)  # the first of twins answers, as listed
        return account

    def set_fault(self, name: str, fault: Fault | None) -> None:
        self.accounts[name].fault = fault

    def set_latency(self, name: str, seconds: float) -> None:
        self.accounts[name].latency = seconds

    def requests(self, name: str) -> int:
        """How many requests reached account `name` (with its credentials) so far."""
        with self._lock:
            return self.accounts[name].requests

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{self._scheme}://{host!s}:{port}"

    def base_url(self, provider: str) -> str:
        return f"{self.url}/{provider}"

    def exporter_account(self, name: str) -> dict[str, Any]:
        """The exporter's config entry for simulated account `name`."""
        account = self.accounts[name]
        # An option may name this simulator's URL (a login host of its own, like Routee's).
        here = self.base_url(account.provider)
        options = {
            key: value.replace(SIMULATOR_URL, here) if isinstance(value, str) else value
            for key, value in account.options.items()
        }
        return {
            "name": account.name,
            "provider": account.provider,
            **account.credentials,
            **options,
            "base_url": here,
        }

    def start(self) -> Simulator:
        # A short poll interval: tests start and stop simulators by the hundred.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hanging and trickling handlers
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling ---------------------------------------------------------------------

    def handle(self, request: SimRequest, provider: str, handler: _Handler) -> None:
        if "/" + provider == REDIRECT_PATH:
            with self._lock:
                self.redirect_hits += 1
            handler.respond(SimResponse(200, {"balance": 1000000, "currency": "EUR"}))
            return
        twin = self.twins.get(provider)
        if twin is None or not twin.answers(request.method, request.path):
            handler.respond(SimResponse(404, _HTML_PAGE.format("404 Not Found"), "text/html"))
            return
        refusal = twin.refuse(request)
        if refusal is not None:
            handler.respond(refusal)
            return
        account = self._find(provider, twin.credentials(request))
        if account is None:
            handler.respond(twin.auth_error())
            return
        with self._lock:
            account.requests += 1
            if account.first_arrival is None:
                account.first_arrival = self._arrivals
            self._arrivals += 1
            self._in_flight[provider] += 1
            self.peak_in_flight[provider] = max(
                self.peak_in_flight[provider], self._in_flight[provider]
            )
        try:
            if account.latency and self._stopping.wait(account.latency):
                return
            self._answer(account, twin, handler)
        finally:
            with self._lock:
                self._in_flight[provider] -= 1

    def _find(self, provider: str, credentials: dict[str, str] | None) -> SimAccount | None:
        if not credentials:
            return None
        return self._by_credentials.get((provider, frozenset(credentials.items())))

    def _answer(self, account: SimAccount, twin: Twin, handler: _Handler) -> None:
        fault = account.fault
        if fault is None:
            handler.respond(twin.success(account))
        elif fault is Fault.REVOKED:
            handler.respond(twin.auth_error())
        elif fault is Fault.PROVIDER_ERROR:
            handler.respond(twin.provider_error())
        elif fault is Fault.HANG:
            self._stopping.wait(HANG_LIMIT_SECONDS)
            handler.close_connection = True
        elif fault is Fault.SLOW_BODY:
            handler.trickle(twin.success(account), self._stopping)
        elif fault is Fault.HTML_5XX:
            handler.respond(SimResponse(502, _HTML_PAGE.format("502 Bad Gateway"), "text/html"))
        elif fault is Fault.HTML_200:
            handler.respond(SimResponse(200, _HTML_PAGE.format("Maintenance"), "text/html"))
        elif fault is Fault.RATE_LIMITED:
            handler.respond(
                SimResponse(
                    429,
                    {"message": "Too Many Requests"},
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                )
            )
        elif fault is Fault.MALFORMED_JSON:
            handler.respond(SimResponse(200, '{"balance": 12.5, "curr'))
        elif fault is Fault.EMPTY_BODY:
            handler.respond(SimResponse(200, b""))
        elif fault is Fault.RESET:
            handler.reset_mid_body(twin.success(account))
        elif fault is Fault.HUGE_BODY:
            handler.huge_body(HUGE_BODY_BYTES)
        elif fault in (Fault.WRONG_TYPES, Fault.MISSING_FIELDS):
            handler.respond(twin.mangled(twin.success(account), fault is Fault.MISSING_FIELDS))
        elif fault in (Fault.NAN, Fault.INFINITY, Fault.NEGATIVE):
            odd = replace(account, reported_balance=_FAULT_BALANCES[fault.value])
            handler.respond(twin.success(odd))
        elif fault is Fault.ERROR_BODY_200:
            handler.respond(replace(twin.auth_error(), status=200))
        elif fault is Fault.REDIRECT:
            location = self.url + REDIRECT_PATH
            handler.respond(SimResponse(302, "", "text/plain", headers={"Location": location}))


def _looks_numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and any(c.isdigit() for c in value)


def _mangle_numbers(body: Any, drop: bool) -> Any:
    """`body` with every number (or string with digits) replaced by an object, or dropped."""
    if isinstance(body, dict):
        return {
            key: {"unexpected": "object"} if _looks_numeric(value) else _mangle_numbers(value, drop)
            for key, value in body.items()
            if not (drop and _looks_numeric(value))
        }
    if isinstance(body, list):
        return [_mangle_numbers(item, drop) for item in body if not (drop and _looks_numeric(item))]
    return body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024
    simulator: Simulator

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Runs in the connection's thread: a TLS handshake first, with a deadline of its own."""
        if isinstance(request, ssl.SSLSocket):
            timeout = request.gettimeout()
            request.settimeout(HANDSHAKE_TIMEOUT)
            try:
                request.do_handshake()
            except OSError:  # an untrusting client's alert, a reset, a silent peer
                return
            request.settimeout(timeout)
        super().finish_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    # Headers and body go out as two writes; without this a keep-alive client waits for a
    # ~40 ms delayed ACK on every request and every latency figure is wrong.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the simulator runs inside tests and the demo."""

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        provider, _, rest = parts.path.lstrip("/").partition("/")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = SimRequest(
            method=self.command,
            path="/" + rest,
            query={k: v[0] for k, v in parse_qs(parts.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        self.server.simulator.handle(request, provider, self)

    do_GET = do_POST = _dispatch  # noqa: N815 (http.server names)

    def _head(self, response: SimResponse, length: int) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(length))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()

    def respond(self, response: SimResponse) -> None:
        body = response.encoded()
        self._head(response, len(body))
        self.wfile.write(body)

    def trickle(self, response: SimResponse, stopping: threading.Event) -> None:
        body = response.encoded()
        self._head(response, len(body))
        for byte in body:
            if stopping.wait(0.5):
                break
            self.wfile.write(bytes([byte]))
        self.close_connection = True

    def huge_body(self, size: int) -> None:
        self._head(SimResponse(200, b""), size)
        chunk = b" " * 65536
        try:
            for _ in range(size // len(chunk)):
                self.wfile.write(chunk)
        except OSError:
            pass  # the client stopped reading, as it should
        self.close_connection = True

    def reset_mid_body(self, response: SimResponse) -> None:
        body = response.encoded()
        self._head(response, len(body) + 100)
        self.wfile.write(body[: len(body) // 2])
        # SO_LINGER with a zero timeout turns close() into a TCP RST.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
