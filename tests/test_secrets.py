"""No credential reaches /metrics, the landing page, logs or error messages."""

from __future__ import annotations

import base64
import json
import logging
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from sms_balance_exporter.logs import JsonFormatter, LogfmtFormatter
from sms_balance_exporter.simulator import Fault, SimAccount, Simulator
from tests.process import exporter_process

Write = Callable[..., Path]


def secret_values(sim: Simulator) -> list[str]:
    return [v for a in sim.accounts.values() for v in a.credentials.values()]


def test_no_secret_anywhere(sim: Simulator, write_config: Write, refused_port: int) -> None:
    # The sample credentials are unique strings derived from each account's name.
    sim.set_fault("iletimerkezi-1", Fault.REVOKED)
    sim.set_fault("engagelab-1", Fault.HTML_5XX)
    accounts = [sim.exporter_account(name) for name in sim.accounts]
    # SMSDev puts its key in the query string; a failed connection must not show the URL's key.
    unreachable = SimAccount("smsdev-down", "smsdev", {"key": "SeCrEt-smsdev-down-key"})
    accounts.append(
        {
            "name": unreachable.name,
            "provider": "smsdev",
            **unreachable.credentials,
            "base_url": f"http://127.0.0.1:{refused_port}",
        }
    )
    secrets = [*secret_values(sim), "SeCrEt-smsdev-down-key"]
    path = write_config({"accounts": accounts})
    args = ["--config.file", str(path)]

    with exporter_process(
        ["serve", *args, "--web.listen-address", "127.0.0.1:0", "--log.level", "debug"]
    ) as proc:
        url = f"http://127.0.0.1:{proc.port()}"
        pages = [
            requests.get(f"{url}/metrics", timeout=10).text,
            requests.get(f"{url}/", timeout=10).text,
            requests.get(f"{url}/probe", params={"target": "smsdev-down"}, timeout=10).text,
        ]
        proc.stop()
        log = proc.log
    assert 'account="smsdev-down"' in pages[0]  # the failing account is there…
    assert "balance query failing" in log and "connection" in log  # …and was logged
    query = exporter_query(args)
    assert json.loads(query)[-1]["reason"] == "connection"
    for secret in secrets:
        for text in [*pages, log, query]:
            assert secret not in text


def exporter_query(args: list[str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sms_balance_exporter", "query", *args, "--output", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1  # some accounts fail on purpose
    return done.stdout + done.stderr


class ReflectingProvider:
    """A provider API that answers every request with its `Authorization` header in the
    status line and a header block urllib3 cannot parse (it logs a warning with the URL)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with client:
                client.settimeout(5)
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = client.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                auth = next(
                    (
                        line.split(b":", 1)[1].strip()
                        for line in request.split(b"\r\n")
                        if line.lower().startswith(b"authorization:")
                    ),
                    b"none",
                )
                body = b"<html>denied</html>"
                client.sendall(
                    b"HTTP/1.1 401 Denied for " + auth + b"\x1b[2J\r\n"
                    b"Content-Type: text/html\r\n"
                    b"Not a header line\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n"
                    b"Connection: close\r\n\r\n" + body
                )

    def close(self) -> None:
        self.listener.close()


def test_query_check_and_serve_show_no_secret_a_provider_reflects(write_config: Write) -> None:
    provider = ReflectingProvider()
    sid, token = "AC" + "5e" * 16, "t0ken-" + "9f" * 13
    path = write_config(
        {
            "accounts": [
                {
                    "name": "reflected",
                    "provider": "twilio",
                    "account_sid": sid,
                    "auth_token": token,
                    "base_url": provider.url,
                }
            ]
        }
    )
    secrets = [sid, token, base64.b64encode(f"{sid}:{token}".encode()).decode()]
    outputs = []
    try:
        for command in [
            ["query", "--output", "json", "--log.level", "debug"],
            ["query", "--log.format", "json", "--log.level", "warn"],
            ["check"],
        ]:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "sms_balance_exporter",
                    *command,
                    "--config.file",
                    str(path),
                ],
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )
            outputs.append(done.stdout + done.stderr)
        serve = ["serve", "--config.file", str(path), "--web.listen-address", "127.0.0.1:0"]
        with exporter_process([*serve, "--log.level", "debug"]) as proc:
            url = f"http://127.0.0.1:{proc.port()}"
            outputs.append(requests.get(f"{url}/metrics", timeout=10).text)
            proc.wait_for_log("balance query failing")
            proc.stop()
            outputs.append(proc.log)
    finally:
        provider.close()
    assert "Failed to parse headers" in outputs[0]  # the library warning was there
    assert "logger=sms_balance_exporter.service" in outputs[0]  # and names are left alone
    for text in outputs:
        assert "\x1b" not in text
        for secret in secrets:
            assert secret not in text, text


@pytest.mark.parametrize("fmt", ["logfmt", "json"])
def test_control_characters_are_escaped_in_every_log_format(fmt: str) -> None:
    formatter = JsonFormatter() if fmt == "json" else LogfmtFormatter()
    record = logging.LogRecord(
        "x", logging.WARNING, "", 0, "status %s", ("a\r\nb\x1b[2J\x9b",), None
    )
    record.reason = "forged\nts=2020 level=error msg=fake\u2028"
    line = formatter.format(record)
    assert "\n" not in line and "\r" not in line
    assert not any(c in line for c in "\x1b\x9b\u2028")
    assert "\\u001b" in line and "\\u009b" in line and "\\u2028" in line


def test_base64_credentials_in_a_status_line_are_scrubbed() -> None:
    from sms_balance_exporter import logs

    secrets = ["AC" + "5e" * 16, "t0ken-value"]
    basic = base64.b64encode(f"{secrets[0]}:{secrets[1]}".encode()).decode()
    urlsafe = base64.urlsafe_b64encode(b"user:" + secrets[1].encode()).decode().rstrip("=")
    logs.set_known_secrets(secrets)
    try:
        line = logs.scrub(f"HTTP 401 Denied for Basic {basic} and {urlsafe}; logger a_b_c_d_e_f")
    finally:
        logs.set_known_secrets([])
    assert basic not in line and urlsafe not in line
    assert line == "HTTP 401 Denied for Basic <secret> and <secret>; logger a_b_c_d_e_f"
