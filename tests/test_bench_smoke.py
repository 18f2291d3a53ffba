"""The comparison bench's short form runs end to end, so it never rots. Its ratios are not
asserted: timings on a shared CI machine are noise; bench/README.md records a full run."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

pytestmark = pytest.mark.bench


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    return [n for item in value for n in _numbers(item)]


def test_quick_comparison_runs_and_reports_every_figure(tmp_path: Path) -> None:
    pytest.importorskip("psutil")
    figures = tmp_path / "figures.json"
    finished = subprocess.run(
        [sys.executable, str(BENCH / "compare.py"), "--quick", "--json", str(figures)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    results = json.loads(figures.read_text())
    assert all(math.isfinite(n) and n >= 0 for n in _numbers(results))
    [row] = results["workloads"]
    for exporter in ("ours", "reference"):
        assert row[exporter]["scrape_s"] >= row["latency"] > 0
        assert row[exporter]["rss_mib"] > 0
    assert results["stalled_body"]["worst_freed_s"] >= results["stalled_body"]["deadline_s"]
    assert results["soak"]["scrapes"] > 0
    assert "| workload |" in finished.stdout and row["workload"] in finished.stdout
