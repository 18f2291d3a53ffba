"""The simulator in a process of its own, for the benchmarks.

Starts `sms_balance_exporter.simulator.simulator()` with `--accounts N` accounts (`acct-0000`,
…) spread round-robin over every built-in provider twin (or the `--providers` given), each
answering after `--latency` seconds; writes the exporter's config for them to `--config`;
prints one JSON line (`{"url", "pid", "providers"}`) and serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import yaml

from sms_balance_exporter.simulator import TWINS, Fault, SimAccount, Simulator, core, simulator


def bench_accounts(
    count: int, latency: float, faults: list[tuple[Fault, int]], providers: list[str]
) -> list[SimAccount]:
    """`count` sample accounts, round-robin over the twins of `providers` (all when empty);
    the first ones get `faults`."""
    unknown = sorted(set(providers) - set(TWINS))
    if unknown:
        raise SystemExit(f"no simulator twin for provider(s) {', '.join(unknown)}")
    twins = [twin() for pid, twin in TWINS.items() if not providers or pid in providers]
    accounts = []
    for index in range(count):
        account = twins[index % len(twins)].sample_account(f"acct-{index:04d}")
        account.latency = latency
        accounts.append(account)
    position = 0
    for fault, how_many in faults:
        for account in accounts[position : position + how_many]:
            account.fault = fault
        position += how_many
    if position > count:
        raise SystemExit(f"{position} faulty accounts asked for, but only {count} accounts")
    return accounts


def exporter_config(
    sim: Simulator, timeout: float | None, min_interval: float | None
) -> dict[str, Any]:
    """The exporter's config for every simulated account; `None` keeps the default."""
    entries = [sim.exporter_account(name) for name in sim.accounts]
    given = {"timeout": timeout, "min_interval": min_interval}
    defaults = {key: value for key, value in given.items() if value is not None}
    return {"defaults": defaults, "accounts": entries} if defaults else {"accounts": entries}


def _fault(spec: str) -> tuple[Fault, int]:
    name, _, count = spec.partition("=")
    return Fault(name), int(count or 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds")
    parser.add_argument("--config", type=Path, required=True, help="exporter config to write")
    parser.add_argument("--timeout", type=float, help="accounts' timeout, s (default: config's)")
    parser.add_argument("--min-interval", type=float, help="seconds (default: the config's)")
    parser.add_argument(
        "--providers", type=lambda text: text.split(","), default=[], help="ids, comma-separated"
    )
    parser.add_argument("--fault", type=_fault, action="append", default=[], metavar="FAULT=COUNT")
    parser.add_argument(
        "--hang-limit",
        type=float,
        default=None,
        help="seconds a hanging account holds its request (default: the simulator's hour)",
    )
    args = parser.parse_args(argv)
    if args.hang_limit is not None:
        # A soak starts thousands of hanging requests; each holds a simulator thread until
        # this limit. It only has to outlast the exporter's deadline.
        core.HANG_LIMIT_SECONDS = args.hang_limit

    sim = simulator(bench_accounts(args.accounts, args.latency, args.fault, args.providers)).start()
    config = exporter_config(sim, args.timeout, args.min_interval)
    args.config.write_text(yaml.safe_dump(config, sort_keys=False))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    info = {
        "url": sim.url,
        "pid": os.getpid(),
        "providers": len({account.provider for account in sim.accounts.values()}),
    }
    print(json.dumps(info), flush=True)
    stop.wait()
    sim.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
