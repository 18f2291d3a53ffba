"""The web surface: nobody makes the exporter call a URL that is not in its config, methods
are limited, names are escaped, and a failing account is logged when it starts failing and
when it recovers, not on every scrape."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from sms_balance_exporter.simulator import Fault, Simulator
from tests.conftest import RunningExporter, sim_config

Start = Callable[[dict[str, Any]], RunningExporter]


@pytest.fixture
def bystander() -> Iterator[list[str]]:
    """A server that records every request it gets: the exporter must never call it."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    hits.append(f"127.0.0.1:{server.server_address[1]}")  # hits[0] is its address
    yield hits
    server.shutdown()
    server.server_close()


def test_no_request_parameter_reaches_upstream(
    sim: Simulator, start_exporter: Start, bystander: list[str]
) -> None:
    exporter = start_exporter(sim_config(sim))
    address = bystander[0]
    attempts = [
        {"target": f"http://{address}/"},
        {"target": address},
        {"target": "smsdev-1", "base_url": f"http://{address}"},
        {"target": "smsdev-1", "module": f"http://{address}", "url": f"http://{address}"},
    ]
    for params in attempts:
        requests.get(exporter.url + "/probe", params=params, timeout=10)
    requests.get(exporter.url + "/metrics", params={"base_url": f"http://{address}"}, timeout=10)
    assert bystander[1:] == []


def test_an_absolute_uri_request_is_not_proxied(
    sim: Simulator, start_exporter: Start, bystander: list[str]
) -> None:
    exporter = start_exporter(sim_config(sim))
    port = int(exporter.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(f"GET http://{bystander[0]}/metrics HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        status_line = raw.makefile("rb").readline()
    # Refused as a bad request (no proxy here) or as an unknown path: never fetched.
    assert status_line.split()[1] in (b"400", b"404")
    assert bystander[1:] == []


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
@pytest.mark.parametrize("path", ["/", "/metrics", "/probe?target=smsdev-1", "/targets"])
def test_only_get_and_head(sim: Simulator, start_exporter: Start, method: str, path: str) -> None:
    exporter = start_exporter(sim_config(sim, ["smsdev-1"]))
    response = requests.request(method, exporter.url + path, timeout=10)
    assert response.status_code == 405
    assert sim.requests("smsdev-1") == 0


def test_head_has_no_body(sim: Simulator, start_exporter: Start) -> None:
    exporter = start_exporter(sim_config(sim, ["smsdev-1"]))
    response = requests.head(exporter.url + "/", timeout=10)
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["Content-Length"]) > 0


def test_failures_are_logged_on_change_not_every_scrape(
    sim: Simulator, start_exporter: Start, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sms_balance_exporter")
    exporter = start_exporter(sim_config(sim, ["smsdev-1", "engagelab-1"]))

    def scrape() -> None:
        requests.get(exporter.url + "/metrics", timeout=10)

    def warnings(message: str) -> list[logging.LogRecord]:
        return [
            r for r in caplog.records if r.levelno == logging.WARNING and r.getMessage() == message
        ]

    scrape()
    assert not warnings("balance query failing")
    sim.set_fault("smsdev-1", Fault.REVOKED)
    for _ in range(3):
        scrape()
    failing = warnings("balance query failing")
    assert len(failing) == 1
    assert failing[0].__dict__["account"] == "smsdev-1"
    assert failing[0].__dict__["reason"] == "auth"
    sim.set_fault("smsdev-1", None)
    for _ in range(2):
        scrape()
    recovered = warnings("balance query recovered")
    assert [r.__dict__["account"] for r in recovered] == ["smsdev-1"]
    assert len(warnings("balance query failing")) == 1
