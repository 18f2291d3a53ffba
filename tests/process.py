"""Running the real command line as a subprocess in tests."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


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
        threading.Thread(target=lambda: [self.lines.put(ln) for ln in stderr], daemon=True).start()

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
