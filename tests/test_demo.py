"""The demo shows failure too: a revoked key (`auth`) and an unreachable provider
(`connection`) beside the healthy account of every provider and the low one."""

from __future__ import annotations

import re

import requests

from sms_balance_exporter.demo import LOW_ACCOUNT, REVOKED_ACCOUNT, UNREACHABLE_ACCOUNT
from sms_balance_exporter.simulator import TWINS
from tests.metrics_text import value
from tests.process import exporter_process, wait_for


def test_demo_shows_healthy_low_and_failing_accounts() -> None:
    with exporter_process(["demo", "--web.listen-address", "127.0.0.1:0"]) as proc:
        url = f"http://127.0.0.1:{proc.port()}"
        before = requests.get(url, timeout=10).text
        assert 'id="not-queried"' in before and 'href="metrics"' in before
        text = requests.get(f"{url}/metrics", timeout=30).text
        for provider in TWINS:
            assert value(text, "sms_balance_up", provider=provider, account=f"{provider}-demo") == 1
        failing = {
            REVOKED_ACCOUNT: ("twilio", "auth"),
            UNREACHABLE_ACCOUNT: ("vonage", "connection"),
        }
        for account, (provider, reason) in failing.items():
            labels = {"provider": provider, "account": account}
            assert value(text, "sms_balance_up", **labels) == 0, account
            errors = value(text, "sms_balance_scrape_errors_total", reason=reason, **labels)
            assert errors == 1, account
            line = rf"msg=\"balance query failing\" account={account} .*reason={reason}"
            logged = lambda line=line: re.search(line, proc.log) is not None  # noqa: E731
            wait_for(logged, 15, f"{account}'s failure log line")
        page = requests.get(url, timeout=10).text
        rows = re.findall(r'<tr class="(\w+)" data-account="([^"]+)"', page)
        assert {name for _, name in rows[:2]} == set(failing)  # failing first
        assert rows[2] == ("low", LOW_ACCOUNT)  # then the low one
        assert all(status == "up" for status, _ in rows[3:])
        assert proc.stop() == 0
