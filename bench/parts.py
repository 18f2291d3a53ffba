"""The measuring parts of the benchmark (the soak is in `soak.py`). Each returns a JSON-ready
dict; `run.py` runs them and `report.py` turns them into tables, verdicts and the plot."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import (
    BENCH_DIR,
    BenchError,
    ExporterProcess,
    HttpResult,
    SimulatorProcess,
    count_up,
)
from stats import summary

MIB = 1024 * 1024
OVERLAP_LATENCY = 0.3
# Issue #11: the five seed providers of the product's brief (shared/providers.md, Part A).
SEED_PROVIDERS = ("iletimerkezi", "gateway360", "smsdev", "engagelab", "agiletelecom")
SEED_LATENCY = 0.3
STALL_DEADLINE = 2.0
STALLED_ACCOUNT = "acct-0000"


@dataclass(frozen=True)
class Settings:
    """How much of everything to measure; `QUICK` is the CI smoke form, `FULL` the real run."""

    sizes: tuple[int, ...]  # N for the scrape-time and overhead parts
    latencies: tuple[float, ...]  # L in seconds; must start with 0
    reps: int  # scrapes per (N, L) cell for ours
    serial_reps: int  # at most this many for the serial model
    serial_budget_s: float  # serial cells expected to take longer per scrape are computed
    overlap_accounts: int
    overlap_reps: int
    probe_accounts: int
    load_seconds: float
    load_concurrency: int
    memory_sizes: tuple[int, ...]
    startup_reps: int
    memory_scrapes: int  # scrapes before resident memory is read (also read after three)
    soak_scrapes: int
    soak_scrapers: int
    soak_warmup_rounds: int
    seed_accounts: int  # spread evenly over SEED_PROVIDERS
    stalled_reps: int


FULL = Settings(
    sizes=(1, 10, 100, 1000),
    latencies=(0.0, 0.05, 0.3),
    reps=20,
    serial_reps=5,
    serial_budget_s=60.0,
    overlap_accounts=100,
    overlap_reps=5,
    probe_accounts=1000,
    load_seconds=10.0,
    load_concurrency=4,
    memory_sizes=(1, 100, 1000),
    startup_reps=5,
    # More than the web server's 16 workers: each serves a scrape, so growth that comes with
    # the serving thread (an allocator arena each) shows.
    memory_scrapes=24,
    soak_scrapes=3000,
    soak_scrapers=8,
    soak_warmup_rounds=3,
    seed_accounts=100,
    stalled_reps=5,
)

QUICK = Settings(
    sizes=(1, 10),
    latencies=(0.0, 0.05, 0.3),
    reps=2,
    serial_reps=1,
    serial_budget_s=2.0,
    overlap_accounts=10,
    overlap_reps=1,
    probe_accounts=10,
    load_seconds=2.0,
    load_concurrency=4,
    memory_sizes=(1, 10),
    startup_reps=1,
    memory_scrapes=4,
    soak_scrapes=50,
    soak_scrapers=8,
    soak_warmup_rounds=1,
    seed_accounts=10,
    stalled_reps=1,
)


@dataclass(frozen=True)
class Context:
    """Where a part writes its exporter configs and its processes' logs."""

    workdir: Path
    logs: Path

    def config(self, name: str) -> Path:
        return self.workdir / f"{name}.yml"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"


def _measure(
    exporter: ExporterProcess, sim: SimulatorProcess, reps: int, expected_up: int
) -> dict[str, Any]:
    """`reps` scrapes one after the other: wall time and the CPU each process spent."""
    walls: list[float] = []
    exporter_cpu: list[float] = []
    simulator_cpu: list[float] = []
    for _ in range(reps):
        exporter_before, simulator_before = exporter.cpu_seconds(), sim.cpu_seconds()
        result = exporter.scrape(expected_up)
        walls.append(result.seconds)
        exporter_cpu.append(exporter.cpu_seconds() - exporter_before)
        simulator_cpu.append(sim.cpu_seconds() - simulator_before)
    return {
        "source": "measured",
        "seconds": summary(walls),
        "samples": walls,
        "exporter_cpu_s": summary(exporter_cpu),
        "simulator_cpu_s": summary(simulator_cpu),
    }


# -- 1. scrape time, ours and the serial model ----------------------------------------------------


def scrape_time(settings: Settings, ctx: Context) -> dict[str, Any]:
    """/metrics scrape time for every (N, L), ours side by side with the serial model."""
    if settings.latencies[0] != 0:
        raise ValueError("latencies must start with 0: the serial estimate builds on it")
    cells = []
    for n in settings.sizes:
        config = ctx.config(f"scrape-{n}")
        with (
            SimulatorProcess(n, 0.0, config, ctx.log(f"scrape-{n}-simulator")) as sim,
            ExporterProcess(config, ctx.log(f"scrape-{n}-ours")) as ours,
            ExporterProcess(config, ctx.log(f"scrape-{n}-serial"), serial=True) as serial,
        ):
            ours.wait_healthy()
            serial.wait_healthy()
            serial_at_zero = 0.0
            for latency in settings.latencies:
                sim.set_latency(latency)
                ours.scrape(n)  # warm-up: the workers' connections to the simulator
                measured = _measure(ours, sim, settings.reps, n)
                if latency == 0:
                    serial.scrape(n)
                    serial_result = _measure(serial, sim, settings.serial_reps, n)
                    serial_at_zero = serial_result["seconds"]["median"]
                else:
                    serial_result = _serial_cell(serial, sim, settings, n, latency, serial_at_zero)
                cells.append(
                    {
                        "accounts": n,
                        "providers": sim.providers,
                        "latency_s": latency,
                        "ours": measured,
                        "serial": serial_result,
                        "ratio_serial_to_ours": serial_result["seconds"]["median"]
                        / measured["seconds"]["median"],
                    }
                )
    return {"cells": cells, "reps": settings.reps, "serial_budget_s": settings.serial_budget_s}


def _serial_cell(
    serial: ExporterProcess,
    sim: SimulatorProcess,
    settings: Settings,
    n: int,
    latency: float,
    serial_at_zero: float,
) -> dict[str, Any]:
    """Measure the serial model if a scrape fits the budget; otherwise compute it as its own
    time at L = 0 plus N × L (one account after the other, each costing L more)."""
    estimate = serial_at_zero + n * latency
    if estimate > settings.serial_budget_s:
        return {
            "source": "computed",
            "formula": "serial median at L=0 + N × L",
            "seconds": {"median": estimate, "p95": None, "p99": None, "n": 0},
        }
    reps = max(1, min(settings.serial_reps, int(settings.serial_budget_s / estimate)))
    return _measure(serial, sim, reps, n)


# -- 2. exporter overhead at L = 0 ----------------------------------------------------------------


def overhead(settings: Settings, ctx: Context) -> dict[str, Any]:
    """Scrapes at L = 0: everything in them but the provider's wait; the CPU it costs."""
    rows = []
    for n in settings.sizes:
        config = ctx.config(f"overhead-{n}")
        with (
            SimulatorProcess(n, 0.0, config, ctx.log(f"overhead-{n}-simulator")) as sim,
            ExporterProcess(config, ctx.log(f"overhead-{n}-ours")) as ours,
        ):
            ours.wait_healthy()
            ours.scrape(n)
            measured = _measure(ours, sim, settings.reps, n)
        exporter_cpu = measured["exporter_cpu_s"]["mean"]
        rows.append(
            {
                "accounts": n,
                "seconds": measured["seconds"],
                "exporter_cpu_per_scrape_s": exporter_cpu,
                "simulator_cpu_per_scrape_s": measured["simulator_cpu_s"]["mean"],
                "exporter_cpu_per_account_ms": 1000 * exporter_cpu / n,
                "wall_per_account_ms": 1000 * measured["seconds"]["median"] / n,
            }
        )
    return {"rows": rows, "reps": settings.reps}


# -- 3. overlapping scrapes share upstream calls --------------------------------------------------


def overlap(settings: Settings, ctx: Context) -> dict[str, Any]:
    """k concurrent /metrics scrapes (k = 2, 4) must cause exactly N upstream calls."""
    n = settings.overlap_accounts
    config = ctx.config("overlap")
    rows = []
    with (
        SimulatorProcess(n, OVERLAP_LATENCY, config, ctx.log("overlap-simulator")) as sim,
        ExporterProcess(config, ctx.log("overlap-ours")) as ours,
    ):
        ours.wait_healthy()
        ours.scrape(n)
        for scrapes in (2, 4):
            for _ in range(settings.overlap_reps):
                before = sim.request_counts()
                results = _concurrent_scrapes(ours, scrapes, n)
                after = sim.request_counts()
                calls = [after[name] - before[name] for name in after]
                rows.append(
                    {
                        "scrapes": scrapes,
                        "accounts": n,
                        "upstream_calls": sum(calls),
                        "max_calls_per_account": max(calls),
                        "min_calls_per_account": min(calls),
                        "scrape_seconds": [r.seconds for r in results],
                    }
                )
    return {"latency_s": OVERLAP_LATENCY, "rows": rows}


def _concurrent_scrapes(exporter: ExporterProcess, count: int, n: int) -> list[HttpResult]:
    barrier = threading.Barrier(count)
    results: list[HttpResult] = []
    failures: list[BaseException] = []

    def scrape() -> None:
        barrier.wait()
        try:
            results.append(exporter.scrape(n))
        except BaseException as error:  # re-raised in the caller's thread
            failures.append(error)

    threads = [threading.Thread(target=scrape) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results


# -- 4. throughput from a second process ----------------------------------------------------------


def throughput(settings: Settings, ctx: Context) -> dict[str, Any]:
    """/probe at L = 0 (each probe one upstream call), driven by `load.py` in its own process."""
    n = settings.probe_accounts
    config = ctx.config("probe")
    with (
        SimulatorProcess(n, 0.0, config, ctx.log("probe-simulator")) as sim,
        ExporterProcess(config, ctx.log("probe-ours")) as ours,
    ):
        ours.wait_healthy()
        ours.scrape(n)  # warm-up: the workers' connections
        probe = _load(ours, sim, settings, ["--probe-targets", str(n)])
    probe["accounts"] = n
    return {"probe": probe}


def _load(
    exporter: ExporterProcess, sim: SimulatorProcess, settings: Settings, target: list[str]
) -> dict[str, Any]:
    command = [
        sys.executable,
        str(BENCH_DIR / "load.py"),
        "--port",
        str(exporter.port),
        "--concurrency",
        str(settings.load_concurrency),
        "--duration",
        str(settings.load_seconds),
        *target,
    ]
    exporter_before, simulator_before = exporter.cpu_seconds(), sim.cpu_seconds()
    started = time.monotonic()
    finished = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=settings.load_seconds + 120,
        check=True,
    )
    wall = time.monotonic() - started
    result: dict[str, Any] = json.loads(finished.stdout)
    result["exporter_cpu_s"] = exporter.cpu_seconds() - exporter_before
    result["simulator_cpu_s"] = sim.cpu_seconds() - simulator_before
    result["load_process_wall_s"] = wall
    result["exporter_rss_mib"] = exporter.rss_bytes() / MIB
    return result


# -- 5. memory and start-up ----------------------------------------------------------------------


def memory_startup(settings: Settings, ctx: Context) -> dict[str, Any]:
    """Per N: time from Popen to the first answered /metrics, and the exporter's resident
    memory after three and after `memory_scrapes` scrapes, and threads; each start repeated
    `startup_reps` times."""
    rows = []
    for n in settings.memory_sizes:
        config = ctx.config(f"memory-{n}")
        first_scrape, healthy, rss, rss_after_3, peak, threads = [], [], [], [], [], []
        with SimulatorProcess(n, 0.0, config, ctx.log(f"memory-{n}-simulator")):
            for rep in range(settings.startup_reps):
                with ExporterProcess(config, ctx.log(f"memory-{n}-ours-{rep}")) as ours:
                    healthy.append(ours.wait_healthy() - ours.started)
                    first = ours.scrape(n)
                    first_scrape.append(first.finished - ours.started)
                    for scrapes in range(2, settings.memory_scrapes + 1):
                        ours.scrape(n)
                        if scrapes == 3:
                            rss_after_3.append(ours.rss_bytes() / MIB)
                    rss.append(ours.rss_bytes() / MIB)
                    peak.append(ours.peak_rss_bytes() / MIB)
                    threads.append(ours.threads())
        rows.append(
            {
                "accounts": n,
                "start_to_first_scrape_s": summary(first_scrape),
                "start_to_healthy_s": summary(healthy),
                "rss_mib": summary(rss),
                "rss_after_3_scrapes_mib": summary(rss_after_3),
                "peak_rss_mib": summary(peak),
                "threads": summary([float(t) for t in threads]),
            }
        )
    return {"rows": rows, "reps": settings.startup_reps, "scrapes": settings.memory_scrapes}


# -- 7. the five seed providers ------------------------------------------------------------------


def seed_providers(settings: Settings, ctx: Context) -> dict[str, Any]:
    """N accounts spread evenly over the five seed providers at L = 300 ms, with the
    exporter's default config (no timeout, min_interval or concurrency set)."""
    n = settings.seed_accounts
    config = ctx.config("seed")
    with (
        SimulatorProcess(
            n,
            SEED_LATENCY,
            config,
            ctx.log("seed-simulator"),
            timeout=None,
            min_interval=None,
            providers=SEED_PROVIDERS,
        ) as sim,
        ExporterProcess(config, ctx.log("seed-ours")) as ours,
    ):
        ours.wait_healthy()
        ours.scrape(n)  # warm-up: the workers' connections
        measured = _measure(ours, sim, settings.reps, n)
    if sim.providers != len(SEED_PROVIDERS):
        raise BenchError(f"the accounts cover {sim.providers} providers, not the five seeds")
    return {
        "accounts": n,
        "providers": list(SEED_PROVIDERS),
        "latency_s": SEED_LATENCY,
        "ours": measured,
    }


# -- 8. a stalled body frees its worker by the deadline -------------------------------------------


def stalled_body(settings: Settings, ctx: Context) -> dict[str, Any]:
    """One account whose provider sends its headers, then the body a byte every 0.5 s, under a
    2 s timeout, probed `stalled_reps` times one after the other. Per probe: the answer time;
    when the exporter closed its socket to the provider (polled from outside, so an upper
    bound); its threads; and the upstream calls the probe made: one each means no query was
    still in flight from the probe before (it would have been joined, not started again)."""
    config = ctx.config("stalled")
    rows = []
    with (
        SimulatorProcess(
            1,
            0.0,
            config,
            ctx.log("stalled-simulator"),
            timeout=STALL_DEADLINE,
            faults={"slow_body": 1},
        ) as sim,
        ExporterProcess(config, ctx.log("stalled-ours")) as ours,
    ):
        ours.wait_healthy()
        provider_port = int(sim.url.rsplit(":", 1)[1].split("/")[0])
        for _ in range(settings.stalled_reps):
            calls_before = sim.request_counts()[STALLED_ACCOUNT]
            started = time.monotonic()
            answer = ours.get(f"/probe?target={STALLED_ACCOUNT}")
            if answer.status != 200 or count_up(answer.body) != (0, 1):
                raise BenchError(f"/probe answered {answer.status}, not the account down")
            while ours.connections_to(provider_port):
                if time.monotonic() - started > 10 * STALL_DEADLINE:
                    raise BenchError("the stalled call's socket stayed open")
                time.sleep(0.002)
            closed = time.monotonic() - started
            rows.append(
                {
                    "answer_s": answer.seconds,
                    "socket_closed_s": closed,
                    "threads": ours.threads(),
                    "upstream_calls": sim.request_counts()[STALLED_ACCOUNT] - calls_before,
                }
            )
    return {"deadline_s": STALL_DEADLINE, "rows": rows}
