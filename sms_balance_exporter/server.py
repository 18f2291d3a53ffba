"""A threaded WSGI HTTP server for the exporter (standard library only)."""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from sms_balance_exporter.web import ExporterApp

log = logging.getLogger(__name__)

DEFAULT_PORT = 10077


class ListenAddressError(ValueError):
    """A --web.listen-address that cannot be used."""


def parse_listen_address(address: str) -> tuple[str, int]:
    """`HOST:PORT`, `:PORT` or `[V6]:PORT` into (host, port); host "" means every address."""
    host, sep, port_text = address.rpartition(":")
    if not sep:
        raise ListenAddressError(f"listen address {address!r} must be HOST:PORT or :PORT")
    host = host.removeprefix("[").removesuffix("]")
    try:
        port = int(port_text)
    except ValueError:
        raise ListenAddressError(f"listen address {address!r} has no valid port") from None
    if not 0 <= port <= 65535:
        raise ListenAddressError(f"listen address {address!r}: port must be 0 to 65535")
    return host, port


HANDSHAKE_TIMEOUT_SECONDS = 10.0
REQUEST_TIMEOUT_SECONDS = 30.0


class _Handler(WSGIRequestHandler):
    # Headers and body are two writes; without this keep-alive clients stall on delayed ACKs.
    disable_nagle_algorithm = True
    # A client that opens a connection and sends nothing must not hold a thread forever.
    timeout = REQUEST_TIMEOUT_SECONDS

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http %s", format % args)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        family: socket.AddressFamily,
        tls: ssl.SSLContext | None,
    ) -> None:
        self.address_family = family
        self.tls = tls
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        # The handshake runs here, in the connection's own thread: done in accept(), one
        # slow or silent client would stall every other.
        request.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
        try:
            connection = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            log.debug("TLS handshake failed", extra={"client": client_address[0], "error": error})
            return
        try:
            super().finish_request(connection, client_address)
        finally:
            connection.close()

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6:
            # "[::]:port" and ":port" should also answer IPv4 clients.
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


class ExporterServer:
    """Serves `app` on `address` in a background thread, or in the foreground."""

    def __init__(self, app: ExporterApp, address: str, tls: ssl.SSLContext | None = None) -> None:
        host, port = parse_listen_address(address)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        if host == "":
            host, family = ("::", socket.AF_INET6) if socket.has_ipv6 else ("0.0.0.0", family)
        try:
            self._server = _ThreadingServer((host, port), family, tls)
        except OSError as error:
            raise ListenAddressError(f"cannot listen on {address}: {error.strerror}") from None
        self._server.set_app(app)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start(self, poll_interval: float = 0.5) -> ExporterServer:
        """Serve in a background thread; `stop()` takes up to `poll_interval` seconds."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(poll_interval,),
            name="http-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
