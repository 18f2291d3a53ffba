"""Running real programs in tests: the exporter's command line, Prometheus, Alertmanager."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest
import requests


class ExporterProcess:
    """`sms-balance-exporter serve|demo` in a subprocess; its stderr is kept in `log`."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sms_balance_exporter", *args],
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.log_lines: list[str] = []
        assert self.process.stderr is not None
        stderr = self.process.stderr
        threading.Thread(target=self._read_lines, args=(stderr,), daemon=True).start()

    def _read_lines(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)

    def wait_for_log(self, pattern: str, timeout: float = 15.0) -> re.Match[str]:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                pytest.fail(f"no log line matching {pattern!r}; got: {self.log_lines}")
            self.log_lines.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def port(self) -> int:
        return int(self.wait_for_log(r"msg=serving .*port=(\d+)").group(1))

    @property
    def log(self) -> str:
        while not self.lines.empty():
            self.log_lines.append(self.lines.get())
        return "".join(self.log_lines)

    def stop(self) -> int:
        self.process.terminate()
        code = self.process.wait(timeout=15)
        assert self.process.stderr is not None
        return code


@contextmanager
def exporter_process(
    args: list[str], env: dict[str, str] | None = None
) -> Iterator[ExporterProcess]:
    proc = ExporterProcess(args, env)
    try:
        yield proc
    finally:
        if proc.process.poll() is None:
            proc.process.kill()
            proc.process.wait(timeout=15)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


class Processes:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, args: list[str]) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.running.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT))

    def stop(self) -> None:
        for process in self.running:
            process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def http_ready(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False
