"""The command line: check, query, serve, demo; user errors never end in a traceback."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from click.testing import CliRunner

from sms_balance_exporter.cli import main
from sms_balance_exporter.simulator import TWINS, Fault, Simulator
from tests.conftest import sim_config
from tests.metrics_text import value
from tests.process import exporter_process

Write = Callable[..., Path]
ILETI = {"name": "tr", "provider": "iletimerkezi", "key": "k", "hash": "h"}


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env=env)


def test_check_accepts_a_valid_config(write_config: Write) -> None:
    path = write_config({"accounts": [ILETI]})
    result = run("check", "--config.file", str(path))
    assert result.exit_code == 0, result.output
    assert "valid, 1 account(s)" in result.output


def test_check_reads_the_config_path_from_the_environment(write_config: Write) -> None:
    path = write_config({"accounts": [ILETI]})
    result = run("check", env={"SMS_BALANCE_EXPORTER_CONFIG_FILE": str(path)})
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"accounts": [{**ILETI, "colour": "red"}]}, "field 'colour': unknown field"),
        ({"accounts": [{k: v for k, v in ILETI.items() if k != "hash"}]}, "'hash': is required"),
        ({"accounts": [{**ILETI, "key": "${NOT_SET_ANYWHERE}"}]}, "NOT_SET_ANYWHERE is not set"),
        ({"accounts": [ILETI, ILETI]}, "duplicate account name"),
        ({"accounts": [{**ILETI, "provider": "smsfoo"}]}, "unknown provider 'smsfoo'"),
        ({"accounts": [{**ILETI, "key_file": "/etc/hostname"}]}, "set either 'key' or 'key_file'"),
        ({"accounts": [{**ILETI, "timeout": "ten seconds"}]}, "invalid duration 'ten seconds'"),
        ("accounts: [\n", "YAML syntax error: line"),
    ],
)
def test_check_rejects_with_a_clear_message(write_config: Write, config: Any, message: str) -> None:
    path = write_config(config)
    # A real process: what a user sees, including that no traceback is printed.
    done = subprocess.run(
        [sys.executable, "-m", "sms_balance_exporter", "check", "--config.file", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert message in done.stderr, done.stderr
    assert str(path) in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_check_missing_file() -> None:
    result = run("check", "--config.file", "/nonexistent/config.yml")
    assert result.exit_code == 1
    assert "cannot read config file: No such file or directory" in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash


def test_check_without_config_flag_is_a_usage_error() -> None:
    result = run("check")
    assert result.exit_code == 2
    assert "--config.file" in result.output


def test_query_table_and_json(sim: Simulator, write_config: Write) -> None:
    path = write_config(sim_config(sim))
    table = run("query", "--config.file", str(path))
    assert table.exit_code == 0, table.output
    assert table.output.splitlines()[0].split()[:3] == ["ACCOUNT", "PROVIDER", "STATUS"]
    assert len(table.output.splitlines()) == 1 + len(sim.accounts)
    as_json = run("query", "--config.file", str(path), "--output", "json")
    rows = json.loads(as_json.output)
    assert {row["account"] for row in rows} == set(sim.accounts)
    assert all(row["up"] for row in rows)


def test_query_exits_1_when_an_account_fails(sim: Simulator, write_config: Write) -> None:
    sim.set_fault("agiletelecom-1", Fault.REVOKED)
    path = write_config(sim_config(sim))
    result = run("query", "--config.file", str(path), "--output", "json")
    assert result.exit_code == 1
    rows = {row["account"]: row for row in json.loads(result.output)}
    assert rows["agiletelecom-1"]["reason"] == "auth"
    assert rows["iletimerkezi-1"]["up"] is True


def test_serve_runs_until_terminated(sim: Simulator, write_config: Write) -> None:
    path = write_config(sim_config(sim))
    env = {
        "SMS_BALANCE_EXPORTER_CONFIG_FILE": str(path),
        "SMS_BALANCE_EXPORTER_WEB_LISTEN_ADDRESS": "127.0.0.1:0",
        "SMS_BALANCE_EXPORTER_LOG_FORMAT": "logfmt",
    }
    with exporter_process(["serve"], env) as proc:
        port = proc.port()
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert value(text, "sms_balance_up", provider="smsdev", account="smsdev-1") == 1.0
        assert proc.stop() == 0


def test_serve_with_a_bad_config_exits_1_without_traceback(write_config: Write) -> None:
    path = write_config({"accounts": [{**ILETI, "provider": "nope"}]})
    done = subprocess.run(
        [sys.executable, "-m", "sms_balance_exporter", "serve", "--config.file", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert done.returncode == 1
    assert "unknown provider 'nope'" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_on_a_busy_port_exits_1(write_config: Write) -> None:
    path = write_config({"accounts": [ILETI]})
    with exporter_process(
        ["serve", "--config.file", str(path), "--web.listen-address", "127.0.0.1:0"]
    ) as first:
        port = first.port()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "sms_balance_exporter",
                "serve",
                "--config.file",
                str(path),
                "--web.listen-address",
                f"127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        assert done.returncode == 1
        assert "cannot listen on" in done.stderr
        assert "Traceback" not in done.stderr
        # The one already running is unharmed.
        assert requests.get(f"http://127.0.0.1:{port}/-/healthy", timeout=5).ok


@pytest.mark.parametrize("address", ["nonsense", "127.0.0.1:99999", "127.0.0.1:http"])
def test_bad_listen_address(write_config: Write, address: str) -> None:
    path = write_config({"accounts": [ILETI]})
    result = run("serve", "--config.file", str(path), "--web.listen-address", address)
    assert result.exit_code == 1
    assert "listen address" in result.output


def test_demo_serves_every_provider() -> None:
    with exporter_process(["demo", "--web.listen-address", "127.0.0.1:0"]) as proc:
        port = proc.port()
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        for provider in TWINS:
            assert (
                value(text, "sms_balance_up", provider=provider, account=f"{provider}-demo") == 1.0
            ), provider
        assert proc.stop() == 0


def test_json_logs(write_config: Write, sim: Simulator) -> None:
    path = write_config(sim_config(sim))
    args = ["serve", "--config.file", str(path), "--web.listen-address", "127.0.0.1:0"]
    with exporter_process([*args, "--log.format", "json"]) as proc:
        line = proc.wait_for_log(r'"msg": "serving"').string
        record = json.loads(line)
        assert record["level"] == "info"
        assert record["accounts"] == len(sim.accounts)
        proc.stop()


def test_sighup_reloads_and_a_bad_config_keeps_the_old(sim: Simulator, write_config: Write) -> None:
    path = write_config(sim_config(sim, ["smsdev-1"]))
    args = ["serve", "--config.file", str(path), "--web.listen-address", "127.0.0.1:0"]
    with exporter_process(args) as proc:
        url = f"http://127.0.0.1:{proc.port()}/metrics"
        path.write_text(yaml.safe_dump(sim_config(sim, ["smsdev-1", "engagelab-1"])))
        proc.process.send_signal(signal.SIGHUP)
        proc.wait_for_log(r"msg=\"config reloaded\"")
        text = requests.get(url, timeout=10).text
        assert value(text, "sms_balance_up", provider="engagelab", account="engagelab-1") == 1.0
        path.write_text("accounts: [\n")
        proc.process.send_signal(signal.SIGHUP)
        proc.wait_for_log(r"config reload failed, keeping the old config")
        text = requests.get(url, timeout=10).text
        assert value(text, "sms_balance_up", provider="engagelab", account="engagelab-1") == 1.0
        assert value(text, "sms_balance_exporter_config_last_reload_successful") == 0.0
        assert proc.stop() == 0


def test_signals_reach_the_main_thread_in_order_while_it_holds_a_lock() -> None:
    # The old handlers took locks (Event.set): a signal landing while the main thread held
    # one hung the process. The inbox runs nothing in the handler, so this returns.
    script = """
import os, signal, threading
from sms_balance_exporter.cli import _SignalInbox
inbox = _SignalInbox(with_sighup=True)
held = threading.Lock()
with held:
    os.kill(os.getpid(), signal.SIGHUP)
    os.kill(os.getpid(), signal.SIGTERM)
print(signal.Signals(inbox.next()).name, signal.Signals(inbox.next()).name)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.split() == ["SIGHUP", "SIGTERM"]
