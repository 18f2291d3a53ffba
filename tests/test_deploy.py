"""Deployment files: the kustomize manifests render and validate, the Deployment is hardened,
the PrometheusRule is the alert rules of alerts/ and passes promtool, and the systemd unit
verifies, is sandboxed and matches its example config. In CI (CI=true) a missing binary fails
instead of skipping."""

from __future__ import annotations

import copy
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import kubernetes_validate
import pytest
import yaml

from sms_balance_exporter import __version__
from tests.conftest import IN_CI, require_binary

ROOT = Path(__file__).parent.parent
KUBERNETES = ROOT / "deploy" / "kubernetes"
PROMETHEUS_RULE = KUBERNETES / "prometheusrule.yaml"
GENERATOR = KUBERNETES / "generate-prometheusrule.py"
RULES = ROOT / "alerts" / "sms-balance.rules.yml"
UNIT = ROOT / "deploy" / "systemd" / "sms-balance-exporter.service"
SYSTEMD_CONFIG = ROOT / "deploy" / "systemd" / "config.yml"
INSTALLED_BINARY = "/usr/local/bin/sms-balance-exporter"
CONFIG_PATH = "/etc/sms-balance-exporter/config.yml"
CREDENTIALS_DIR = "/run/credentials/sms-balance-exporter.service/"
VERSION = __version__


def require_tool(name: str, install: str) -> str:
    """`require_binary` with the right install hint for tools outside Debian's prometheus."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed ({install})"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False, **kwargs)


# -- Kubernetes ------------------------------------------------------------------------------


def manifests() -> list[dict[str, Any]]:
    """The objects of every file the kustomization lists, as written."""
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    objects: list[dict[str, Any]] = []
    for name in kustomization["resources"]:
        objects += [o for o in yaml.safe_load_all((KUBERNETES / name).read_text()) if o]
    return objects


def by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    kinds = [o["kind"] for o in objects]
    assert len(kinds) == len(set(kinds)), kinds
    return {o["kind"]: o for o in objects}


@pytest.fixture(scope="module")
def objects() -> dict[str, dict[str, Any]]:
    return by_kind(manifests())


def test_kustomize_renders_the_manifests() -> None:
    kubectl = require_tool(
        "kubectl", "Debian: kubernetes-client, or Kubernetes' own kubectl package"
    )
    result = run([kubectl, "kustomize", str(KUBERNETES)])
    assert result.returncode == 0, result.stderr
    rendered = by_kind([o for o in yaml.safe_load_all(result.stdout) if o])
    assert set(rendered) == {"Deployment", "Service", "Secret", "ServiceMonitor", "PrometheusRule"}
    # No transformation but the image: what is applied is what the files say.
    assert rendered == by_kind(manifests())
    (container,) = rendered["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"sms-balance-exporter:{VERSION}"


@pytest.mark.parametrize("kind", ["Deployment", "Service", "Secret"])
def test_core_objects_validate_strictly(objects: dict[str, dict[str, Any]], kind: str) -> None:
    kubernetes_validate.validate(objects[kind], kubernetes_validate.latest_version(), strict=True)


def test_validation_rejects_a_misspelt_field(objects: dict[str, dict[str, Any]]) -> None:
    deployment = copy.deepcopy(objects["Deployment"])
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    container["securityContext"]["readOnlyRootFilesytem"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, kubernetes_validate.latest_version(), strict=True)


def test_image_tag_is_the_package_version() -> None:
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    assert {i["name"]: i["newTag"] for i in kustomization["images"]} == {
        "sms-balance-exporter": VERSION
    }


def test_deployment_is_hardened(objects: dict[str, dict[str, Any]]) -> None:
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10077
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    (container,) = pod["containers"]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["runAsNonRoot"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    resources = container["resources"]
    assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}


def test_probes_ask_healthy_never_metrics(objects: dict[str, dict[str, Any]]) -> None:
    (container,) = objects["Deployment"]["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 10077}
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/-/healthy", "port": "http"}, probe
    assert "/metrics" not in yaml.safe_dump(container)


def test_deployment_reads_the_config_secret(objects: dict[str, dict[str, Any]]) -> None:
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    secret = objects["Secret"]
    (container,) = pod["containers"]
    assert container["args"] == ["serve", "--config.file", CONFIG_PATH]
    (volume,) = pod["volumes"]
    assert volume["secret"]["secretName"] == secret["metadata"]["name"]
    (mount,) = container["volumeMounts"]
    assert mount == {
        "name": volume["name"],
        "mountPath": "/etc/sms-balance-exporter",
        "readOnly": True,
    }
    assert "config.yml" in secret["stringData"]
    for env in container["env"]:
        ref = env["valueFrom"]["secretKeyRef"]
        assert ref["name"] == secret["metadata"]["name"]
        assert ref["key"] in secret["stringData"], env["name"]


def test_secret_config_passes_check(objects: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    """The example config, with its credential files and environment variables where the
    Deployment puts them, is valid: every X_file names a key of the Secret and every ${VAR}
    is set by the Deployment."""
    secret = objects["Secret"]["stringData"]
    for key, value in secret.items():
        text = value.replace("/etc/sms-balance-exporter/", f"{tmp_path}/")
        (tmp_path / key).write_text(text)
    assert (tmp_path / "config.yml").read_text() != secret["config.yml"]  # paths rewritten
    (container,) = objects["Deployment"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: secret[e["valueFrom"]["secretKeyRef"]["key"]] for e in container["env"]}
    assert env, "the example shows credentials from environment variables too"
    result = run(
        [
            sys.executable,
            "-m",
            "sms_balance_exporter",
            "check",
            "--config.file",
            str(tmp_path / "config.yml"),
        ],
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr


def test_service_and_servicemonitor_select_the_exporter(
    objects: dict[str, dict[str, Any]],
) -> None:
    pod_labels = objects["Deployment"]["spec"]["template"]["metadata"]["labels"]
    service = objects["Service"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] == "http"
    monitor = objects["ServiceMonitor"]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == port["name"]
    assert endpoint["path"] == "/metrics"
    assert (endpoint["interval"], endpoint["scrapeTimeout"]) == ("5m", "30s")


def test_servicemonitor_job_matches_the_alerts_selector(
    objects: dict[str, dict[str, Any]],
) -> None:
    """The exporter alerts select `job=~"…"`; the ServiceMonitor's job must match it, or
    SmsBalanceExporterDown could never fire."""
    selectors = set(re.findall(r'job=~"([^"]+)"', RULES.read_text()))
    assert selectors
    (endpoint,) = objects["ServiceMonitor"]["spec"]["endpoints"]
    (job,) = [r["replacement"] for r in endpoint["relabelings"] if r["targetLabel"] == "job"]
    for selector in selectors:
        assert re.fullmatch(selector, job), (selector, job)


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_prometheusrule", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_prometheusrule_is_generated_from_the_alerts() -> None:
    expected = load_generator().render(RULES.read_text())
    assert PROMETHEUS_RULE.read_text() == expected, (
        "deploy/kubernetes/prometheusrule.yaml differs from alerts/sms-balance.rules.yml: "
        "run python deploy/kubernetes/generate-prometheusrule.py"
    )
    text = PROMETHEUS_RULE.read_text()
    assert text.startswith("# Generated from alerts/sms-balance.rules.yml")
    assert "do not edit" in text
    rule = yaml.safe_load(text)
    assert rule["spec"]["groups"] == yaml.safe_load(RULES.read_text())["groups"]


def test_generator_check_reports_drift(tmp_path: Path) -> None:
    changed = tmp_path / "rules.yml"
    changed.write_text(RULES.read_text().replace("for: 10m", "for: 11m"))
    check = [sys.executable, str(GENERATOR), "--output", str(PROMETHEUS_RULE), "--check"]
    assert run(check).returncode == 0
    result = run([*check, "--rules", str(changed)])
    assert result.returncode == 1
    assert "out of date" in result.stderr


def test_prometheusrule_passes_promtool(tmp_path: Path) -> None:
    promtool = require_binary("promtool")
    rules = tmp_path / "rules.yml"
    groups = yaml.safe_load(PROMETHEUS_RULE.read_text())["spec"]["groups"]
    rules.write_text(yaml.safe_dump({"groups": groups}))
    result = run([promtool, "check", "rules", str(rules)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {sum(len(g['rules']) for g in groups)} rules found" in result.stdout


# -- systemd ---------------------------------------------------------------------------------


def unit_settings() -> dict[str, list[str]]:
    """Every `Key=value` of the unit, by key, in order (keys may repeat)."""
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


@pytest.fixture
def runnable_unit(tmp_path: Path) -> Iterator[Path]:
    """A copy of the unit whose ExecStart names a binary that exists here (verify checks)."""
    binary = Path(sys.executable).parent / "sms-balance-exporter"
    assert binary.exists(), binary
    text = UNIT.read_text()
    assert f"ExecStart={INSTALLED_BINARY} " in text
    copy_path = tmp_path / UNIT.name
    copy_path.write_text(text.replace(f"ExecStart={INSTALLED_BINARY} ", f"ExecStart={binary} "))
    yield copy_path


def test_unit_passes_systemd_analyze_verify(runnable_unit: Path) -> None:
    analyze = require_tool("systemd-analyze", "Debian: systemd")
    result = run([analyze, "verify", str(runnable_unit)])
    # Unknown or misspelt settings are only warnings: any output is a finding.
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")


def test_unit_exposure_is_low(runnable_unit: Path) -> None:
    analyze = require_tool("systemd-analyze", "Debian: systemd")
    # --threshold is the exposure level times ten: 20 is 2.0, "OK" on systemd's scale.
    result = run([analyze, "security", "--offline=true", "--threshold=20", str(runnable_unit)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_unit_is_sandboxed() -> None:
    settings = unit_settings()
    assert settings["ExecStart"] == [f"{INSTALLED_BINARY} serve --config.file {CONFIG_PATH}"]
    assert settings["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    assert settings["Restart"] == ["on-failure"]
    for key, value in {
        "DynamicUser": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "NoNewPrivileges": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "CapabilityBoundingSet": "",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    }.items():
        assert settings.get(key) == [value], key
    assert "@system-service" in settings["SystemCallFilter"]
    assert settings["LoadCredential"]


def test_systemd_example_config_uses_the_units_credentials(tmp_path: Path) -> None:
    credentials = {v.partition(":")[0] for v in unit_settings()["LoadCredential"]}
    text = SYSTEMD_CONFIG.read_text()
    files = re.findall(r"^\s+\w+_file: (\S+)$", text, flags=re.MULTILINE)
    assert files
    assert all(f.startswith(CREDENTIALS_DIR) for f in files), files
    assert {f.removeprefix(CREDENTIALS_DIR) for f in files} == credentials

    for name in credentials:
        (tmp_path / name).write_text(f"example-{name}\n")
    config = tmp_path / "config.yml"
    config.write_text(text.replace(CREDENTIALS_DIR, f"{tmp_path}/"))
    check = [sys.executable, "-m", "sms_balance_exporter", "check", "--config.file", str(config)]
    result = run(check)
    assert result.returncode == 0, result.stderr
    (tmp_path / sorted(credentials)[0]).unlink()
    assert run(check).returncode == 1  # so the check above did read the credential files
