"""The exporter over real loopback sockets: endpoints, deadlines, shared requests, cache."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
import yaml

from sms_balance_exporter.simulator import TWINS, Fault, Simulator, simulator
from tests.conftest import RunningExporter, require_binary, sim_config
from tests.metrics_text import series, value

Start = Callable[[dict[str, Any]], RunningExporter]


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("condition not met in time")
        time.sleep(0.01)


def get(exporter: RunningExporter, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(exporter.url + path, timeout=10, **kwargs)


def test_metrics_reports_every_account(sim: Simulator, start_exporter: Start) -> None:
    exporter = start_exporter(sim_config(sim))
    text = get(exporter, "/metrics").text
    for name, account in sim.accounts.items():
        labels = {"provider": account.provider, "account": name}
        assert value(text, "sms_balance_up", **labels) == 1.0, name
        assert value(text, "sms_balance_last_success_timestamp_seconds", **labels)
    assert series(text, "sms_balance_exporter_build_info")


def test_failed_account_has_no_stale_values(sim: Simulator, start_exporter: Start) -> None:
    exporter = start_exporter(sim_config(sim))
    labels = {"provider": "iletimerkezi", "account": "iletimerkezi-1"}
    first = get(exporter, "/metrics").text
    assert value(first, "sms_balance_amount", currency="TRY", **labels) is not None
    sim.set_fault("iletimerkezi-1", Fault.REVOKED)
    second = get(exporter, "/metrics").text
    assert value(second, "sms_balance_up", **labels) == 0.0
    assert value(second, "sms_balance_amount", currency="TRY", **labels) is None
    assert value(second, "sms_balance_messages", **labels) is None
    assert value(second, "sms_balance_scrape_errors_total", reason="auth", **labels) == 1.0
    # The last success stays: it is when the account last worked, not a balance.
    assert value(second, "sms_balance_last_success_timestamp_seconds", **labels)


def test_hanging_provider_meets_the_scrape_timeout_header(
    sim: Simulator, start_exporter: Start
) -> None:
    sim.set_fault("gateway360-1", Fault.HANG)
    exporter = start_exporter(sim_config(sim))
    started = time.monotonic()
    response = get(exporter, "/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "2"})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert 1.4 <= elapsed < 1.5 + 0.3, elapsed  # header minus 0.5 s, plus a little slack
    text = response.text
    for name, account in sim.accounts.items():
        expected = 0.0 if name == "gateway360-1" else 1.0
        assert value(text, "sms_balance_up", provider=account.provider, account=name) == expected


def test_account_timeout_applies_without_the_header(sim: Simulator, start_exporter: Start) -> None:
    sim.set_fault("smsdev-1", Fault.HANG)
    exporter = start_exporter(sim_config(sim, timeout="700ms"))
    started = time.monotonic()
    text = get(exporter, "/metrics").text
    assert time.monotonic() - started < 0.7 + 0.3
    assert value(text, "sms_balance_up", provider="smsdev", account="smsdev-1") == 0.0
    # The scrape that reports the timeout counts it (the query's own end does not again).
    errors = {"provider": "smsdev", "account": "smsdev-1", "reason": "timeout"}
    assert value(text, "sms_balance_scrape_errors_total", **errors) == 1.0


def test_overlapping_scrapes_share_one_upstream_request(
    sim: Simulator, start_exporter: Start
) -> None:
    for name in sim.accounts:
        sim.set_latency(name, 0.5)
    exporter = start_exporter(sim_config(sim))
    texts: list[str] = []
    first = threading.Thread(target=lambda: texts.append(get(exporter, "/metrics").text))
    first.start()
    # The first scrape's requests are in flight at the simulator: now overlap it.
    wait_until(lambda: all(sim.requests(n) == 1 for n in sim.accounts))
    texts.append(get(exporter, "/metrics").text)
    first.join()
    assert {n: sim.requests(n) for n in sim.accounts} == {n: 1 for n in sim.accounts}
    for text in texts:
        assert series(text, "sms_balance_up") and all(
            value(text, "sms_balance_up", **labels) == 1.0
            for labels in series(text, "sms_balance_up")
        )


def test_min_interval_serves_from_memory(sim: Simulator, start_exporter: Start) -> None:
    exporter = start_exporter(sim_config(sim, min_interval="1h"))
    first = get(exporter, "/metrics").text
    second = get(exporter, "/metrics").text
    assert {n: sim.requests(n) for n in sim.accounts} == {n: 1 for n in sim.accounts}
    labels = {"provider": "iletimerkezi", "account": "iletimerkezi-1"}
    assert value(first, "sms_balance_amount", currency="TRY", **labels) == value(
        second, "sms_balance_amount", currency="TRY", **labels
    )


def test_without_min_interval_every_scrape_asks(sim: Simulator, start_exporter: Start) -> None:
    exporter = start_exporter(sim_config(sim))
    get(exporter, "/metrics")
    get(exporter, "/metrics")
    assert {n: sim.requests(n) for n in sim.accounts} == {n: 2 for n in sim.accounts}


def test_probe_returns_only_its_target(sim: Simulator, start_exporter: Start) -> None:
    exporter = start_exporter(sim_config(sim))
    response = get(exporter, "/probe", params={"target": "engagelab-1"})
    assert response.status_code == 200
    assert series(response.text, "sms_balance_up") == [
        {"provider": "engagelab", "account": "engagelab-1"}
    ]
    assert not series(response.text, "sms_balance_exporter_build_info")
    assert sim.requests("engagelab-1") == 1
    assert sum(sim.requests(n) for n in sim.accounts) == 1


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/probe?target=nope", 400),
        ("/probe", 400),
        ("/probe?target=", 400),
        ("/probe?target=a&target=b", 400),
        ("/nope", 404),
        ("/metrics/extra", 404),
        ("/-/healthy", 200),
    ],
)
def test_status_codes(sim: Simulator, start_exporter: Start, path: str, status: int) -> None:
    exporter = start_exporter(sim_config(sim))
    assert get(exporter, path).status_code == status


def test_unknown_target_is_not_reflected(sim: Simulator, start_exporter: Start) -> None:
    exporter = start_exporter(sim_config(sim))
    response = get(exporter, "/probe", params={"target": "<script>alert(1)</script>"})
    assert response.status_code == 400
    assert "<script>" not in response.text


def test_healthy_never_calls_a_provider(sim: Simulator, start_exporter: Start) -> None:
    exporter = start_exporter(sim_config(sim))
    assert get(exporter, "/-/healthy").text == "Healthy\n"
    assert get(exporter, "/").status_code == 200
    assert sum(sim.requests(n) for n in sim.accounts) == 0


def test_wrong_method_is_405(sim: Simulator, start_exporter: Start) -> None:
    exporter = start_exporter(sim_config(sim))
    response = requests.post(exporter.url + "/metrics", timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"


def test_bad_scrape_timeout_header_is_400(sim: Simulator, start_exporter: Start) -> None:
    exporter = start_exporter(sim_config(sim))
    response = get(exporter, "/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "x"})
    assert response.status_code == 400


def test_landing_page_lists_accounts_with_status(sim: Simulator, start_exporter: Start) -> None:
    sim.set_fault("smsdev-1", Fault.REVOKED)
    exporter = start_exporter(sim_config(sim))
    get(exporter, "/metrics")
    page = get(exporter, "/").text
    rows = re.findall(r'<tr class="(\w+)" data-account="([^"]+)"', page)
    assert rows[0] == ("down", "smsdev-1")  # the failing account comes first
    assert ("up", "iletimerkezi-1") in rows
    assert '<strong class="reason">auth</strong>: ' in page
    assert '<a href="probe?target=smsdev-1">' in page


def test_landing_page_escapes_account_names(sim: Simulator, start_exporter: Start) -> None:
    account = sim.exporter_account("smsdev-1") | {"name": '<b onload="x">&"'}
    exporter = start_exporter({"accounts": [account]})
    page = get(exporter, "/").text
    assert "<b onload" not in page
    assert "&lt;b onload=&quot;x&quot;&gt;&amp;&quot;" in page
    assert 'href="probe?target=%3Cb%20onload%3D%22x%22%3E%26%22"' in page


def test_openmetrics_and_gzip(sim: Simulator, start_exporter: Start) -> None:
    exporter = start_exporter(sim_config(sim))
    response = get(
        exporter,
        "/metrics",
        headers={
            "Accept": "application/openmetrics-text; version=1.0.0",
            "Accept-Encoding": "gzip",
        },
    )
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.text.rstrip().endswith("# EOF")


def test_promtool_accepts_the_exposition(sim: Simulator, start_exporter: Start) -> None:
    promtool = require_binary("promtool")
    sim.set_fault("smsdev-1", Fault.HTML_5XX)  # failing accounts too
    exporter = start_exporter(sim_config(sim))
    text = get(exporter, "/metrics").text
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    help_lines = [line.split()[2] for line in text.splitlines() if line.startswith("# HELP")]
    type_lines = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")]
    assert len(help_lines) == len(set(help_lines)) == len(type_lines) == len(set(type_lines))


def test_reload_takes_a_valid_config_and_refuses_a_bad_one(
    sim: Simulator, start_exporter: Start
) -> None:
    exporter = start_exporter(sim_config(sim, ["smsdev-1"]))
    assert series(get(exporter, "/metrics").text, "sms_balance_up") == [
        {"provider": "smsdev", "account": "smsdev-1"}
    ]
    exporter.config_path.write_text(yaml.safe_dump(sim_config(sim, ["smsdev-1", "engagelab-1"])))
    assert requests.post(exporter.url + "/-/reload", timeout=5).status_code == 200
    assert len(series(get(exporter, "/metrics").text, "sms_balance_up")) == 2

    reloaded = get(exporter, "/metrics").text
    assert value(reloaded, "sms_balance_exporter_config_last_reload_successful") == 1.0
    success_time = value(
        reloaded, "sms_balance_exporter_config_last_reload_success_timestamp_seconds"
    )

    exporter.config_path.write_text("accounts: [\n")
    refused = requests.post(exporter.url + "/-/reload", timeout=5)
    assert refused.status_code == 500
    assert "YAML syntax error" in refused.text
    after = get(exporter, "/metrics").text
    assert len(series(after, "sms_balance_up")) == 2
    assert value(after, "sms_balance_exporter_config_last_reload_successful") == 0.0
    assert (
        value(after, "sms_balance_exporter_config_last_reload_success_timestamp_seconds")
        == success_time
    )
    assert get(exporter, "/-/reload").status_code == 405


def test_retry_after_is_honoured_without_calling(sim: Simulator, start_exporter: Start) -> None:
    sim.set_fault("smsdev-1", Fault.RATE_LIMITED)  # 429 with Retry-After: 120
    exporter = start_exporter(sim_config(sim))
    labels = {"provider": "smsdev", "account": "smsdev-1"}
    first = get(exporter, "/metrics").text
    assert value(first, "sms_balance_up", **labels) == 0.0
    assert value(first, "sms_balance_scrape_errors_total", reason="rate_limited", **labels) == 1.0
    assert sim.requests("smsdev-1") == 1
    sim.set_fault("smsdev-1", None)  # the provider would answer now, but asked us to wait
    second = get(exporter, "/metrics").text
    assert sim.requests("smsdev-1") == 1
    assert value(second, "sms_balance_up", **labels) == 0.0
    assert value(second, "sms_balance_scrape_errors_total", reason="rate_limited", **labels) == 1.0
    # Every other account was asked both times.
    assert all(sim.requests(n) == 2 for n in sim.accounts if n != "smsdev-1")


def test_targets_for_http_service_discovery(sim: Simulator, start_exporter: Start) -> None:
    exporter = start_exporter(sim_config(sim, ["smsdev-1", "engagelab-1"]))
    response = get(exporter, "/targets")
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == [
        {"targets": ["smsdev-1"], "labels": {"provider": "smsdev", "account": "smsdev-1"}},
        {"targets": ["engagelab-1"], "labels": {"provider": "engagelab", "account": "engagelab-1"}},
    ]
    assert sum(sim.requests(n) for n in sim.accounts) == 0  # discovery never calls a provider


def test_provider_concurrency_limit(start_exporter: Start) -> None:
    twin = TWINS["smsdev"]()
    crowded = [twin.sample_account(f"smsdev-{i}") for i in range(6)]
    other = TWINS["engagelab"]().sample_account("engagelab-1")
    for account in [*crowded, other]:
        account.latency = 0.3
    with simulator([*crowded, other]) as sim:
        config = sim_config(sim)
        config["provider_concurrency"] = {"default": 8, "smsdev": 2}
        exporter = start_exporter(config)
        text = get(exporter, "/metrics").text
    assert sim.peak_in_flight["smsdev"] == 2  # six accounts, two at a time
    assert all(sim.requests(a.name) == 1 for a in crowded)
    assert all(
        value(text, "sms_balance_up", provider="smsdev", account=a.name) == 1.0 for a in crowded
    )
    # The crowded provider's queue does not delay another provider's account: it is called
    # in the first round, before a third smsdev call can start (that waits 0.3 s for a slot).
    first = sim.accounts["engagelab-1"].first_arrival
    assert first is not None and first < 3
    assert value(text, "sms_balance_up", provider="engagelab", account="engagelab-1") == 1.0


def test_exporter_metrics_ask_no_account(sim: Simulator, start_exporter: Start) -> None:
    exporter = start_exporter(sim_config(sim))
    text = get(exporter, "/exporter-metrics").text
    assert series(text, "sms_balance_exporter_build_info")
    assert value(text, "sms_balance_exporter_config_last_reload_successful") == 1.0
    assert not series(text, "sms_balance_up")
    assert sum(sim.requests(n) for n in sim.accounts) == 0
