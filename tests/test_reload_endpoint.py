"""`/-/reload`: a failure of any kind is logged, answered in words and shown by the reload
metric; a browser page from another site cannot trigger it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sms_balance_exporter.config import Config, load_config
from sms_balance_exporter.runtime import ExporterRuntime
from sms_balance_exporter.server import ExporterServer
from sms_balance_exporter.simulator import Simulator
from tests.conftest import sim_config

RELOAD_METRIC = "sms_balance_exporter_config_last_reload_successful"


@pytest.fixture
def exporter(
    sim: Simulator, write_config: Callable[..., Path]
) -> Iterator[tuple[str, list[BaseException]]]:
    """An exporter whose next loads raise whatever the test puts in the returned list."""
    path = write_config(sim_config(sim, ["smsdev-1"]))
    failures: list[BaseException] = []

    def load() -> Config:
        if failures:
            raise failures.pop(0)
        return load_config(path)

    runtime = ExporterRuntime(load)
    server = ExporterServer(runtime.app, "127.0.0.1:0").start(poll_interval=0.05)
    yield f"http://127.0.0.1:{server.port}", failures
    server.stop()
    runtime.service.shutdown()


def reload_metric(url: str) -> str:
    text = requests.get(url + "/exporter-metrics", timeout=10).text
    return next(line for line in text.splitlines() if line.startswith(RELOAD_METRIC + " "))


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        (MemoryError(), "unexpected MemoryError"),
        (OSError(24, "Too many open files"), "Too many open files"),
        (RecursionError("maximum recursion depth exceeded"), "RecursionError"),
    ],
)
def test_any_reload_failure_is_logged_answered_and_counted(
    exporter: tuple[str, list[BaseException]],
    caplog: pytest.LogCaptureFixture,
    failure: BaseException,
    words: str,
) -> None:
    url, failures = exporter
    caplog.set_level(logging.ERROR, logger="sms_balance_exporter")
    failures.append(failure)
    answer = requests.post(url + "/-/reload", timeout=10)
    assert answer.status_code == 500
    assert answer.text.startswith("config not reloaded, the old one stays: ")
    assert words in answer.text
    logged = [r for r in caplog.records if r.getMessage().startswith("config reload failed")]
    assert len(logged) == 1
    assert words in logged[0].__dict__["error"]
    assert reload_metric(url).endswith(" 0.0")
    assert requests.post(url + "/-/reload", timeout=10).status_code == 200
    assert reload_metric(url).endswith(" 1.0")


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:1"},  # another port on the same host is another origin
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_cross_site_reloads_are_refused(
    exporter: tuple[str, list[BaseException]], headers: dict[str, str]
) -> None:
    url, failures = exporter
    failures.append(AssertionError("the config must not be read"))
    answer = requests.post(url + "/-/reload", headers=headers, timeout=10)
    assert answer.status_code == 403
    assert "cross-site" in answer.text
    assert failures  # never loaded


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, Prometheus tooling
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},  # typed by the user
        {"Origin": "SAME"},
    ],
)
def test_own_and_non_browser_reloads_are_accepted(
    exporter: tuple[str, list[BaseException]], headers: dict[str, Any]
) -> None:
    url, _ = exporter
    if headers.get("Origin") == "SAME":
        headers = {"Origin": url}
    assert requests.post(url + "/-/reload", headers=headers, timeout=10).status_code == 200
