"""The bundled alert rules: promtool checks them and runs their unit tests; each alert follows
the monitoring-mixins conventions and has its runbook section in the README."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import require_binary

ROOT = Path(__file__).parent.parent
RULES = ROOT / "alerts" / "sms-balance.rules.yml"
RULE_TESTS = sorted((ROOT / "alerts" / "tests").glob("*.yml"))
README = ROOT / "README.md"


def alerts() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def markdown_headings(path: Path) -> list[str]:
    """The headings of a Markdown file, outside code blocks."""
    headings, in_code = [], False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif line.startswith("#") and not in_code:
            headings.append(line.lstrip("#"))
    return headings


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def test_promtool_check_rules() -> None:
    promtool = require_binary("promtool")
    done = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("rule_test", RULE_TESTS, ids=lambda p: p.name)
def test_promtool_test_rules(rule_test: Path) -> None:
    promtool = require_binary("promtool")
    done = subprocess.run(
        [promtool, "test", "rules", str(rule_test)],
        capture_output=True,
        text=True,
        check=False,
        cwd=rule_test.parent,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    tested: dict[str, set[bool]] = {}
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                fires = bool(check.get("exp_alerts"))
                tested.setdefault(check["alertname"], set()).add(fires)
    for rule in alerts():
        assert tested.get(rule["alert"]) == {True, False}, rule["alert"]


def test_alerts_follow_the_conventions() -> None:
    readme_anchors = {github_anchor(heading) for heading in markdown_headings(README)}
    names = [rule["alert"] for rule in alerts()]
    assert len(names) == len(set(names))
    for rule in alerts():
        name = rule["alert"]
        assert name.startswith("SmsBalance"), name
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), name
        annotations = rule["annotations"]
        assert set(annotations) == {"summary", "description", "runbook_url"}, name
        assert "{{" not in annotations["summary"], f"{name}: summary must be static"
        if not rule["expr"].startswith("absent("):  # absent() has no labels to show
            assert "{{" in annotations["description"], f"{name}: description is templated"
        anchor = annotations["runbook_url"].rsplit("#", 1)[1]
        assert anchor == name.lower()
        assert anchor in readme_anchors, f"README has no section for {name}"


def test_balance_alerts_join_the_exporters_thresholds() -> None:
    by_name = {rule["alert"]: rule for rule in alerts()}
    for name, threshold in [
        ("SmsBalanceLowAmount", "sms_balance_low_threshold_amount"),
        ("SmsBalanceLowMessages", "sms_balance_low_threshold_messages"),
    ]:
        expr = by_name[name]["expr"]
        assert threshold in expr
        assert re.search(r"on \(provider, account\)", expr)


def account_alerts() -> list[dict[str, Any]]:
    return [rule for rule in alerts() if "Exporter" not in rule["alert"]]


def test_account_alerts_are_one_per_account_with_its_labels() -> None:
    """Aggregated by account, never by instance (an HA pair alerts once), carrying the
    account's configured labels (routing by team, held while the account is not read), and
    held across a restart gap."""
    for rule in account_alerts():
        expr = rule["expr"]
        assert expr.startswith("provider_account:sms_balance_account_info:last"), rule["alert"]
        # instance only to match a reading to its own target's up (the held readings).
        assert not re.search(r"by \([^)]*instance", expr), rule["alert"]
        assert rule.get("keep_firing_for"), rule["alert"]


def test_forecasts_read_the_spend_rates_and_skip_auto_recharge() -> None:
    forecasts = [rule for rule in account_alerts() if "time_to_empty" in rule["expr"]]
    assert {rule["alert"] for rule in forecasts} == {
        "SmsBalanceDepletingIn3Days",
        "SmsBalanceDepletingIn1Day",
        "SmsBalanceSpendingSpike",
    }
    for rule in forecasts:
        skips = (
            r"unless on \(provider, account\)\s+"
            r'provider_account:sms_balance_account_info:last\{auto_recharge="true"\}'
        )
        assert re.search(skips, rule["expr"]), rule["alert"]
        assert "humanizeDuration" in rule["annotations"]["description"]
    for rule in alerts():
        assert not re.search(r"predict_linear|deriv\(", rule["expr"]), rule["alert"]


def test_exporter_down_tolerates_a_restart_and_absent_pages_alone() -> None:
    by_name = {rule["alert"]: rule for rule in alerts()}
    down, absent = by_name["SmsBalanceExporterDown"], by_name["SmsBalanceExporterAbsent"]
    assert down["labels"]["severity"] == "warning"
    assert down["for"] == "15m"
    assert absent["labels"]["severity"] == "critical"
    # Down stays quiet while no exporter is scraped at all: Absent is the one page then.
    assert "and on () count(sms_balance_exporter_build_info)" in down["expr"]
