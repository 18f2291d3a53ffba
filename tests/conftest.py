"""Shared fixtures: a simulator on a loopback port, config files, a running exporter."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

from sms_balance_exporter.config import load_config
from sms_balance_exporter.runtime import ExporterRuntime
from sms_balance_exporter.server import ExporterServer
from sms_balance_exporter.simulator import TWINS, Simulator, simulator

IN_CI = os.environ.get("CI", "").lower() == "true"

# Property tests run 50 examples each (about 120 tests: every provider's parser three ways);
# HYPOTHESIS_PROFILE=thorough runs 1000 each when a parser or the config loader changes.
settings.register_profile("default", max_examples=50)
settings.register_profile("thorough", max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def require_binary(name: str) -> str:
    """The path of a binary tests need: a failure in CI, a skip elsewhere."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian package: apt-get install prometheus)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections for the whole test: bound, never listening.
    Held, not just found free: a port found free and let go can be handed to a server the
    test starts next (the exporter's own), and the "refused" calls then reach that server."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield int(holder.getsockname()[1])


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A simulator with one healthy account of every provider, named `<provider>-1`."""
    with simulator([twin().sample_account(f"{pid}-1") for pid, twin in TWINS.items()]) as s:
        yield s


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[Any], Path]:
    def write(data: Any, name: str = "config.yml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
        return path

    return write


class RunningExporter:
    def __init__(self, runtime: ExporterRuntime, server: ExporterServer, config: Path) -> None:
        self.runtime = runtime
        self.server = server
        self.config_path = config
        self.url = f"http://127.0.0.1:{server.port}"


@pytest.fixture
def start_exporter(
    write_config: Callable[[Any], Path],
) -> Iterator[Callable[[dict[str, Any]], RunningExporter]]:
    """Start an exporter on a free loopback port with the config `data`."""
    started: list[RunningExporter] = []

    def start(data: dict[str, Any]) -> RunningExporter:
        path = write_config(data)
        runtime = ExporterRuntime(lambda: load_config(path))
        server = ExporterServer(runtime.app, "127.0.0.1:0").start(poll_interval=0.05)
        exporter = RunningExporter(runtime, server, path)
        started.append(exporter)
        return exporter

    yield start
    for exporter in started:
        exporter.server.stop()
        exporter.runtime.service.shutdown()


def sim_config(sim: Simulator, names: list[str] | None = None, **defaults: Any) -> dict[str, Any]:
    """An exporter config for simulated accounts `names` (all by default)."""
    accounts = [sim.exporter_account(n) for n in (names or list(sim.accounts))]
    return {"defaults": defaults, "accounts": accounts} if defaults else {"accounts": accounts}
