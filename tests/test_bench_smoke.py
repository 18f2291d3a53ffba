"""The benchmark's short form runs end to end, so it never rots. Its targets are not asserted:
timings on a shared CI machine are noise; the full run and its README record them."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
PARTS = {
    "scrape_time",
    "overhead",
    "overlap",
    "throughput",
    "memory_startup",
    "soak",
    "seed_providers",
    "stalled_body",
}


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item)]
    raise AssertionError(f"unexpected value in results.json: {value!r}")


def test_quick_benchmark_runs_and_reports_every_part(tmp_path: Path) -> None:
    pytest.importorskip("psutil")
    finished = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]

    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results["parts"]) == PARTS
    assert not [name for name, part in results["parts"].items() if "error" in part]
    numbers = _numbers(results)
    assert all(math.isfinite(n) for n in numbers)

    scrape = results["parts"]["scrape_time"]
    assert {c["accounts"] for c in scrape["cells"]} == {1, 10}
    assert all(c["ours"]["seconds"]["median"] > 0 for c in scrape["cells"])
    assert all(row["upstream_calls"] > 0 for row in results["parts"]["overlap"]["rows"])
    assert results["parts"]["throughput"]["probe"]["requests"] > 0
    assert results["parts"]["soak"]["answered"] > 0
    assert results["parts"]["seed_providers"]["ours"]["seconds"]["median"] > 0
    assert all(row["upstream_calls"] == 1 for row in results["parts"]["stalled_body"]["rows"])
    assert len(results["targets"]) >= 8
    steal = [part["host_steal_share"] for part in results["parts"].values()]
    assert all(0.0 <= share <= 1.0 for share in [*steal, results["machine"]["host_steal_share"]])

    report = (tmp_path / "results.md").read_text()
    for heading in ("## Targets", *(f"## {n}." for n in range(1, 9))):
        assert heading in report
    assert "- the host's steal (CPU time it gave other guests): " in report
    if results["plot"] == "scrape_time.png":
        assert (tmp_path / "scrape_time.png").read_bytes().startswith(b"\x89PNG")
