"""`make demo` on a fresh clone: a venv with the runtime dependencies and no test tools."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_make_demo_venv_has_no_test_tools(tmp_path: Path) -> None:
    for tool in ("git", "make"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is needed to test a fresh clone")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=120)
    # The target `make demo` depends on: the demo itself would serve until stopped.
    subprocess.run(["make", "-s", ".venv/.runtime"], cwd=clone, check=True, timeout=600)
    python = str(clone / ".venv" / "bin" / "python")
    runs = subprocess.run(
        [python, "-c", "import sms_balance_exporter.demo, sms_balance_exporter.cli"],
        check=False,
        timeout=60,
    )
    assert runs.returncode == 0
    for tool in ("pytest", "mypy", "ruff", "hypothesis", "selenium"):
        found = subprocess.run(
            [python, "-c", f"import importlib.util as u; print(u.find_spec({tool!r}) is None)"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert found.stdout.strip() == "True", f"{tool} is in the demo's venv"
    assert not (clone / ".venv" / "bin" / "pytest").exists()
