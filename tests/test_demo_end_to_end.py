"""The demo's failures, end to end: `sms-balance-exporter demo` scraped by a real Prometheus
loading the bundled rules (a copy with `for:` cut to 0s), whose SmsBalanceAuthFailing alert
for the revoked key (and SmsBalanceQueryFailing for the unreachable API) reaches a real
Alertmanager. In CI a missing binary fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import requests
import yaml

from sms_balance_exporter.demo import REVOKED_ACCOUNT, UNREACHABLE_ACCOUNT
from tests.conftest import require_binary
from tests.process import Processes, exporter_process, free_port, http_ready, wait_for

RULES = Path(__file__).resolve().parent.parent / "alerts" / "sms-balance.rules.yml"


def _alertmanager() -> str:
    found = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    return found or require_binary("prometheus-alertmanager")


def _write_configs(tmp: Path, exporter: str, alertmanager: str) -> None:
    rules = yaml.safe_load(RULES.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = "0s"
    (tmp / "rules.yml").write_text(yaml.safe_dump(rules))
    route = {"receiver": "none", "group_wait": "1s", "group_interval": "1s"}
    (tmp / "alertmanager.yml").write_text(
        yaml.safe_dump({"route": route, "receivers": [{"name": "none"}]})
    )
    prometheus = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(tmp / "rules.yml")],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]},
        "scrape_configs": [
            {
                "job_name": "sms_balance",
                "scrape_timeout": "1s",
                "static_configs": [{"targets": [exporter]}],
            }
        ],
    }
    (tmp / "prometheus.yml").write_text(yaml.safe_dump(prometheus))


def test_demo_auth_failure_reaches_alertmanager(tmp_path: Path) -> None:
    prometheus = require_binary("prometheus")
    alertmanager = _alertmanager()
    with exporter_process(["demo", "--web.listen-address", "127.0.0.1:0"]) as demo:
        exporter = f"127.0.0.1:{demo.port()}"
        am_url = f"http://127.0.0.1:{free_port()}"
        _write_configs(tmp_path, exporter, am_url.removeprefix("http://"))
        processes = Processes(tmp_path)
        processes.start(
            "alertmanager",
            [
                alertmanager,
                f"--config.file={tmp_path / 'alertmanager.yml'}",
                f"--storage.path={tmp_path / 'am-data'}",
                f"--web.listen-address={am_url.removeprefix('http://')}",
                "--cluster.listen-address=",
            ],
        )
        processes.start(
            "prometheus",
            [
                prometheus,
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'prom-data'}",
                f"--web.listen-address=127.0.0.1:{free_port()}",
            ],
        )
        try:
            wait_for(lambda: http_ready(f"{am_url}/-/ready"), 30, "alertmanager")
            firing: dict[str, set[str]] = {}

            def alerts_arrived() -> bool:
                try:
                    alerts = requests.get(f"{am_url}/api/v2/alerts", timeout=5).json()
                except requests.RequestException:
                    return False
                firing.clear()
                for alert in alerts:
                    labels = alert["labels"]
                    firing.setdefault(labels["alertname"], set()).add(labels.get("account", ""))
                return REVOKED_ACCOUNT in firing.get(
                    "SmsBalanceAuthFailing", set()
                ) and UNREACHABLE_ACCOUNT in firing.get("SmsBalanceQueryFailing", set())

            wait_for(alerts_arrived, 90, "the demo's failure alerts at Alertmanager")
            # Only the revoked key is an auth failure; the unreachable API is not.
            assert firing["SmsBalanceAuthFailing"] == {REVOKED_ACCOUNT}
            assert UNREACHABLE_ACCOUNT not in firing["SmsBalanceAuthFailing"]
        finally:
            processes.stop()
        assert demo.stop() == 0
