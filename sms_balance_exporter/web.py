"""The WSGI application: `/`, `/metrics`, `/probe`, `/exporter-metrics`, `/targets`,
`/-/healthy`, `/-/reload`.

`/metrics`, `/probe` and `/exporter-metrics` are one path with different collectors: a registry
per request, encoded once (exposition.py); the balance collector queries its accounts within the
deadline `X-Prometheus-Scrape-Timeout-Seconds` implies while it is collected.
"""

from __future__ import annotations

import gzip
import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import parse_qs

from prometheus_client import PlatformCollector, ProcessCollector
from prometheus_client.registry import Collector

from sms_balance_exporter import __version__
from sms_balance_exporter.basic_auth import Authenticator
from sms_balance_exporter.collector import BalanceCollector, ExporterCollector
from sms_balance_exporter.config import Config, ConfigError
from sms_balance_exporter.exposition import accepts_gzip, expose
from sms_balance_exporter.landing import status_page
from sms_balance_exporter.service import BalanceService

# Prometheus's own offset for the time the response needs to get back to it.
SCRAPE_TIMEOUT_OFFSET = 0.5

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Environ = dict[str, Any]


class BadRequestError(Exception):
    """A request the client must fix; the message is safe to show."""


class ExporterApp:
    """Routes requests; `config` returns the config in force (it may change on reload)."""

    def __init__(
        self,
        config: Callable[[], Config],
        service: BalanceService,
        reload: Callable[[], None] | None = None,
        basic_auth: Authenticator | None = None,
        own_metrics: ExporterCollector | None = None,
    ) -> None:
        # The exporter's own metrics, with the process's and Python's (no default registry).
        self._own_metrics: list[Collector] = [
            own_metrics or ExporterCollector(),
            ProcessCollector(registry=None),
            PlatformCollector(registry=None),
        ]
        self._config = config
        self._basic_auth = basic_auth
        self._service = service
        self._reload = reload
        self._routes: dict[str, tuple[tuple[str, ...], Callable[[Environ], Response]]] = {
            "/": (("GET", "HEAD"), self.landing_page),
            "/metrics": (("GET", "HEAD"), self.metrics),
            "/probe": (("GET", "HEAD"), self.probe),
            "/exporter-metrics": (("GET", "HEAD"), self.exporter_metrics),
            "/targets": (("GET", "HEAD"), self.targets),
            "/-/healthy": (("GET", "HEAD"), self.healthy),
            "/-/reload": (("POST", "PUT"), self.reload),
        }

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        route = self._routes.get(path)
        if not self._authorized(path, environ):
            response = Response.text(401, "Unauthorized\n")
            response.headers.append(("WWW-Authenticate", 'Basic realm="sms-balance-exporter"'))
        elif route is None:
            response = Response.text(404, "Not Found\n")
        elif environ["REQUEST_METHOD"] not in route[0]:
            response = Response.text(405, "Method Not Allowed\n")
            response.headers.append(("Allow", ", ".join(route[0])))
        else:
            try:
                response = route[1](environ)
            except BadRequestError as error:
                response = Response.text(400, f"{error}\n")
        return response.send(environ, start_response)

    def _authorized(self, path: str, environ: Environ) -> bool:
        # Liveness checks (Docker, Kubernetes) carry no credentials, and /-/healthy tells
        # nothing but that the process serves.
        if self._basic_auth is None or path == "/-/healthy":
            return True
        return self._basic_auth.allows(environ.get("HTTP_AUTHORIZATION"))

    # -- endpoints ----------------------------------------------------------------------------

    def metrics(self, environ: Environ) -> Response:
        deadline = scrape_deadline(environ)
        balances = BalanceCollector(self._service, self._config().accounts, deadline)
        return self._exposition(environ, [balances, *self._own_metrics])

    def probe(self, environ: Environ) -> Response:
        deadline = scrape_deadline(environ)
        targets = parse_qs(environ.get("QUERY_STRING", "")).get("target", [])
        if len(targets) != 1 or not targets[0]:
            raise BadRequestError("exactly one 'target' parameter (an account name) is required")
        account = self._config().account(targets[0])
        if account is None:
            # Never echo the target: it is whatever the caller typed.
            raise BadRequestError("unknown target: no account of that name is configured")
        return self._exposition(environ, [BalanceCollector(self._service, [account], deadline)])

    def exporter_metrics(self, environ: Environ) -> Response:
        """The exporter's own metrics only (build info, reload status): for a scrape job
        beside `/probe` that must not ask every account again."""
        return self._exposition(environ, self._own_metrics)

    def targets(self, environ: Environ) -> Response:
        """Prometheus HTTP service discovery: one target per account, to be scraped through
        /probe (the account name becomes `__param_target` by relabelling), carrying the
        account's configured labels as target labels."""
        groups = [
            {
                "targets": [account.name],
                "labels": {
                    **account.labels,
                    "provider": account.provider_id,
                    "account": account.name,
                },
            }
            for account in self._config().accounts
        ]
        body = json.dumps(groups, ensure_ascii=False).encode()
        return Response(200, [("Content-Type", "application/json")], body)

    def healthy(self, environ: Environ) -> Response:
        return Response.text(200, "Healthy\n")

    def reload(self, environ: Environ) -> Response:
        if self._reload is None:
            return Response.text(404, "Not Found\n")
        if _cross_site(environ):
            # A page in a browser on this host must not reload the exporter behind its
            # user's back (basic auth may be off); curl and Prometheus send neither header.
            return Response.text(403, "cross-site requests may not reload the config\n")
        try:
            self._reload()
        except Exception as error:  # the reloader logs; the old config keeps serving
            reason = reload_error_message(error)
            return Response.text(500, f"config not reloaded, the old one stays: {reason}\n")
        return Response.text(200, "config reloaded\n")

    def landing_page(self, environ: Environ) -> Response:
        accounts = self._config().accounts
        page = status_page(
            accounts,
            self._service.last_snapshots(accounts),
            __version__,
            host=environ.get("HTTP_HOST", ""),
        )
        return Response(200, [("Content-Type", "text/html; charset=utf-8")], page.encode())

    # -- helpers ------------------------------------------------------------------------------

    def _exposition(self, environ: Environ, collectors: Sequence[Collector]) -> Response:
        content_type, body = expose(collectors, environ.get("HTTP_ACCEPT", ""))
        return Response(200, [("Content-Type", content_type)], body)


def reload_error_message(error: BaseException) -> str:
    """A reload failure in words: the config's own problems, or what went wrong."""
    if isinstance(error, ConfigError):
        return str(error)
    detail = str(error).strip()
    return f"unexpected {type(error).__name__}" + (f": {detail}" if detail else "")


def _cross_site(environ: Environ) -> bool:
    """Whether a browser sent this from a page that is not the exporter's own."""
    fetch_site = environ.get("HTTP_SEC_FETCH_SITE", "").lower()
    if fetch_site and fetch_site not in ("same-origin", "none"):
        return True  # "same-site" too: another port on the same host is another site
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:
        return False
    own = environ.get("HTTP_HOST", "").lower()
    return origin.lower().partition("://")[2].rstrip("/") != own or not own


def scrape_deadline(environ: Environ) -> float | None:
    """The monotonic deadline Prometheus's scrape-timeout header implies, if it is sent."""
    header = environ.get("HTTP_X_PROMETHEUS_SCRAPE_TIMEOUT_SECONDS")
    if header is None:
        return None
    try:
        timeout = float(header)
    except ValueError:
        timeout = math.nan
    if not math.isfinite(timeout) or timeout <= 0:
        raise BadRequestError("X-Prometheus-Scrape-Timeout-Seconds must be a positive number")
    # A timeout shorter than the offset leaves half of itself for the queries.
    budget = timeout - SCRAPE_TIMEOUT_OFFSET if timeout > 2 * SCRAPE_TIMEOUT_OFFSET else timeout / 2
    return time.monotonic() + budget


class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @classmethod
    def text(cls, status: int, text: str) -> Response:
        return cls(status, [("Content-Type", "text/plain; charset=utf-8")], text.encode())

    def send(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        body = self.body
        headers = list(self.headers)
        if len(body) > 1024 and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
            body = gzip.compress(body, compresslevel=1)
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Content-Length", str(len(body))))
        start_response(f"{self.status} {_REASONS.get(self.status, '')}".strip(), headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
}
