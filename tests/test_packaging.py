"""The packages: `python -m build` makes the sdist and a wheel built from it, twine accepts
both, and the wheel installs in a fresh virtual environment, where the command runs and the
exporter reports the project's version in build_info. Needs PyPI (build isolation and the
fresh environment's dependencies); about half a minute."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Any

import pytest
import requests

from sms_balance_exporter import __version__
from tests.process import Processes, free_port, wait_for

ROOT = Path(__file__).parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
VERSION = __version__  # pyproject.toml reads it from the package
URL = "https://github.com/sms-balance-exporter/sms-balance-exporter"


def run(args: list[str], timeout: float = 300, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist and wheel; without --sdist/--wheel, build makes the wheel from the sdist, so a
    file the sdist lacks breaks the wheel too."""
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)])
    return out


def only(directory: Path, pattern: str) -> Path:
    (path,) = directory.glob(pattern)
    return path


def test_sdist_carries_docs_alerts_dashboards_and_deploy_files(dist: Path) -> None:
    sdist = only(dist, f"sms_balance_exporter-{VERSION}.tar.gz")
    prefix = f"sms_balance_exporter-{VERSION}/"
    with tarfile.open(sdist) as archive:
        names = {n.removeprefix(prefix) for n in archive.getnames()}
    for expected in (
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
        "pyproject.toml",
        "alerts/sms-balance.rules.yml",
        "alerts/tests/sms-balance.test.yml",
        "grafana/dashboards/sms-balance-overview.json",
        "deploy/kubernetes/kustomization.yaml",
        "deploy/kubernetes/prometheusrule.yaml",
        "deploy/systemd/sms-balance-exporter.service",
        "sms_balance_exporter/__init__.py",
        "sms_balance_exporter/simulator/core.py",
    ):
        assert expected in names, expected
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]


def test_wheel_holds_the_package_license_and_metadata(dist: Path) -> None:
    wheel = only(dist, f"sms_balance_exporter-{VERSION}-py3-none-any.whl")
    info = f"sms_balance_exporter-{VERSION}.dist-info/"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = Parser().parsestr(archive.read(info + "METADATA").decode())
    assert all(n.startswith(("sms_balance_exporter/", info)) for n in names), names
    assert "sms_balance_exporter/providers/base.py" in names
    definitions = "sms_balance_exporter/providers/definitions/"
    shipped = {n.removeprefix(definitions) for n in names if n.startswith(definitions)}
    assert shipped == {p.name for p in (ROOT / definitions).glob("*.yml")}
    assert info + "licenses/LICENSE" in names
    assert metadata["Name"] == "sms-balance-exporter"
    assert metadata["Version"] == VERSION
    assert metadata["License-Expression"] == "Apache-2.0"
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL"))
    assert urls == {
        "Homepage": URL,
        "Repository": URL,
        "Changelog": f"{URL}/blob/main/CHANGELOG.md",
    }


def test_twine_check_passes(dist: Path) -> None:
    run([sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir()))])


def test_wheel_installs_and_runs_in_a_fresh_venv(dist: Path, tmp_path: Path) -> None:
    wheel = only(dist, "*.whl")
    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / "bin"
    # Outside the repository (no source tree on the path), with no virtualenv of ours leaking.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env = {k: v for k, v in env.items() if not k.startswith("SMS_BALANCE_EXPORTER_")}
    options: dict[str, Any] = {"cwd": tmp_path, "env": env}
    run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)], **options)

    module = "import sms_balance_exporter as m; print(m.__file__)"
    where = run([str(bin_dir / "python"), "-c", module], **options).stdout
    assert where.startswith(str(tmp_path / "venv")), where
    assert VERSION in run([str(bin_dir / "sms-balance-exporter"), "--version"], **options).stdout

    config = tmp_path / "config.yml"
    (tmp_path / "hash").write_text("h\n")
    config.write_text(
        "accounts:\n"
        f"  - {{name: example, provider: iletimerkezi, key: k, hash_file: {tmp_path}/hash}}\n"
    )
    check = [str(bin_dir / "python"), "-m", "sms_balance_exporter", "check"]
    run([*check, "--config.file", str(config)], **options)

    port = free_port()
    processes = Processes(tmp_path)
    processes.start(
        "demo",
        [str(bin_dir / "sms-balance-exporter"), "demo", f"--web.listen-address=127.0.0.1:{port}"],
    )
    try:
        build_info: list[str] = []

        def scraped() -> bool:
            try:
                text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            except requests.RequestException:
                return False
            build_info[:] = re.findall(r"^sms_balance_exporter_build_info\{.*$", text, re.M)
            return bool(build_info)

        wait_for(scraped, 30, "the installed demo's /metrics")
    finally:
        processes.stop()
    (line,) = build_info
    assert f'version="{VERSION}"' in line
