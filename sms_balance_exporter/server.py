"""The exporter's HTTP server: cheroot's WSGI server, with each request read whole before a
worker thread sees it.

cheroot brings the bounded worker pool, keep-alive, header and body size limits and a
shutdown timeout. What it lacks is added here: its connection manager hands a connection to a
worker as soon as the first byte arrives, so slow clients (slowloris) would hold every worker.
Here the selector thread buffers each request (at most `MAX_REQUEST_BYTES`, within
`REQUEST_SECONDS` of the connection's accept or previous answer) and only a complete request
reaches a worker, which then never waits on a client. TLS handshakes run non-blocking in the
same thread, with the `ssl.SSLContext` in force for each new connection.
"""

from __future__ import annotations

import errno
import heapq
import logging
import resource
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any

from cheroot import errors
from cheroot.connections import ConnectionManager
from cheroot.makefile import StreamReader, StreamWriter
from cheroot.server import HTTPConnection, HTTPRequest
from cheroot.ssl import Adapter
from cheroot.wsgi import Server

from sms_balance_exporter.secret import redact
from sms_balance_exporter.web import ExporterApp

log = logging.getLogger(__name__)

DEFAULT_PORT = 10077

WORKER_THREADS = 16  # concurrent requests; scrapes mostly wait on providers
MAX_CONNECTIONS = 1000  # open client connections, lowered to fit the process's fd limit
FD_RESERVE = 100  # fds left for upstream connections, files and the listener
REQUEST_SECONDS = 10.0  # a whole request must arrive within this; also the keep-alive idle limit
MAX_HEADER_BYTES = 16 * 1024  # request line and headers (Prometheus sends a few hundred)
MAX_HEADER_LINES = 100
MAX_BODY_BYTES = 16 * 1024  # no endpoint reads a body
MAX_REQUEST_BYTES = MAX_HEADER_BYTES + MAX_BODY_BYTES
SHUTDOWN_SECONDS = 3.0  # in-flight answers get this long to finish on SIGTERM
SERVER_NAME = "sms-balance-exporter"  # the Server: header, without a version

TlsSource = ssl.SSLContext | Callable[[], ssl.SSLContext]


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


def connection_limit() -> int:
    """`MAX_CONNECTIONS`, or fewer when the fd limit would not hold them."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(8, min(MAX_CONNECTIONS, soft - FD_RESERVE))


class RequestBuffer:
    """The bytes a client sent and no worker has read yet; the worker's `rfile`."""

    def __init__(self) -> None:
        self._data = bytearray()
        self.closed = False

    def feed(self, data: bytes) -> None:
        self._data += data

    def __len__(self) -> int:
        return len(self._data)

    def has_data(self) -> bool:
        return bool(self._data)

    def read(self, size: int | None = -1) -> bytes:
        size = len(self._data) if size is None or size < 0 else size
        chunk = bytes(self._data[:size])
        del self._data[:size]
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        end = self._data.find(b"\n")
        end = len(self._data) if end < 0 else end + 1
        if size is not None and size >= 0:
            end = min(end, size)
        return self.read(end)

    def header_lines(self) -> int:
        end = self._data.find(b"\r\n\r\n")
        return self._data.count(b"\n", 0, end if end >= 0 else len(self._data))

    def holds_request(self) -> bool:
        """Whether a whole request (or more than a worker will accept) is buffered."""
        data = self._data
        if len(data) >= MAX_REQUEST_BYTES:
            return True
        first_line = data.find(b"\n")
        if first_line >= 0 and len(data[:first_line].split()) < 3:
            return True  # not HTTP/1.x (HTTP/0.9, garbage): the worker answers 400
        end = data.find(b"\r\n\r\n")
        if end < 0:
            return data.find(b"\n\n") >= 0 or len(data) > MAX_HEADER_BYTES
        head = bytes(data[:end]).lower()
        body = len(data) - end - 4
        if b"\ntransfer-encoding:" in head:
            return data.find(b"0\r\n\r\n", end + 4) >= 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip() == b"content-length":
                try:
                    return body >= min(int(value.strip()), MAX_BODY_BYTES + 1)
                except ValueError:
                    return True  # the worker answers 400
        return True

    def close(self) -> None:
        self.closed = True
        self._data.clear()


class _Request(HTTPRequest):  # type: ignore[misc]
    def parse_request(self) -> None:
        if self.conn.rfile.header_lines() > MAX_HEADER_LINES:
            self.simple_response("431 Request Header Fields Too Large", "Too many headers.")
            return
        super().parse_request()

    def simple_response(self, status: Any, msg: str = "") -> None:
        # cheroot says 413 for headers over the limit; RFC 6585 has the precise status.
        if not self.ready and str(status).startswith("413"):
            status, msg = "431 Request Header Fields Too Large", "Headers too large."
        client = getattr(self.conn, "remote_addr", "")
        log.debug("client error", extra={"client": client, "status": str(status)})
        super().simple_response(status, msg)


class _Connection(HTTPConnection):  # type: ignore[misc]
    RequestHandlerClass = _Request

    def __init__(self, server: Any, sock: Any, makefile: Any = StreamReader) -> None:
        super().__init__(server, sock, makefile)
        self.rfile.close()  # workers read the buffer, never the socket
        self.rfile: RequestBuffer = RequestBuffer()
        self.handshake_done = not isinstance(sock, ssl.SSLSocket)
        self.last_used = time.time()


class _TlsAdapter(Adapter):  # type: ignore[misc]
    """Wraps each new connection with the context in force; the handshake runs later."""

    def __init__(self, context: Callable[[], ssl.SSLContext]) -> None:
        self._context = context

    def bind(self, sock: socket.socket) -> socket.socket:
        return sock

    def wrap(self, sock: socket.socket) -> tuple[ssl.SSLSocket, dict[str, Any]]:
        try:
            wrapped = self._context().wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        except OSError as error:
            raise errors.FatalSSLAlert(str(error)) from None
        return wrapped, {}

    def get_environ(self, sock: Any = None) -> dict[str, Any]:
        return {}

    def makefile(self, sock: Any, mode: str = "r", bufsize: int = -1) -> Any:
        size = bufsize if bufsize > 0 else 8192
        return StreamReader(sock, mode, size) if "r" in mode else StreamWriter(sock, mode, size)


class _BufferingConnections(ConnectionManager):  # type: ignore[misc]
    """cheroot's connection manager, reading requests whole before dispatching them."""

    def __init__(self, server: Any, limit: int) -> None:
        super().__init__(server)
        self._limit = limit

    def put(self, conn: _Connection) -> None:
        conn.last_used = time.time()
        if conn.rfile.holds_request():
            self.server.process_conn(conn)
        else:
            self._selector.register(conn.socket.fileno(), 1, data=conn)  # 1: EVENT_READ

    @property
    def can_add_keepalive_connection(self) -> bool:
        return bool(self._num_connections < self._limit)

    def _run(self, expiration_interval: float) -> None:
        last_expiry = time.time()
        while not self._stop_requested:
            try:
                ready = list(self._selector.select(timeout=expiration_interval))
            except OSError:
                self._remove_invalid_sockets()
                continue
            for fd, conn in ready:
                if conn is self.server:
                    self._accept()
                else:
                    self._receive(fd, conn)
            now = time.time()
            if now - last_expiry > expiration_interval:
                # Idle keep-alive connections and requests still incomplete after
                # REQUEST_SECONDS: both were registered (last_used) that long ago.
                self._expire(threshold=now - self.server.timeout)
                last_expiry = now

    def _accept(self) -> None:
        if self._num_connections >= self._limit:
            self._evict_oldest()
        try:
            conn = self._from_server_socket(self.server.socket)
        except OSError as error:
            if error.errno not in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                raise
            log.warning("out of file descriptors; closing the oldest waiting connection")
            if not self._evict_oldest():
                time.sleep(0.05)  # nothing to close: do not spin on the listener
            return
        if conn is not None:
            conn.last_used = time.time()
            self._selector.register(conn.socket.fileno(), 1, data=conn)

    def _evict_oldest(self) -> bool:
        """Close the longest-waiting tenth of the connections: a flood of slow clients
        cannot lock new ones out, and the sort is paid once per many accepts."""
        waiting = [(fd, c) for fd, c in self._selector.connections if c is not self.server]
        count = max(1, len(waiting) // 10)
        for fd, conn in heapq.nsmallest(count, waiting, key=lambda entry: entry[1].last_used):
            self._selector.unregister(fd)
            conn.close()
        return bool(waiting)

    def _receive(self, fd: int, conn: _Connection) -> None:
        sock = conn.socket
        try:
            sock.settimeout(0.0)
            try:
                data = self._read_available(conn)
            finally:
                sock.settimeout(self.server.timeout)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
            return
        except OSError as error:
            if isinstance(error, ssl.SSLError):
                log.debug(
                    "TLS handshake failed",
                    extra={"client": conn.remote_addr, "error": error.reason or str(error)},
                )
            data = b""
        if not data:
            self._selector.unregister(fd)
            conn.close()
            return
        conn.rfile.feed(data)
        if conn.rfile.holds_request():
            self._selector.unregister(fd)
            self.server.process_conn(conn)

    @staticmethod
    def _read_available(conn: _Connection) -> bytes:
        sock = conn.socket
        if not conn.handshake_done:
            sock.do_handshake()
            conn.handshake_done = True
        room = MAX_REQUEST_BYTES - len(conn.rfile)
        chunks = [sock.recv(room)]
        if isinstance(sock, ssl.SSLSocket):
            # Decrypted bytes waiting in OpenSSL do not make the socket readable again.
            while chunks[-1] and sock.pending() and room > sum(map(len, chunks)):
                chunks.append(sock.recv(room - sum(map(len, chunks))))
        return b"".join(chunks)


class _Server(Server):  # type: ignore[misc]
    ConnectionClass = _Connection

    def prepare(self) -> None:
        super().prepare()
        self._connections._selector.close()
        self._connections: _BufferingConnections = _BufferingConnections(self, connection_limit())

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        # cheroot's own messages (a failed request, a lost client), as one structured line
        # and without a traceback; the secret scrubber runs in the log formatter too.
        log.log(max(level, logging.DEBUG), "http server: %s", redact(str(msg)))


class ExporterServer:
    """Serves `app` on `address` in a background thread, or in the foreground.

    `tls` is a context, or a function returning the context in force (read on each new
    connection, so a renewed certificate is served without a restart).
    """

    def __init__(self, app: ExporterApp, address: str, tls: TlsSource | None = None) -> None:
        host, port = parse_listen_address(address)
        if host == "":
            host = "::" if socket.has_ipv6 else "0.0.0.0"
        self._server = _Server(
            (host, port),
            app,
            numthreads=WORKER_THREADS,
            max=WORKER_THREADS,
            server_name=SERVER_NAME,
            request_queue_size=1024,  # a burst of connections waits in the kernel
            timeout=REQUEST_SECONDS,
            shutdown_timeout=SHUTDOWN_SECONDS,
            accepted_queue_size=4 * WORKER_THREADS,
            accepted_queue_timeout=1,
        )
        self._server.max_request_header_size = MAX_HEADER_BYTES
        self._server.max_request_body_size = MAX_BODY_BYTES
        if tls is not None:
            context = tls
            self._server.ssl_adapter = _TlsAdapter(
                context if callable(context) else (lambda: context)
            )
        try:
            self._server.prepare()
        except OSError as error:
            reason = error.strerror or str(error)
            raise ListenAddressError(f"cannot listen on {address}: {reason}") from None
        self.port = int(self._server.socket.getsockname()[1])
        self._thread: threading.Thread | None = None

    def start(self, poll_interval: float = 0.5) -> ExporterServer:
        """Serve in a background thread; `stop()` takes up to `poll_interval` seconds."""
        self._server.expiration_interval = poll_interval
        self._thread = threading.Thread(target=self._server.serve, name="http-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, let in-flight requests answer (up to `SHUTDOWN_SECONDS`), close."""
        self._server.stop()
