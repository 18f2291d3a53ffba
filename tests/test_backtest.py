"""The alert backtest's quick form (bench/backtest): 8 days of every scenario through a real
Prometheus. It asserts the invariants the rules promise, not the full run's figures (those are
in bench/backtest/README.md) and no timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_binary

BACKTEST = Path(__file__).parent.parent / "bench" / "backtest" / "backtest.py"
EXACT = (
    "SmsBalanceLowAmount",
    "SmsBalanceLowMessages",
    "SmsBalanceExhausted",
    "SmsBalanceQueryFailing",
    "SmsBalanceAuthFailing",
)


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    require_binary("prometheus")
    require_binary("promtool")
    out = tmp_path_factory.mktemp("backtest") / "figures.json"
    done = subprocess.run(
        [sys.executable, str(BACKTEST), "--days", "8", "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(out.read_text()))


def rows(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["alert"]: row for row in figures["alerts"]}


def test_every_alert_is_evaluated(figures: dict[str, Any]) -> None:
    assert figures["accounts"] == 12
    assert len(rows(figures)) == 10


def test_threshold_exhausted_and_query_alerts_are_exact(figures: dict[str, Any]) -> None:
    for name in EXACT:
        row = rows(figures)[name]
        assert (row["false"], row["missed"]) == (0, 0), row
    # The scenarios make each of these happen at least once.
    for name in ("SmsBalanceExhausted", "SmsBalanceQueryFailing", "SmsBalanceAuthFailing"):
        assert rows(figures)[name]["true"] >= 1, name


def test_one_alert_per_account_and_no_refire_across_restarts(figures: dict[str, Any]) -> None:
    for row in figures["alerts"]:
        assert row["duplicates"] == 0, row  # the HA pair alerts once
    for name in EXACT:  # across restarts of up to 30 minutes, and the 3-hour total outage
        assert rows(figures)[name]["spurious_refires"] == 0, name
        assert rows(figures)[name]["outage_refires"] == 0, name


def test_a_total_outage_pages_once(figures: dict[str, Any]) -> None:
    absent = rows(figures)["SmsBalanceExporterAbsent"]
    assert figures["outages"] == 1
    assert (absent["alerts"], absent["true"], absent["missed"]) == (1, 1, 0)
    assert rows(figures)["SmsBalanceExporterDown"]["false"] == 0


def test_the_critical_forecast_misses_no_foreseeable_exhaustion(figures: dict[str, Any]) -> None:
    assert rows(figures)["SmsBalanceDepletingIn1Day"]["missed"] == 0
