"""The docker-compose example: what it mounts exists, and its Prometheus and Alertmanager
configs pass the real tools' checks (no Docker engine is needed for that)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.conftest import require_binary

EXAMPLES = Path(__file__).parent.parent / "examples"
ROOT = EXAMPLES.parent


def test_compose_mounts_exist() -> None:
    compose = yaml.safe_load((EXAMPLES / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"exporter", "prometheus", "alertmanager", "grafana"}
    assert compose["services"]["exporter"]["command"] == ["demo"]
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert (EXAMPLES / source).exists(), source
    assert (EXAMPLES / compose["services"]["exporter"]["build"] / "Dockerfile").exists()


def test_grafana_home_dashboard_is_a_mounted_file() -> None:
    grafana = yaml.safe_load((EXAMPLES / "docker-compose.yml").read_text())["services"]["grafana"]
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    mounts = dict(v.split(":")[1::-1] for v in grafana["volumes"])  # container path -> source
    folder, name = home.rsplit("/", 1)
    assert (EXAMPLES / mounts[folder] / name).is_file()


def test_prometheus_config_passes_promtool(tmp_path: Path) -> None:
    promtool = require_binary("promtool")
    config = yaml.safe_load((EXAMPLES / "prometheus.yml").read_text())
    # The rules live at their container path in the example; check them from the repo.
    assert config["rule_files"] == ["/etc/prometheus/rules/sms-balance.rules.yml"]
    config["rule_files"] = [str(ROOT / "alerts" / "sms-balance.rules.yml")]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    done = subprocess.run(
        [promtool, "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_alertmanager_config_passes_amtool() -> None:
    amtool = require_binary("amtool")
    done = subprocess.run(
        [amtool, "check-config", str(EXAMPLES / "alertmanager.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
