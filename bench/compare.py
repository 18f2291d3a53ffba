"""The exporter beside the reference exporter, in one run: ratios of scrape time, CPU and memory
at the workloads users have, the stalled-body check and a short soak.

    .venv/bin/python bench/compare.py            # the full run (about 10 minutes on 2 cores)
    .venv/bin/python bench/compare.py --quick    # the smoke form CI runs (about a minute)

Each workload starts one simulator process and both exporters against it; the scrapes then
alternate between the two (which goes first alternates too), so a slower minute of a shared
machine falls on both. A ratio is ours / the reference's: below 1 means ours is faster or
smaller. Prints a Markdown report; `--json PATH` also writes every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import BenchError, ExporterProcess, SimulatorProcess, count_up

SEED_PROVIDERS = ("iletimerkezi", "gateway360", "smsdev", "engagelab", "agiletelecom")
STALL_DEADLINE = 2.0
STALLED_ACCOUNT = "acct-0000"


@dataclass(frozen=True)
class Workload:
    title: str
    accounts: int
    latency: float
    providers: tuple[str, ...] = ()


FULL = [
    Workload("40 accounts, L = 300 ms", 40, 0.3),
    Workload("100 accounts, 5 seed providers, L = 300 ms", 100, 0.3, SEED_PROVIDERS),
    Workload("1000 accounts, L = 200 ms", 1000, 0.2),
    Workload("1000 accounts, L = 0", 1000, 0.0),
]
QUICK = [Workload("10 accounts, L = 50 ms", 10, 0.05)]


def compare(workload: Workload, reps: int, workers: int, logs: Path) -> dict[str, Any]:
    """Both exporters against one simulator, scraped in turn `reps` times after a warm-up."""
    config = logs / "config.yml"
    name = f"{workload.accounts}-{workload.latency}"
    with (
        SimulatorProcess(
            workload.accounts,
            workload.latency,
            config,
            logs / f"simulator-{name}.log",
            providers=workload.providers,
        ),
        ExporterProcess(config, logs / f"ours-{name}.log") as ours,
        ExporterProcess(config, logs / f"reference-{name}.log", workers) as reference,
    ):
        exporters = {"ours": ours, "reference": reference}
        readings: dict[str, dict[str, list[float]]] = {
            key: {"seconds": [], "cpu": []} for key in exporters
        }
        for exporter in exporters.values():
            exporter.wait_listening()
            for _ in range(2):  # warm-up: connections, first-use imports
                exporter.scrape(workload.accounts)
        for rep in range(reps):
            order = list(exporters.items()) if rep % 2 == 0 else list(exporters.items())[::-1]
            for key, exporter in order:
                cpu = exporter.cpu_seconds()
                result = exporter.scrape(workload.accounts)
                readings[key]["seconds"].append(result.seconds)
                readings[key]["cpu"].append(exporter.cpu_seconds() - cpu)
        row: dict[str, Any] = {"workload": workload.title, "latency": workload.latency}
        for key, exporter in exporters.items():
            row[key] = {
                "scrape_s": statistics.median(readings[key]["seconds"]),
                "cpu_s": statistics.median(readings[key]["cpu"]),
                "rss_mib": exporter.rss_bytes() / 2**20,
            }
    for figure in ("scrape_s", "cpu_s", "rss_mib"):
        row[f"{figure}_ratio"] = row["ours"][figure] / row["reference"][figure]
    return row


def stalled_body(reps: int, logs: Path) -> dict[str, Any]:
    """One account whose provider sends its headers, then its body a byte every 0.5 s, under
    a 2 s timeout: when the probe answers, and when ours closed its socket to the provider
    (polled from outside, so an upper bound: the worker and the account's slot are free then)."""
    config = logs / "stalled.yml"
    rows = []
    with (
        SimulatorProcess(
            1,
            0.0,
            config,
            logs / "stalled-simulator.log",
            timeout=STALL_DEADLINE,
            faults={"slow_body": 1},
        ) as sim,
        ExporterProcess(config, logs / "stalled-ours.log") as ours,
    ):
        ours.wait_listening()
        provider_port = int(sim.url.rsplit(":", 1)[1].split("/")[0])
        for _ in range(reps):
            started = time.monotonic()
            answer = ours.get(f"/probe?target={STALLED_ACCOUNT}")
            if answer.status != 200 or count_up(answer.body) != (0, 1):
                raise BenchError(f"/probe answered {answer.status}, not the account down")
            while ours.connections_to(provider_port):
                if time.monotonic() - started > 10 * STALL_DEADLINE:
                    raise BenchError("the stalled call's socket stayed open")
                time.sleep(0.002)
            rows.append({"answer_s": answer.seconds, "freed_s": time.monotonic() - started})
    return {"deadline_s": STALL_DEADLINE, "worst_freed_s": max(r["freed_s"] for r in rows)}


def soak(seconds: float, accounts: int, scrapers: int, logs: Path) -> dict[str, Any]:
    """`scrapers` clients scraping ours back to back for `seconds`, with Prometheus's
    scrape-timeout header (1 s) at L = 100 ms: every answer must be a 200 in time."""
    config = logs / "soak.yml"
    late: list[float] = []
    answers = 0
    lock = threading.Lock()
    with (
        SimulatorProcess(accounts, 0.1, config, logs / "soak-simulator.log", timeout=None),
        ExporterProcess(config, logs / "soak-ours.log") as ours,
    ):
        ours.wait_listening()
        ours.scrape(accounts)
        rss_start = ours.rss_bytes()
        end = time.monotonic() + seconds

        def scrape_until_end() -> None:
            nonlocal answers
            while time.monotonic() < end:
                result = ours.get(headers={"X-Prometheus-Scrape-Timeout-Seconds": "1"})
                with lock:
                    answers += 1
                    if result.status != 200 or result.seconds > 1.2:
                        late.append(result.seconds)

        threads = [threading.Thread(target=scrape_until_end) for _ in range(scrapers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rss_end = ours.rss_bytes()
    return {
        "seconds": seconds,
        "scrapes": answers,
        "late_or_failed": len(late),
        "rss_start_mib": rss_start / 2**20,
        "rss_end_mib": rss_end / 2**20,
    }


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    return f"{model}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def report(results: dict[str, Any]) -> str:
    lines = [
        f"{results['date']} · {results['machine']} · reference with {results['workers']} "
        f"workers · median of {results['reps']} interleaved scrapes each",
        "",
        "| workload | scrape ours / ref (s) | ratio | CPU ours / ref (ms) | ratio "
        "| RSS ours / ref (MiB) | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["workloads"]:
        ours, ref = row["ours"], row["reference"]
        lines.append(
            f"| {row['workload']} | {ours['scrape_s']:.3f} / {ref['scrape_s']:.3f} "
            f"| {row['scrape_s_ratio']:.2f} | {ours['cpu_s'] * 1000:.0f} / "
            f"{ref['cpu_s'] * 1000:.0f} | {row['cpu_s_ratio']:.2f} "
            f"| {ours['rss_mib']:.1f} / {ref['rss_mib']:.1f} | {row['rss_mib_ratio']:.2f} |"
        )
    for row in results["workloads"]:
        if row["latency"]:
            lines.append(
                f"\n{row['workload']}: our median scrape is "
                f"{row['ours']['scrape_s'] / row['latency']:.2f} × L."
            )
    stalled = results["stalled_body"]
    lines.append(
        f"\nStalled body under a {stalled['deadline_s']:.0f} s deadline: socket closed (worker "
        f"and slot free) by {stalled['worst_freed_s']:.2f} s at worst."
    )
    soaked = results["soak"]
    lines.append(
        f"\nSoak, {soaked['seconds']:.0f} s: {soaked['scrapes']} scrapes, "
        f"{soaked['late_or_failed']} late or failed; RSS {soaked['rss_start_mib']:.1f} → "
        f"{soaked['rss_end_mib']:.1f} MiB."
    )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the smoke form")
    parser.add_argument("--reps", type=int, help="scrapes per exporter and workload")
    parser.add_argument("--workers", type=int, default=128, help="the reference's pool")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args(argv)
    reps = args.reps or (2 if args.quick else 5)
    with tempfile.TemporaryDirectory(prefix="sms-bench-") as tmp:
        logs = Path(tmp)
        results = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "workers": args.workers,
            "reps": reps,
            "workloads": [
                compare(w, reps, args.workers, logs) for w in (QUICK if args.quick else FULL)
            ],
            "stalled_body": stalled_body(1 if args.quick else 5, logs),
            "soak": soak(5 if args.quick else 120, 10 if args.quick else 100, 4, logs),
        }
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
