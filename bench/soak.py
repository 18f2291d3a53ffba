"""The soak: thousands of scrapes of a mix of healthy, failing and hanging accounts, by
several concurrent scrapers sending Prometheus's scrape-timeout header. It reports the
exporter's resident memory and threads at the start (after a warm-up) and at the end, which
must stay flat, and the share of scrapes answered within their deadline."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from harness import ExporterProcess, SimulatorProcess, count_up
from parts import MIB, Context, Settings
from stats import summary

HEALTHY = 40
FAULTS = {"revoked": 4, "html_5xx": 3, "reset": 3, "hang": 10}
SCRAPE_TIMEOUT_S = 2.0  # the header: the exporter answers by this minus 0.5 s
DEADLINE_S = SCRAPE_TIMEOUT_S - 0.5
SLACK_S = 0.2
HANG_LIMIT_S = 10.0  # a hanging simulator request is held this long, well past the deadline
ACCOUNT_TIMEOUT_S = 10.0
SAMPLE_EVERY_S = 5.0
# Quiet time before a reading, so that the hanging requests of the last scrapes have
# reached their deadline and released their worker threads.
SETTLE_S = DEADLINE_S + 1.0
RSS_TOLERANCE_MIB = 3.0
RSS_TOLERANCE_SHARE = 0.05
THREAD_TOLERANCE = 2


@dataclass
class _Outcome:
    seconds: list[float] = field(default_factory=list)
    wrong: int = 0  # answered, but not with the expected accounts up and down
    errors: int = 0  # no answer or not 200
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def problem(self, text: str) -> None:
        if len(self.samples) < 5:
            self.samples.append(text)


def _reading(exporter: ExporterProcess, sim: SimulatorProcess) -> dict[str, float]:
    return {
        "rss_mib": exporter.rss_bytes() / MIB,
        "peak_rss_mib": exporter.peak_rss_bytes() / MIB,
        "threads": float(exporter.threads()),
        "simulator_threads": float(sim.threads()),
    }


def _drive(exporter: ExporterProcess, scrapes: int, scrapers: int, healthy: int) -> _Outcome:
    """`scrapes` scrapes in all, by `scrapers` threads each scraping one after the other."""
    outcome = _Outcome()
    tickets = iter(range(scrapes))
    tickets_lock = threading.Lock()
    headers = {"X-Prometheus-Scrape-Timeout-Seconds": str(SCRAPE_TIMEOUT_S)}
    failing = sum(FAULTS.values())

    def scraper() -> None:
        while True:
            with tickets_lock:
                if next(tickets, None) is None:
                    return
            try:
                result = exporter.get("/metrics", headers)
            except OSError as error:
                with outcome.lock:
                    outcome.errors += 1
                    outcome.problem(f"{type(error).__name__}: {error}")
                continue
            up, down = count_up(result.body)
            with outcome.lock:
                outcome.seconds.append(result.seconds)
                if result.status != 200:
                    outcome.errors += 1
                    outcome.problem(f"HTTP {result.status}")
                elif (up, down) != (healthy, failing):
                    outcome.wrong += 1
                    outcome.problem(f"{up} up and {down} down, not {healthy} and {failing}")

    threads = [threading.Thread(target=scraper) for _ in range(scrapers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def run_soak(settings: Settings, ctx: Context) -> dict[str, Any]:
    """Warm up, take a reading, run the soak while sampling, settle, take the last reading."""
    accounts = HEALTHY + sum(FAULTS.values())
    config = ctx.config("soak")
    with (
        SimulatorProcess(
            accounts,
            0.0,
            config,
            ctx.log("soak-simulator"),
            timeout=ACCOUNT_TIMEOUT_S,
            faults=FAULTS,
            hang_limit=HANG_LIMIT_S,
        ) as sim,
        ExporterProcess(config, ctx.log("soak-ours")) as exporter,
    ):
        exporter.wait_healthy()
        scrapers = settings.soak_scrapers
        # Long enough for the worker pool to reach the size this load needs: growth up to
        # then is the pool filling, not a leak.
        warmup = max(scrapers * settings.soak_warmup_rounds, settings.soak_scrapes // 10)
        _drive(exporter, warmup, scrapers, HEALTHY)
        time.sleep(SETTLE_S)
        start = _reading(exporter, sim)

        timeline: list[dict[str, float]] = []
        done = threading.Event()
        began = time.monotonic()

        def sample() -> None:
            while not done.wait(SAMPLE_EVERY_S):
                timeline.append({"t_s": time.monotonic() - began, **_reading(exporter, sim)})

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        outcome = _drive(exporter, settings.soak_scrapes, scrapers, HEALTHY)
        elapsed = time.monotonic() - began
        done.set()
        sampler.join()
        time.sleep(SETTLE_S)
        end = _reading(exporter, sim)
        exporter.check_alive("the exporter")

    answered = len(outcome.seconds)
    met = sum(1 for s in outcome.seconds if s <= DEADLINE_S + SLACK_S)
    within_timeout = sum(1 for s in outcome.seconds if s <= SCRAPE_TIMEOUT_S)
    rss_growth = end["rss_mib"] - start["rss_mib"]
    rss_allowed = max(RSS_TOLERANCE_MIB, RSS_TOLERANCE_SHARE * start["rss_mib"])
    return {
        "accounts": {"healthy": HEALTHY, **FAULTS},
        "scrapes": settings.soak_scrapes,
        "warmup_scrapes": warmup,
        "scrapers": scrapers,
        "scrape_timeout_header_s": SCRAPE_TIMEOUT_S,
        "deadline_s": DEADLINE_S,
        "slack_s": SLACK_S,
        "duration_s": elapsed,
        "scrapes_per_s": answered / elapsed,
        "answered": answered,
        "errors": outcome.errors,
        "wrong_answers": outcome.wrong,
        "problems": outcome.samples,
        "met_deadline_share": met / settings.soak_scrapes,
        "within_scrape_timeout_share": within_timeout / settings.soak_scrapes,
        "scrape_seconds": summary(outcome.seconds),
        "start": start,
        "end": end,
        "max_threads": max([start["threads"], end["threads"]] + [s["threads"] for s in timeline]),
        "timeline": timeline,
        "rss_growth_mib": rss_growth,
        "rss_allowed_growth_mib": rss_allowed,
        "rss_flat": rss_growth <= rss_allowed,
        "threads_growth": end["threads"] - start["threads"],
        "threads_flat": end["threads"] - start["threads"] <= THREAD_TOLERANCE,
    }
