"""Clients looping a 0.02 s scrape timeout against the real exporter, over loopback: a normal
scrape still sees every account up, and the upstream calls stay within the README's bound
(at most one in flight per account, so with `min_interval` 0 at most one per answer time)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests

from sms_balance_exporter.simulator import TWINS, simulator
from tests.conftest import RunningExporter, sim_config
from tests.metrics_text import value

LATENCY = 0.3
STORM_SECONDS = 3.0
STORM_CLIENTS = 4
ACCOUNTS = 10


def test_short_deadline_storm_hides_no_account_and_calls_within_the_bound(
    start_exporter: Callable[[dict[str, Any]], RunningExporter],
) -> None:
    twins = list(TWINS.values())[:ACCOUNTS]
    accounts = [twin().sample_account(f"{twin.provider_id}-1") for twin in twins]
    for account in accounts:
        account.latency = LATENCY
    with simulator(accounts) as sim:
        exporter = start_exporter(sim_config(sim, timeout="5s", min_interval="0s"))
        stop = threading.Event()
        storm_answers: list[int] = []

        def storm() -> None:
            with requests.Session() as session:
                while not stop.is_set():
                    response = session.get(
                        exporter.url + "/metrics",
                        headers={"X-Prometheus-Scrape-Timeout-Seconds": "0.02"},
                        timeout=5,
                    )
                    storm_answers.append(response.status_code)

        started = time.monotonic()
        clients = [threading.Thread(target=storm) for _ in range(STORM_CLIENTS)]
        for client in clients:
            client.start()
        normal: list[dict[str, float | None]] = []
        try:
            while time.monotonic() - started < STORM_SECONDS:
                text = requests.get(
                    exporter.url + "/metrics",
                    headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"},
                    timeout=15,
                ).text
                normal.append(
                    {
                        a.name: value(text, "sms_balance_up", provider=a.provider, account=a.name)
                        for a in accounts
                    }
                )
        finally:
            stop.set()
            for client in clients:
                client.join(10)
        elapsed = time.monotonic() - started
        calls = {a.name: sim.requests(a.name) for a in accounts}

    assert len(storm_answers) > 10 * STORM_CLIENTS  # the storm really ran
    assert set(storm_answers) == {200}
    assert len(normal) >= 3
    for ups in normal:
        assert ups == {a.name: 1.0 for a in accounts}
    # One call at a time per account, each taking at least LATENCY: the README's bound.
    bound = elapsed / LATENCY + 1
    assert all(1 <= count <= bound for count in calls.values()), (calls, bound)
