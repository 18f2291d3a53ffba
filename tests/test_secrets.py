"""No credential reaches /metrics, the landing page, logs or error messages."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

import requests

from sms_balance_exporter.simulator import Fault, SimAccount, Simulator
from tests.process import exporter_process

Write = Callable[..., Path]


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def secret_values(sim: Simulator) -> list[str]:
    return [v for a in sim.accounts.values() for v in a.credentials.values()]


def test_no_secret_anywhere(sim: Simulator, write_config: Write) -> None:
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
            "base_url": f"http://127.0.0.1:{closed_port()}",
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
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "sms_balance_exporter", "query", *args, "--output", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1  # some accounts fail on purpose
    return done.stdout + done.stderr
