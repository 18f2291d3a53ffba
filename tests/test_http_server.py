"""The HTTP server under attack over loopback: huge headers, slowloris at a 1024-fd limit,
SIGTERM with hanging clients and during a scrape, HTTP/0.9, the Server header.

The exporter runs as a subprocess (`serve`), so its memory, threads and fd limit are its own.
"""

from __future__ import annotations

import queue
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests

from sms_balance_exporter.server import WORKER_THREADS
from sms_balance_exporter.simulator import Simulator
from tests.conftest import sim_config

Write = Callable[..., Path]

SLOW_CLIENTS = 2000
# Threads beyond the worker pool: main, selector, 503 writer, stop, and the balance service's.
THREAD_BOUND = WORKER_THREADS + 24
RSS_BOUND_MB = 100  # measured here: 41 MB idle, 45 MB with 2000 slow clients, 19 threads


class Exporter:
    """`serve` in a subprocess with an fd limit of 1024, as in many containers."""

    def __init__(self, config: Path, fd_limit: int = 1024, log_level: str = "info") -> None:
        def limit_fds() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

        command = [sys.executable, "-m", "sms_balance_exporter", "serve"]
        flags = ["--config.file", str(config), "--web.listen-address", "127.0.0.1:0"]
        self.process = subprocess.Popen(
            [*command, *flags, "--log.level", log_level],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            preexec_fn=limit_fds,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        stderr = self.process.stderr
        assert stderr is not None
        threading.Thread(target=lambda: [self.lines.put(ln) for ln in stderr], daemon=True).start()
        match = self.wait_for_log(r"msg=serving .*port=(\d+)")
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}"
        self.ps = psutil.Process(self.process.pid)

    def wait_for_log(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no log line matching {pattern!r}; got: {self.log}")
            self.log.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def rss_mb(self) -> float:
        return float(self.ps.memory_info().rss) / 2**20

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=15)


@pytest.fixture(autouse=True)
def enough_fds_for_the_clients() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 3 * SLOW_CLIENTS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        assert hard == resource.RLIM_INFINITY or hard >= wanted, "the hard fd limit is too low"
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


@pytest.fixture
def exporter(sim: Simulator, write_config: Write) -> Iterator[Callable[..., Exporter]]:
    started: list[Exporter] = []

    def start(**kwargs: Any) -> Exporter:
        exporter = Exporter(write_config(sim_config(sim, ["smsdev-1"])), **kwargs)
        started.append(exporter)
        return exporter

    yield start
    for exporter in started:
        exporter.close()


def slow_clients(stack: ExitStack, port: int, count: int = SLOW_CLIENTS) -> list[socket.socket]:
    """`count` connections that each send half a request and then nothing."""
    clients = []
    for _ in range(count):
        client = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
        client.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        clients.append(client)
    return clients


def timed_get(url: str) -> tuple[int, float]:
    started = time.monotonic()
    response = requests.get(url, timeout=10)
    return response.status_code, time.monotonic() - started


def test_huge_headers_get_431_and_leave_no_memory_behind(
    exporter: Callable[..., Exporter],
) -> None:
    server = exporter()
    requests.get(server.url + "/metrics", timeout=10)  # warm up: first scrape's allocations
    before = server.rss_mb()
    header_line = b"X-Big: " + b"a" * 64 * 1024 + b"\r\n"
    statuses = []
    for _ in range(100):  # 100 header lines of 64 KB each: 6.4 MB a request
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
            client.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            answer = b""
            for _ in range(100):
                try:
                    client.sendall(header_line)
                except OSError:
                    break  # the exporter has answered and closed
                if select.select([client], [], [], 0)[0]:
                    break
            try:
                answer = client.recv(200)
            except OSError:
                answer = b""
            statuses.append(answer.split(b" ")[1] if answer.count(b" ") else b"reset")
    growth = server.rss_mb() - before
    assert statuses.count(b"431") >= 95, statuses  # a reset may beat the answer now and then
    assert set(statuses) <= {b"431", b"reset"}
    assert growth < 20, f"RSS grew {growth:.1f} MB"


def test_slowloris_at_a_1024_fd_limit_leaves_the_exporter_answering(
    exporter: Callable[..., Exporter],
) -> None:
    server = exporter(fd_limit=1024)
    with ExitStack() as stack:
        slow_clients(stack, server.port)
        for path in ["/-/healthy", "/metrics", "/-/healthy", "/metrics"]:
            status, took = timed_get(server.url + path)
            assert status == 200
            assert took < 1.0, f"{path} took {took:.2f} s behind {SLOW_CLIENTS} slow clients"
        threads = server.ps.num_threads()
        rss = server.rss_mb()
        assert threads <= THREAD_BOUND, threads
        assert rss < RSS_BOUND_MB, f"RSS {rss:.0f} MB"
        assert server.process.poll() is None
    assert "Traceback" not in "".join(server.log)


def test_sigterm_with_hanging_clients_exits_within_5_seconds(
    exporter: Callable[..., Exporter],
) -> None:
    server = exporter(fd_limit=4096)
    with ExitStack() as stack:
        slow_clients(stack, server.port)
        assert timed_get(server.url + "/-/healthy")[0] == 200
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=15)
        took = time.monotonic() - started
    assert code == 0
    assert took < 5.0, f"exit took {took:.1f} s"


def test_sigterm_during_a_scrape_lets_it_answer_in_full(
    sim: Simulator, exporter: Callable[..., Exporter]
) -> None:
    server = exporter()
    sim.set_latency("smsdev-1", 1.0)
    answers: queue.Queue[requests.Response | BaseException] = queue.Queue()

    def scrape() -> None:
        try:
            answers.put(requests.get(server.url + "/metrics", timeout=10))
        except BaseException as error:
            answers.put(error)

    requests_before = sim.requests("smsdev-1")
    threading.Thread(target=scrape, daemon=True).start()
    deadline = time.monotonic() + 10
    while sim.requests("smsdev-1") == requests_before:  # the scrape is waiting on the provider
        assert time.monotonic() < deadline, "the scrape never reached the provider"
        time.sleep(0.02)
    server.process.send_signal(signal.SIGTERM)
    answer = answers.get(timeout=10)
    assert isinstance(answer, requests.Response), answer
    assert answer.status_code == 200
    assert 'sms_balance_up{account="smsdev-1",provider="smsdev"} 1.0' in answer.text
    assert server.process.wait(timeout=10) == 0


def test_http_0_9_gets_a_status_line_and_server_names_no_version(
    exporter: Callable[..., Exporter],
) -> None:
    server = exporter()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
        client.sendall(b"GET /metrics\r\n")
        answer = client.recv(4096)
    assert re.match(rb"HTTP/1\.[01] 400 ", answer), answer
    header = requests.get(server.url + "/-/healthy", timeout=10).headers["Server"]
    assert header == "sms-balance-exporter"
    assert not re.search(r"\d", header)


def test_client_errors_are_logged_as_structured_lines(
    exporter: Callable[..., Exporter],
) -> None:
    server = exporter(log_level="debug")
    for junk in [b"GET /metrics\r\n", b"\x16\x03\x01garbage\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n"]:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
            client.sendall(junk)
            client.recv(4096)
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=10) == 0
    server.wait_for_log(r"msg=\"shutting down\"")
    log = "".join(server.log)
    assert log.count('msg="client error"') >= 3
    assert "Traceback" not in log
    assert all(line.startswith("ts=") for line in server.log)
