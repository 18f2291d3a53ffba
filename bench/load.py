"""A load client, run as its own process: `--concurrency` threads, each sending GET requests
one after the other for `--duration` seconds, and a JSON line on stdout with the requests per
second and the latency percentiles.

    python bench/load.py --port 10077 --path /metrics --concurrency 8 --duration 10
    python bench/load.py --port 10077 --probe-targets 1000 --concurrency 8 --duration 10

With `--probe-targets N` every request is `/probe?target=acct-XXXX` for a random one of the
first N accounts. The exporter closes each connection after one answer, so every request opens
a new one (with TCP_NODELAY, as Prometheus does).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import sys
import threading
import time
from dataclasses import dataclass, field

from stats import summary


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)


def _worker(
    host: str, port: int, paths: list[str], stop_at: float, tally: _Tally, seed: int
) -> None:
    pick = random.Random(seed).choice
    while time.monotonic() < stop_at:
        path = pick(paths)
        started = time.perf_counter()
        connection = http.client.HTTPConnection(host, port, timeout=30)
        try:
            connection.connect()
            assert connection.sock is not None
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            ok = response.status == 200 and b"sms_balance_up{" in body
            problem = f"HTTP {response.status}"
        except OSError as error:
            ok, problem = False, f"{type(error).__name__}: {error}"
        finally:
            connection.close()
        if ok:
            tally.latencies.append(time.perf_counter() - started)
        else:
            tally.errors += 1
            if len(tally.error_samples) < 3:
                tally.error_samples.append(problem)


def run_load(
    host: str, port: int, paths: list[str], concurrency: int, duration: float
) -> dict[str, object]:
    """Drive the exporter and return the figures of the run."""
    tallies = [_Tally() for _ in range(concurrency)]
    cpu_before = time.process_time()
    started = time.monotonic()
    stop_at = started + duration
    threads = [
        threading.Thread(target=_worker, args=(host, port, paths, stop_at, tally, seed))
        for seed, tally in enumerate(tallies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies = [value for tally in tallies for value in tally.latencies]
    return {
        "concurrency": concurrency,
        "duration_s": elapsed,
        "requests": len(latencies),
        "errors": sum(tally.errors for tally in tallies),
        "error_samples": [sample for tally in tallies for sample in tally.error_samples][:3],
        "requests_per_s": len(latencies) / elapsed,
        "latency_s": summary(latencies),
        "client_cpu_s": time.process_time() - cpu_before,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/metrics")
    parser.add_argument("--probe-targets", type=int, default=0, metavar="N")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds")
    args = parser.parse_args(argv)
    if args.probe_targets:
        paths = [f"/probe?target=acct-{i:04d}" for i in range(args.probe_targets)]
    else:
        paths = [args.path]
    print(json.dumps(run_load(args.host, args.port, paths, args.concurrency, args.duration)))


if __name__ == "__main__":
    main(sys.argv[1:])
