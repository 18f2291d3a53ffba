"""The processes the benchmark drives: the simulator and the exporters (ours and the
reference), each a real process on loopback; timed HTTP requests; CPU and memory readings.
"""

from __future__ import annotations

import http.client
import json
import select
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import psutil

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 60.0


class BenchError(RuntimeError):
    """A process that did not start or answered wrongly; the message says which."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class HttpResult:
    status: int
    body: bytes
    seconds: float  # from before connect() to the last byte of the body
    finished: float  # time.monotonic() at the last byte


def http_request(
    port: int,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    timeout: float = 900.0,
) -> HttpResult:
    """One request on a new connection with TCP_NODELAY (as Prometheus sends them)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.connect()
        assert connection.sock is not None
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return HttpResult(response.status, body, time.perf_counter() - started, time.monotonic())


def count_up(body: bytes) -> tuple[int, int]:
    """How many `sms_balance_up` series in an exposition are 1 and how many are 0."""
    up = down = 0
    for line in body.splitlines():
        if line.startswith(b"sms_balance_up{"):
            if line.endswith(b" 1.0"):
                up += 1
            else:
                down += 1
    return up, down


class _Process:
    """A child process whose stderr goes to a log file; stopped with SIGTERM, then SIGKILL."""

    def __init__(self, command: list[str], log_path: Path, stdout: int | None = None) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("ab")
        self.started = time.monotonic()
        self.popen = subprocess.Popen(
            command, cwd=REPO_DIR, stdout=stdout, stderr=self._log, text=stdout is not None
        )
        self.ps = psutil.Process(self.popen.pid)

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def rss_bytes(self) -> int:
        return int(self.ps.memory_info().rss)

    def connections_to(self, port: int) -> int:
        """The process's open TCP sockets to `port` on loopback, whatever their state: a
        call's socket counts until the process closes it."""
        return sum(
            1
            for connection in self.ps.net_connections(kind="tcp")
            if connection.raddr and connection.raddr.port == port
        )

    def check_alive(self, what: str) -> None:
        if self.popen.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise BenchError(f"{what} exited with {self.popen.returncode}:\n{tail}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=15)
        self._log.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class SimulatorProcess(_Process):
    """`bench/simulator_process.py`: N simulated accounts and the exporter config for them."""

    def __init__(
        self,
        accounts: int,
        latency: float,
        config: Path,
        log_path: Path,
        *,
        timeout: float | None = 300.0,
        min_interval: float | None = 0.0,
        faults: dict[str, int] | None = None,
        hang_limit: float | None = None,
        providers: tuple[str, ...] = (),
    ) -> None:
        """`None` for `timeout` or `min_interval` leaves the exporter's default."""
        command = [
            sys.executable,
            str(BENCH_DIR / "simulator_process.py"),
            "--accounts",
            str(accounts),
            "--latency",
            str(latency),
            "--config",
            str(config),
        ]
        if timeout is not None:
            command += ["--timeout", str(timeout)]
        if min_interval is not None:
            command += ["--min-interval", str(min_interval)]
        if providers:
            command += ["--providers", ",".join(providers)]
        for fault, count in (faults or {}).items():
            command += ["--fault", f"{fault}={count}"]
        if hang_limit is not None:
            command += ["--hang-limit", str(hang_limit)]
        super().__init__(command, log_path, stdout=subprocess.PIPE)
        self.accounts = accounts
        self.config = config
        try:
            info = json.loads(self._first_line())
        except BaseException:
            self.stop()
            raise
        self.url: str = info["url"]
        self.providers: int = info["providers"]  # how many the accounts are spread over

    def _first_line(self) -> str:
        assert self.popen.stdout is not None
        ready, _, _ = select.select([self.popen.stdout], [], [], START_TIMEOUT_SECONDS)
        line = self.popen.stdout.readline() if ready else ""
        if not line:
            self.check_alive("the simulator")
            raise BenchError("the simulator printed nothing")
        return str(line)

    def stop(self) -> None:
        super().stop()
        if self.popen.stdout is not None:
            self.popen.stdout.close()


class ExporterProcess(_Process):
    """`python -m sms_balance_exporter serve`, or with `reference_workers` the reference
    exporter (`reference_exporter.py`) with that many workers."""

    def __init__(self, config: Path, log_path: Path, reference_workers: int = 0) -> None:
        self.port = free_port()
        if reference_workers:
            command = [
                sys.executable,
                str(BENCH_DIR / "reference_exporter.py"),
                "--config.file",
                str(config),
                "--port",
                str(self.port),
                "--workers",
                str(reference_workers),
            ]
        else:
            command = [
                sys.executable,
                "-m",
                "sms_balance_exporter",
                "serve",
                "--config.file",
                str(config),
                "--web.listen-address",
                f"{HOST}:{self.port}",
                "--log.level",
                "error",
            ]
        super().__init__(command, log_path)

    def wait_listening(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Wait until the process accepts connections (without asking it for anything)."""
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            try:
                socket.create_connection((HOST, self.port), timeout=1.0).close()
                return
            except OSError:
                self.check_alive("the exporter")
                time.sleep(0.01)
        raise BenchError(f"the exporter was not listening within {timeout:.0f}s")

    def get(self, path: str = "/metrics", headers: dict[str, str] | None = None) -> HttpResult:
        return http_request(self.port, path, headers=headers)

    def scrape(
        self, expected_up: int, headers: dict[str, str] | None = None, path: str = "/metrics"
    ) -> HttpResult:
        """One scrape that must answer 200 with `expected_up` accounts up."""
        result = self.get(path, headers)
        up = count_up(result.body)[0]
        if result.status != 200 or up != expected_up:
            raise BenchError(
                f"{path} answered {result.status} with {up} accounts up, not {expected_up}"
            )
        return result
