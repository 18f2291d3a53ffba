"""The fault matrix, over real loopback sockets: every provider has a faulty account and a
healthy one; for each fault the exporter keeps serving, the healthy accounts are unaffected,
the faulty ones are up=0 with the expected reason, the scrape meets its deadline, and no
secret appears in the answer, the landing page or the logs."""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import trustme

from sms_balance_exporter.logs import LogfmtFormatter
from sms_balance_exporter.providers import Reason
from sms_balance_exporter.simulator import TWINS, Fault, Simulator, simulator
from tests.conftest import RunningExporter
from tests.metrics_text import value

Start = Callable[[dict[str, Any]], RunningExporter]
SCRAPE_TIMEOUT = 2.0  # the header Prometheus sends; the exporter answers by 1.5 s
SLACK = 0.3
HEADERS = {"X-Prometheus-Scrape-Timeout-Seconds": str(SCRAPE_TIMEOUT)}

# fault -> the reason every faulty account must report (None: the account stays up)
FAULTS: dict[Fault | str, Reason | frozenset[Reason] | None] = {
    Fault.HANG: Reason.TIMEOUT,
    Fault.SLOW_BODY: Reason.TIMEOUT,
    "connection_refused": Reason.CONNECTION,
    Fault.RESET: Reason.CONNECTION,
    "tls_untrusted_certificate": Reason.CONNECTION,
    Fault.HTML_5XX: Reason.HTTP,
    Fault.HTML_200: Reason.PARSE,
    Fault.MALFORMED_JSON: Reason.PARSE,
    Fault.EMPTY_BODY: Reason.PARSE,
    Fault.HUGE_BODY: Reason.PARSE,
    Fault.WRONG_TYPES: Reason.PARSE,
    Fault.MISSING_FIELDS: Reason.PARSE,
    Fault.NAN: Reason.PARSE,
    Fault.INFINITY: Reason.PARSE,
    Fault.REVOKED: Reason.AUTH,
    Fault.RATE_LIMITED: Reason.RATE_LIMITED,
    Fault.REDIRECT: Reason.HTTP,
    # The provider's auth error body under HTTP 200: a failure all the same. Most bodies say
    # "auth"; one that carries only free text (Plivo's) is a provider error.
    Fault.ERROR_BODY_200: frozenset({Reason.AUTH, Reason.PROVIDER}),
    # A negative balance is real (an overdrawn or postpaid account): reported, not hidden.
    Fault.NEGATIVE: None,
}


@pytest.fixture(scope="module")
def tls_sim() -> Iterator[Simulator]:
    """A simulator behind a certificate no system trust store knows."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    with simulator(tls=server_context) as sim:
        yield sim


@pytest.fixture
def two_per_provider() -> Iterator[Simulator]:
    accounts = []
    for provider, twin in TWINS.items():
        for kind in ("ok", "bad"):
            account = twin().sample_account(f"{provider}-{kind}")
            accounts.append(account)
    with simulator(accounts) as sim:
        yield sim


@pytest.mark.parametrize("fault", list(FAULTS), ids=str)
def test_fault(
    fault: Fault | str,
    two_per_provider: Simulator,
    tls_sim: Simulator,
    start_exporter: Start,
    caplog: pytest.LogCaptureFixture,
    refused_port: int,
) -> None:
    sim = two_per_provider
    entries = []
    for name in sim.accounts:
        entry = sim.exporter_account(name)
        if name.endswith("-bad"):
            if isinstance(fault, Fault):
                sim.set_fault(name, fault)
            elif fault == "connection_refused":
                entry["base_url"] = f"http://127.0.0.1:{refused_port}/{entry['provider']}"
            else:
                entry["base_url"] = tls_sim.base_url(entry["provider"])
        entries.append(entry)
    caplog.set_level(logging.DEBUG)
    exporter = start_exporter({"accounts": entries})

    started = time.monotonic()
    response = requests.get(exporter.url + "/metrics", headers=HEADERS, timeout=10)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < SCRAPE_TIMEOUT - 0.5 + SLACK, elapsed
    text = response.text

    expected = FAULTS[fault]
    for name, account in sim.accounts.items():
        labels = {"provider": account.provider, "account": name}
        up = value(text, "sms_balance_up", **labels)
        if name.endswith("-ok") or expected is None:
            assert up == 1.0, f"{name} should be up"
        else:
            assert up == 0.0, f"{name} should be down"
            assert value(text, "sms_balance_amount", currency=account.currency, **labels) is None
    if expected is not None:
        # The account's own query ends by the same deadline and records its reason, and
        # only that one.
        allowed = {expected.value} if isinstance(expected, Reason) else {r.value for r in expected}
        counts = _error_counts(exporter, sim)
        for name, by_reason in counts.items():
            counted = {reason for reason, n in by_reason.items() if n}
            assert len(counted) == 1 and counted <= allowed, (name, by_reason)
    else:
        for name, account in sim.accounts.items():
            if name.endswith("-bad"):
                labels = {"provider": account.provider, "account": name}
                amount = value(text, "sms_balance_amount", currency=account.currency, **labels)
                messages = value(text, "sms_balance_messages", **labels)
                assert (amount or 0) < 0 or (messages or 0) < 0, name
    if fault is Fault.REDIRECT:
        assert sim.redirect_hits == 0

    page = requests.get(exporter.url + "/", timeout=10).text
    assert requests.get(exporter.url + "/-/healthy", timeout=10).ok
    logs = "\n".join(LogfmtFormatter().format(record) for record in caplog.records)
    secrets = [v for a in sim.accounts.values() for v in a.credentials.values()]
    for secret in secrets:
        assert secret not in text
        assert secret not in page
        assert secret not in logs


def _error_counts(exporter: RunningExporter, sim: Simulator) -> dict[str, dict[str, float]]:
    """Each faulty account's error counts by reason, once each has counted one."""
    deadline = time.monotonic() + 10
    while True:
        text = requests.get(exporter.url + "/metrics", headers=HEADERS, timeout=10).text
        counts = {
            name: {
                reason.value: value(
                    text,
                    "sms_balance_scrape_errors_total",
                    provider=account.provider,
                    account=name,
                    reason=reason.value,
                )
                or 0.0
                for reason in Reason
            }
            for name, account in sim.accounts.items()
            if name.endswith("-bad")
        }
        if all(any(c.values()) for c in counts.values()) or time.monotonic() > deadline:
            return counts
        time.sleep(0.05)
