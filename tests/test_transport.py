"""The transport over real loopback sockets: true deadlines, no redirects, the body cap."""

from __future__ import annotations

import base64
import contextlib
import gzip
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sms_balance_exporter.providers import HttpRequest, ProviderError, Reason
from sms_balance_exporter.transport import Transport

DEADLINE = 1.0
# The target is deadline + 0.1 s (bench/); a loaded 2-core test machine gets more slack.
SLACK = 0.5

Serve = Callable[[socket.socket], None]


@pytest.fixture
def server() -> Iterator[Callable[[Serve], str]]:
    """A loopback server running `serve` on each connection; yields its base URL."""
    listeners: list[socket.socket] = []
    stop = threading.Event()

    def start(serve: Serve) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def accept() -> None:
            while not stop.is_set():
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return
                threading.Thread(
                    target=serve, args=(connection,), name="test-server", daemon=True
                ).start()

        threading.Thread(target=accept, name="test-server-accept", daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    stop.set()
    for listener in listeners:
        listener.close()


def trickle(data: bytes) -> Serve:
    def serve(connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            try:
                for index in range(len(data)):
                    connection.sendall(data[index : index + 1])
                    time.sleep(0.05)
                time.sleep(30)
            except OSError:
                return

    return serve


def timed_failure(url: str) -> tuple[ProviderError, float]:
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        Transport().perform(HttpRequest("GET", url + "/balance?key=s3cret"), started + DEADLINE)
    return caught.value, time.monotonic() - started


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" * 50, id="headers"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{", id="stalled-body"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1\r\nx\r\n" * 200,
            id="trickled-chunks",
        ),
    ],
)
def test_a_trickling_provider_is_cut_at_the_deadline(
    server: Callable[[Serve], str], answer: bytes
) -> None:
    error, elapsed = timed_failure(server(trickle(answer)))
    assert error.reason is Reason.TIMEOUT
    assert DEADLINE - 0.05 <= elapsed < DEADLINE + SLACK, elapsed
    assert "127.0.0.1" in error.message and "s3cret" not in error.message


def answer_once(data: bytes) -> Serve:
    def serve(connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            connection.sendall(data)

    return serve


def test_a_redirect_is_not_followed(server: Callable[[Serve], str]) -> None:
    url = server(
        answer_once(
            b"HTTP/1.1 302 Found\r\nLocation: http://elsewhere.invalid/\r\n"
            b"Content-Length: 0\r\n\r\n"
        )
    )
    response = Transport().perform(HttpRequest("GET", url), time.monotonic() + 5)
    assert response.status == 302


def test_a_gzip_answer_inflating_past_the_cap_is_refused(server: Callable[[Serve], str]) -> None:
    bomb = gzip.compress(b"0" * (2 * 1024 * 1024))
    head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(bomb)}\r\n\r\n"
    url = server(answer_once(head.encode() + bomb))
    with pytest.raises(ProviderError) as caught:
        Transport().perform(HttpRequest("GET", url), time.monotonic() + 5)
    assert caught.value.reason is Reason.PARSE
    assert len(bomb) < 1024 * 1024  # the cap counts decoded bytes, not bytes on the wire


def recording(answer: bytes, seen: list[bytes]) -> Serve:
    """Answers every request on the connection with `answer`, keeping each request's head."""

    def serve(connection: socket.socket) -> None:
        with connection:
            while request := connection.recv(65536):
                seen.append(request)
                connection.sendall(answer)

    return serve


OK = b"HTTP/1.1 200 OK\r\nSet-Cookie: session=abc; Path=/\r\nContent-Length: 2\r\n\r\n{}"


def test_no_cookie_is_stored_or_sent(server: Callable[[Serve], str]) -> None:
    seen: list[bytes] = []
    url = server(recording(OK, seen))
    transport = Transport()
    for _ in range(2):
        transport.perform(HttpRequest("GET", url), time.monotonic() + 5)
    assert len(seen) == 2 and all(b"cookie:" not in head.lower() for head in seen)


def test_netrc_is_never_read(
    server: Callable[[Serve], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bytes] = []
    url = server(recording(OK, seen))
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login user password netrc-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(netrc))
    Transport().perform(HttpRequest("GET", url), time.monotonic() + 5)
    assert seen and b"authorization:" not in seen[0].lower()


def test_proxy_credentials_from_the_environment_are_sent(
    server: Callable[[Serve], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bytes] = []
    proxy = server(recording(OK, seen))
    monkeypatch.setenv("HTTP_PROXY", proxy.replace("http://", "http://puser:ppass@"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    response = Transport().perform(
        HttpRequest("GET", "http://provider.invalid/balance"), time.monotonic() + 5
    )
    assert response.status == 200
    expected = b"proxy-authorization: basic " + base64.b64encode(b"puser:ppass").lower()
    assert seen and seen[0].startswith(b"GET http://provider.invalid/balance")
    assert expected in seen[0].lower()


# -- a slow TLS handshake and a stalling proxy --------------------------------------------------


class Peer:
    """What a test server saw: the request head it read, and when its client hung up."""

    def __init__(self) -> None:
        self.head = b""
        self.hung_up = threading.Event()

    def wait_for_hang_up(self, connection: socket.socket) -> None:
        """Read until the client closes (or shuts down) its end of the connection."""
        try:
            while connection.recv(65536):
                pass
        except OSError:
            pass
        self.hung_up.set()


def stalling(peer: Peer, first: bytes = b"", trickled: bytes = b"") -> Serve:
    """Reads the client's first bytes, sends `first` at once and `trickled` a byte every 0.05 s
    in a thread of its own, and records when the client hangs up."""

    def serve(connection: socket.socket) -> None:
        with connection:
            peer.head = connection.recv(65536)
            connection.sendall(first)

            def drip() -> None:
                for index in range(len(trickled)):
                    if peer.hung_up.is_set():
                        return
                    with contextlib.suppress(OSError):
                        connection.sendall(trickled[index : index + 1])
                    time.sleep(0.05)

            threading.Thread(target=drip, name="test-server-drip", daemon=True).start()
            peer.wait_for_hang_up(connection)

    return serve


def client_threads() -> list[threading.Thread]:
    """The threads of this process but the test servers'."""
    return [t for t in threading.enumerate() if not t.name.startswith("test-server")]


def assert_cut_and_freed(url: str, peer: Peer, secrets: tuple[str, ...] = ()) -> ProviderError:
    """The call fails with `timeout` by the deadline on a thread of its own, which then ends;
    the thread count is back where it was and the server sees the connection closed."""
    transport = Transport()
    baseline = len(client_threads())
    failures: list[ProviderError] = []

    def call() -> None:
        with pytest.raises(ProviderError) as caught:
            transport.perform(HttpRequest("GET", url), time.monotonic() + DEADLINE)
        failures.append(caught.value)

    started = time.monotonic()
    worker = threading.Thread(target=call)
    worker.start()
    worker.join(DEADLINE + SLACK)
    elapsed = time.monotonic() - started
    assert not worker.is_alive(), "the call outlived its deadline"
    assert DEADLINE - 0.05 <= elapsed < DEADLINE + SLACK, elapsed
    assert peer.hung_up.wait(SLACK), "the connection stayed open past the deadline"
    # The watchdog thread started with the call, and stays: one thread for all calls.
    assert len(client_threads()) <= baseline + 1
    [error] = failures
    assert error.reason is Reason.TIMEOUT
    for secret in secrets:
        assert secret not in error.message
    return error


# A TLS handshake record announcing 256 bytes, of which a few arrive, a byte at a time.
SERVER_HELLO_START = b"\x16\x03\x03\x01\x00\x02\x00\x00\xfc\x03\x03"


@pytest.mark.parametrize("trickled", [b"", SERVER_HELLO_START], ids=["never", "byte-by-byte"])
def test_a_slow_tls_handshake_is_cut_at_the_deadline(
    server: Callable[[Serve], str], trickled: bytes
) -> None:
    peer = Peer()
    url = server(stalling(peer, trickled=trickled)).replace("http://", "https://")
    error = assert_cut_and_freed(url + "/balance?key=s3cret", peer, secrets=("s3cret",))
    assert peer.head.startswith(b"\x16\x03")  # the ClientHello arrived: TCP was up
    assert "127.0.0.1" in error.message


@pytest.fixture
def https_proxy(
    server: Callable[[Serve], str], monkeypatch: pytest.MonkeyPatch
) -> Callable[[Serve], None]:
    """Points HTTPS_PROXY, with credentials, at a loopback server running `serve`."""

    def start(serve: Serve) -> None:
        url = server(serve)
        for name in ("NO_PROXY", "no_proxy", "https_proxy", "http_proxy", "HTTP_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", url.replace("http://", "http://puser:ppass@"))

    return start


PROXY_SECRETS = ("puser", "ppass", base64.b64encode(b"puser:ppass").decode(), "s3cret")
PROVIDER_URL = "https://provider.invalid/balance?key=s3cret"


def assert_connect_with_credentials(head: bytes) -> None:
    assert head.startswith(b"CONNECT provider.invalid:443 HTTP/1.")
    expected = b"proxy-authorization: basic " + base64.b64encode(b"puser:ppass").lower()
    assert expected in head.lower()
    assert b"s3cret" not in head  # the path and query go inside the tunnel only


@pytest.mark.parametrize(
    "trickled",
    [b"", b"HTTP/1.1 200 Connection established\r\nVia: 1.1 proxy\r\n" * 20],
    ids=["stalled", "byte-by-byte"],
)
def test_a_stalling_connect_proxy_is_cut_at_the_deadline(
    https_proxy: Callable[[Serve], None],
    trickled: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    peer = Peer()
    https_proxy(stalling(peer, trickled=trickled))
    assert_cut_and_freed(PROVIDER_URL, peer, secrets=PROXY_SECRETS)
    assert_connect_with_credentials(peer.head)
    for secret in PROXY_SECRETS:
        assert secret not in caplog.text


def test_a_proxy_refusing_the_tunnel_is_named_without_its_credentials(
    https_proxy: Callable[[Serve], None], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    peer = Peer()
    https_proxy(
        stalling(peer, b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
    )
    with pytest.raises(ProviderError) as caught:
        Transport().perform(HttpRequest("GET", PROVIDER_URL), time.monotonic() + 5)
    error = caught.value
    assert error.reason is Reason.CONNECTION
    assert error.message.startswith("proxy for host provider.invalid:"), error.message
    assert "407" in error.message
    assert_connect_with_credentials(peer.head)
    for secret in PROXY_SECRETS:
        assert secret not in error.message and secret not in caplog.text
