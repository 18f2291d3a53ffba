"""The exporter's benchmark: runs every part (or `--only` one), then writes `results.json`,
`results.md` and `scrape_time.png` to `--output`, and with the default output also the
results block of `bench/README.md`.

    .venv/bin/python bench/run.py            # the full run (about 20 minutes)
    .venv/bin/python bench/run.py --quick    # the CI smoke form (under a minute)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import parts
import psutil
import report
import soak
from harness import BENCH_DIR, REPO_DIR

DEFAULT_OUTPUT = BENCH_DIR / "results"
README = BENCH_DIR / "README.md"

PARTS: dict[str, Callable[[parts.Settings, parts.Context], dict[str, Any]]] = {
    "scrape_time": parts.scrape_time,
    "overhead": parts.overhead,
    "overlap": parts.overlap,
    "throughput": parts.throughput,
    "memory_startup": parts.memory_startup,
    "soak": soak.run_soak,
    "seed_providers": parts.seed_providers,
    "stalled_body": parts.stalled_body,
}


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(item) for item in text.split(",") if item)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the short CI smoke form")
    parser.add_argument("--only", choices=sorted(PARTS), action="append", help="repeatable")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, metavar="DIR")
    parser.add_argument("--label", help="the report's title (default: full run / quick run)")
    parser.add_argument(
        "--no-readme", action="store_true", help="leave bench/README.md alone (default output)"
    )
    overrides = parser.add_argument_group("overrides of the quick or full settings")
    overrides.add_argument("--sizes", type=_sizes, help="N for parts 1 and 2, e.g. 1,10,100")
    overrides.add_argument("--memory-sizes", type=_sizes, help="N for part 5")
    overrides.add_argument("--reps", type=int, help="scrapes per cell")
    overrides.add_argument(
        "--serial-budget-s", type=float, help="longest serial scrape to measure, not compute"
    )
    overrides.add_argument("--probe-accounts", type=int)
    overrides.add_argument("--seed-accounts", type=int)
    overrides.add_argument("--stalled-reps", type=int)
    overrides.add_argument("--overlap-accounts", type=int)
    overrides.add_argument("--load-seconds", type=float)
    overrides.add_argument("--load-concurrency", type=int)
    overrides.add_argument("--soak-scrapes", type=int)
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> parts.Settings:
    settings = parts.QUICK if args.quick else parts.FULL
    changes = {
        field.name: getattr(args, field.name)
        for field in dataclasses.fields(settings)
        if getattr(args, field.name, None) is not None
    }
    return dataclasses.replace(settings, **changes)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu_model = platform.processor() or "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    ram_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            ram_kib = int(line.split()[1])
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "ram_gib": ram_kib / 1024 / 1024,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "loadavg_start": list(os.getloadavg()),
        "reference_loop_ms_start": reference_loop_ms(),
    }


def stolen_seconds() -> float:
    """CPU seconds the host has taken from this machine's CPUs so far, as psutil reads them
    (0 where it reports none). On a virtual machine the host may run other guests on our
    CPUs: that time counts in no process's CPU time, so the figures of a part during which
    the host took much are slower than the code."""
    return float(getattr(psutil.cpu_times(), "steal", 0.0))


def steal_share(stolen: float, seconds: float) -> float:
    """The share of all CPUs' time over `seconds` of wall time that the host took."""
    capacity = seconds * (os.cpu_count() or 1)
    return stolen / capacity if capacity > 0 else 0.0


def reference_loop_ms() -> float:
    """The machine's speed for pure Python, as this run saw it: the best of five times of a
    fixed loop, in ms. On a shared machine it changes through the day (by up to 2 x here), so
    two runs' figures compare only next to it."""
    best = math.inf
    for _ in range(5):
        started = time.perf_counter()
        sum(i * i for i in range(1_000_000))
        best = min(best, time.perf_counter() - started)
    return best * 1000


def _git() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" with uncommitted changes" if dirty else "")


def compile_bytecode() -> None:
    """Write the package's bytecode first, as installing it does: with PYTHONDONTWRITEBYTECODE
    set (as on some machines) every exporter start would compile all its modules again
    (~0.15 s here), a cost no installed exporter pays."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO_DIR / "sms_balance_exporter")],
        check=True,
    )


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    settings = settings_from(args)
    output: Path = args.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    results_path = output / "results.json"
    selected = args.only or list(PARTS)
    previous: dict[str, Any] = {}
    if args.only and results_path.exists():
        previous = json.loads(results_path.read_text()).get("parts", {})

    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    started, run_stolen = time.monotonic(), stolen_seconds()
    info = machine()
    results: dict[str, Any] = {
        "run": {
            "label": args.label or ("quick run" if args.quick else "full run"),
            "mode": "quick" if args.quick else "full",
            "command": "python bench/run.py " + shlex.join(argv),
            "started_at": started_at,
            "git": _git(),
            "settings": dataclasses.asdict(settings),
        },
        "machine": info,
        "parts": {k: v for k, v in previous.items() if k in PARTS and k not in selected},
    }
    failed = []
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="sms-bench-") as workdir:
        ctx = parts.Context(workdir=Path(workdir), logs=output / "logs")
        for name in selected:
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            part_started, part_stolen = time.monotonic(), stolen_seconds()
            try:
                result = PARTS[name](settings, ctx)
            except Exception as error:  # one broken part must not cost the others
                result = {"error": f"{type(error).__name__}: {error}"}
                failed.append(name)
            result["run_started_at"] = started_at
            result["duration_s"] = time.monotonic() - part_started
            result["host_steal_share"] = steal_share(
                stolen_seconds() - part_stolen, result["duration_s"]
            )
            results["parts"][name] = result
            outcome = f"FAILED: {result['error']}" if "error" in result else "done"
            print(f"bench: {name} {outcome} in {result['duration_s']:.1f} s", file=sys.stderr)
    results["run"]["duration_s"] = time.monotonic() - started
    info["loadavg_end"] = list(os.getloadavg())
    info["reference_loop_ms_end"] = reference_loop_ms()
    info["host_steal_share"] = steal_share(
        stolen_seconds() - run_stolen, results["run"]["duration_s"]
    )

    if "cells" in results["parts"].get("scrape_time", {}):
        results["plot"] = report.plot(results["parts"]["scrape_time"], output / report.PLOT_NAME)
    results["targets"] = report.targets(results["parts"])
    results_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (output / "results.md").write_text(report.markdown(results, report.PLOT_NAME))
    if output == DEFAULT_OUTPUT.resolve() and not args.no_readme:
        block = report.markdown(results, f"results/{report.PLOT_NAME}", level=3)
        report.update_readme(README, block)
    for row in results["targets"]:
        print(f"{row['target']}: {row['verdict']}", file=sys.stderr)
    print(f"bench: wrote {output}", file=sys.stderr)
    if failed:
        print(
            f"bench: failed parts: {', '.join(failed)} (logs in {output / 'logs'})", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
