"""End to end on loopback: the simulator, the exporter, a real Prometheus loading the bundled
rules (a copy with shortened `for:`), and a real Alertmanager whose webhook receiver is an HTTP
server inside this test. In CI (CI=true) a missing binary fails instead of skipping."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from sms_balance_exporter.config import config_from_data
from sms_balance_exporter.runtime import ExporterRuntime
from sms_balance_exporter.server import ExporterServer
from sms_balance_exporter.simulator import TWINS, Fault, Simulator, simulator
from tests.conftest import require_binary
from tests.grafana_dashboard import (
    all_values,
    dashboard_paths,
    load_dashboard,
    panel_queries,
    render,
    variable_queries,
)
from tests.process import Processes, free_port, http_ready, wait_for

ROOT = Path(__file__).parent.parent
RULES = ROOT / "alerts" / "sms-balance.rules.yml"
JOB = "sms_balance"


def alertmanager_binary() -> str:
    for name in ("prometheus-alertmanager", "alertmanager"):
        if shutil.which(name):
            return name
    return require_binary("prometheus-alertmanager")


@dataclass
class Receiver:
    """Alertmanager's webhook receiver: collects every alert it is sent."""

    alerts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (path, alert)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def received(self, alertname: str, path: str = "/") -> list[dict[str, str]]:
        """The labels of the alerts named `alertname` sent to the receiver at `path`."""
        with self.lock:
            return [
                alert["labels"]
                for at, alert in self.alerts
                if at == path and alert["labels"]["alertname"] == alertname
            ]


def start_receiver(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with receiver.lock:
                receiver.alerts.extend((self.path, alert) for alert in body["alerts"])
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def shortened_rules(target: Path) -> None:
    """The bundled rules with every `for:` cut to 0s and the 5-minute spend window to 5
    seconds, so alerts fire and spend rates exist within seconds."""
    rules = yaml.safe_load(RULES.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = "0s"
            if rule.get("record") == "provider_account:sms_balance_spend:rate5m":
                shorter = rule["expr"].replace("offset 5m", "offset 5s").replace("/ 300", "/ 5")
                assert shorter != rule["expr"]
                rule["expr"] = shorter
    target.write_text(yaml.safe_dump(rules))


@dataclass
class Stack:
    sim: Simulator
    receiver: Receiver
    prometheus_url: str
    exporter_url: str

    def query(self, expr: str) -> list[dict[str, Any]]:
        answer = requests.get(
            f"{self.prometheus_url}/api/v1/query", params={"query": expr}, timeout=10
        ).json()
        assert answer["status"] == "success", (expr, answer)
        result: list[dict[str, Any]] = answer["data"]["result"]
        return result


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    prometheus = require_binary("prometheus")
    alertmanager = alertmanager_binary()
    tmp = tmp_path_factory.mktemp("e2e")

    accounts = [twin().sample_account(f"{pid}-ok") for pid, twin in TWINS.items()]
    low = TWINS["iletimerkezi"]().sample_account("iletimerkezi-low")
    low.balance = 40.0
    low.drift_per_hour = 36.0  # spends, so its spend rate and time until empty are not 0
    revoked = TWINS["agiletelecom"]().sample_account("agiletelecom-revoked")
    revoked.fault = Fault.REVOKED
    sim = simulator([*accounts, low, revoked]).start()
    entries = []
    for name, account in sim.accounts.items():
        entry = sim.exporter_account(name)
        if account.currency == "SMS":
            entry["low_balance"] = {"messages": 10}
        else:
            entry["low_balance"] = {"amount": 1 if name != low.name else 100}
        if name == low.name:
            entry["labels"] = {"team": "growth"}
        entries.append(entry)
    config = config_from_data({"accounts": entries}, source="<e2e>")
    runtime = ExporterRuntime(lambda: config)
    exporter = ExporterServer(runtime.app, "127.0.0.1:0").start(poll_interval=0.05)
    exporter_address = f"127.0.0.1:{exporter.port}"

    receiver = Receiver()
    webhook = start_receiver(receiver)
    hook = f"http://127.0.0.1:{webhook.server_address[1]}"
    am_port, prom_port = free_port(), free_port()
    (tmp / "alertmanager.yml").write_text(
        yaml.safe_dump(
            {
                "route": {
                    "receiver": "test",
                    "group_by": ["alertname", "account"],
                    "group_wait": "1s",
                    "group_interval": "1s",
                    "repeat_interval": "1h",
                    # Routing by team: the account's `labels` are on its alerts.
                    "routes": [{"matchers": ['team="growth"'], "receiver": "growth"}],
                },
                "receivers": [
                    {"name": name, "webhook_configs": [{"url": f"{hook}{path}"}]}
                    for name, path in (("test", "/"), ("growth", "/growth"))
                ],
            }
        )
    )
    shortened_rules(tmp / "rules.yml")
    (tmp / "prometheus.yml").write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(tmp / "rules.yml")],
                "alerting": {
                    "alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]
                },
                "scrape_configs": [
                    {
                        "job_name": JOB,
                        "scrape_timeout": "1s",
                        "static_configs": [{"targets": [exporter_address]}],
                    }
                ],
            }
        )
    )
    processes = Processes(tmp)
    processes.start(
        "alertmanager",
        [
            alertmanager,
            f"--config.file={tmp / 'alertmanager.yml'}",
            f"--storage.path={tmp / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{am_port}",
            "--cluster.listen-address=",
        ],
    )
    processes.start(
        "prometheus",
        [
            prometheus,
            f"--config.file={tmp / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp / 'prom-data'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
    )
    stack = Stack(sim, receiver, f"http://127.0.0.1:{prom_port}", f"http://{exporter_address}")
    try:
        wait_for(lambda: http_ready(f"http://127.0.0.1:{am_port}/-/ready"), 30, "alertmanager")
        wait_for(lambda: http_ready(f"{stack.prometheus_url}/-/ready"), 30, "prometheus")
        yield stack
    finally:
        processes.stop()
        webhook.shutdown()
        exporter.stop()
        runtime.service.shutdown()
        sim.stop()


def test_low_balance_alert_reaches_the_teams_receiver(stack: Stack) -> None:
    """One alert per account, without the instance, with the account's `team` label, routed
    by it to the team's receiver."""
    received = lambda: stack.receiver.received("SmsBalanceLowAmount", "/growth")  # noqa: E731
    wait_for(received, 60, "SmsBalanceLowAmount at the growth receiver")
    (labels,) = received()
    assert labels == {
        "alertname": "SmsBalanceLowAmount",
        "severity": "warning",
        "provider": "iletimerkezi",
        "account": "iletimerkezi-low",
        "currency": "TRY",
        "team": "growth",
        "auto_recharge": "false",
    }
    assert stack.receiver.received("SmsBalanceLowAmount", "/") == []


def test_revoked_credentials_raise_the_auth_alert(stack: Stack) -> None:
    wait_for(lambda: stack.receiver.received("SmsBalanceAuthFailing"), 60, "SmsBalanceAuthFailing")
    accounts = {labels["account"] for labels in stack.receiver.received("SmsBalanceAuthFailing")}
    assert accounts == {"agiletelecom-revoked"}
    (labels,) = stack.receiver.received("SmsBalanceAuthFailing")
    assert labels["severity"] == "critical"
    assert labels["provider"] == "agiletelecom"


def test_every_dashboard_query_returns_data(stack: Stack) -> None:
    for path in dashboard_paths():
        dashboard = load_dashboard(path)
        # Scrapes here are 1 s apart, so rates need a short window, not the 5m default.
        values = {**all_values(dashboard), "__rate_interval": "10s"}
        queries = [(title, render(expr, values)) for title, expr in panel_queries(dashboard)]
        queries += [
            (f"variable {name}", query)
            for name, query in variable_queries(dashboard)
            if not query.startswith("label_values")
        ]
        assert queries
        for title, expr in queries:
            wait_for(lambda e=expr: bool(stack.query(e)), 60, f"data for {title!r}: {expr}")
        for name, query in variable_queries(dashboard):
            if query.startswith("label_values("):
                selector, label = query.removeprefix("label_values(").rstrip(")").rsplit(",", 1)
                answer = stack.query(render(selector, values))
                assert {s["metric"].get(label.strip()) for s in answer} - {None}, name
