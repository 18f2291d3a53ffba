#!/usr/bin/env python3
"""Backtest the alert rules: synthetic balance histories backfilled into a real Prometheus,
every alert expression evaluated over the whole period with `for:` and `keep_firing_for:`
applied as the rule manager does, each alert scored against what really happened.

    python bench/backtest/backtest.py                 # 60 days x 12 accounts
    python bench/backtest/backtest.py --days 10 --accounts 12 --json out.json
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from prometheus import Prometheus, backfill
from scenarios import DAY, STEP, TAIL_DAYS, Account, History, synthesise, time_to_empty

RULES = Path(__file__).resolve().parents[2] / "alerts" / "sms-balance.rules.yml"
HORIZON = {
    "SmsBalanceDepletingIn3Days": 3 * DAY,
    "SmsBalanceDepletingIn1Day": DAY,
    "SmsBalanceSpendingSpike": 2 * 3600,
}
# A forecast is judged by the 1.5 horizons after it: the spend model must run that far.
assert 1.5 * max(HORIZON.values()) <= TAIL_DAYS * DAY


def seconds(duration: str | None) -> int:
    """A Prometheus duration of the rule file (`15m`, `1h`) in seconds."""
    if not duration:
        return 0
    units = {"s": 1, "m": 60, "h": 3600, "d": DAY}
    return int(duration[:-1]) * units[duration[-1]]


@dataclass
class Episode:
    """One alert from firing to resolved (steps; `end` exclusive)."""

    labels: dict[str, str]
    start: int
    end: int
    value: float = math.nan  # the expression's value when it fired (a forecast's seconds)


def episodes(active: set[int], steps: int, hold: int, keep: int) -> list[tuple[int, int]]:
    """The rule manager on one series: pending from its first active evaluation, firing once
    active for `hold` steps; a firing alert whose series is gone stays firing for `keep`
    steps from the first evaluation without it, and is the same alert if it returns."""
    out, pending_since, firing_since, missing_since = [], None, None, None
    for i in range(steps):
        if i in active:
            missing_since = None
            if pending_since is None:
                pending_since = i
            if firing_since is None and i - pending_since >= hold:
                firing_since = i
        elif firing_since is not None:
            missing_since = i if missing_since is None else missing_since
            if i - missing_since >= keep:
                out.append((firing_since, i))
                firing_since = pending_since = missing_since = None
        else:
            pending_since = None
    if firing_since is not None:
        out.append((firing_since, steps))
    return out


def evaluate(
    history: History, rules: list[dict[str, Any]], work: Path, reuse: bool = False
) -> dict[str, list[Episode]]:
    """Every alert's episodes; `reuse`: `work` already holds this history's backfilled TSDB."""
    if reuse:
        prometheus = Prometheus(work / "data", work)
        prometheus.start()
    else:
        prometheus = backfill(history, RULES, work)
    try:
        found: dict[str, list[Episode]] = {}
        end = history.time(history.steps - 1)
        for rule in rules:
            result = prometheus.query_range(rule["expr"], history.start, end)
            hold, keep = seconds(rule.get("for")) // STEP, seconds(rule.get("keep_firing_for"))
            found[rule["alert"]] = []
            for key, points in result.items():
                values = {(t - history.start) // STEP: v for t, v in points}
                for start, stop in episodes(set(values), history.steps, hold, keep // STEP):
                    found[rule["alert"]].append(
                        Episode(json.loads(key), start, stop, values.get(start, math.nan))
                    )
        return found
    finally:
        prometheus.stop()


# ---- truth ------------------------------------------------------------------------------


def truth(history: History, alert: str, acc: Account | None, instance: str | None, i: int) -> bool:
    """Whether what the alert says was really so at step i."""
    all_down = outage(history, i)
    if alert == "SmsBalanceExporterAbsent":
        return all_down
    if alert == "SmsBalanceExporterDown":
        return instance is not None and i in history.down[instance] and not all_down
    assert acc is not None
    if alert == "SmsBalanceLowAmount":
        return acc.kind == "amount" and acc.balance[i] < (acc.threshold or -1)
    if alert == "SmsBalanceLowMessages":
        return acc.kind == "messages" and acc.balance[i] < (acc.threshold or -1)
    if alert == "SmsBalanceExhausted":
        return acc.balance[i] <= 0
    if alert == "SmsBalanceQueryFailing":
        return acc.failing[i] is not None
    if alert == "SmsBalanceAuthFailing":
        return acc.failing[i] == "auth"
    horizon = HORIZON[alert]
    limit = int(1.5 * horizon) // STEP
    return time_to_empty(acc, i, limit) <= 1.5 * horizon


def outage(history: History, i: int) -> bool:
    """Every exporter was down at step i."""
    return all(i in down for down in history.down.values())


def exhaustions(history: History, acc: Account) -> list[int]:
    """The evaluated steps where the account ran out."""
    balance = acc.balance
    return [i for i in range(1, history.steps) if balance[i] <= 0 < balance[i - 1]]


def foreseeable(acc: Account, exhausted: int, horizon: int) -> bool:
    """A rate over the horizon's own window, read half a horizon before, saw it coming."""
    at = exhausted - horizon // 2 // STEP
    window = min(7 * DAY, max(horizon, DAY)) // STEP
    if at - window < 0 or acc.auto_recharge:
        return False
    rate = sum(acc.spend[at - window : at]) / (window * STEP)
    return rate > 0 and acc.balance[at] / rate <= horizon


@dataclass
class Score:
    alerts: int = 0
    true: int = 0
    false: int = 0
    missed: int = 0
    leads: list[float] = field(default_factory=list)
    refires_24h: int = 0
    # Resolved and fired again while what it says held throughout: across an exporter
    # restart or failing queries, and across a total outage (counted apart).
    spurious_refires: int = 0
    outage_refires: int = 0
    duplicates: int = 0

    def row(self, name: str) -> dict[str, Any]:
        lead = statistics.median(self.leads) / 3600 if self.leads else None
        return {
            "alert": name,
            "alerts": self.alerts,
            "true": self.true,
            "false": self.false,
            "missed": self.missed,
            "median_lead_hours": None if lead is None else round(lead, 1),
            "refires_24h": self.refires_24h,
            "spurious_refires": self.spurious_refires,
            "outage_refires": self.outage_refires,
            "duplicates": self.duplicates,
        }


def score(history: History, rules: list[dict[str, Any]], found: dict[str, list[Episode]]) -> Any:
    accounts = {acc.name: acc for acc in history.accounts}
    rows = []
    for rule in rules:
        name, result = rule["alert"], Score()
        hold = seconds(rule.get("for")) // STEP
        by_key: dict[str, list[Episode]] = {}
        for ep in found[name]:
            acc = accounts.get(ep.labels.get("account", ""))
            instance = ep.labels.get("instance", "").split(":")[0] or None
            result.alerts += 1
            window = range(max(0, ep.start - hold - 1), ep.start + 1)
            if any(truth(history, name, acc, instance, i) for i in window):
                result.true += 1
            else:
                result.false += 1
            key = ep.labels.get("account") or ep.labels.get("instance") or ""
            by_key.setdefault(key, []).append(ep)
        for key, eps in by_key.items():
            eps.sort(key=lambda e: e.start)
            acc = accounts.get(key)
            instance = key.split(":")[0] if acc is None and key else None
            for before, after in itertools.pairwise(eps):
                if after.start < before.end:
                    result.duplicates += 1  # two alerts at once for one account
                elif (after.start - before.end) * STEP < DAY:
                    result.refires_24h += 1
                    gap = range(before.end - 1, after.start + 1)
                    if not all(truth(history, name, acc, instance, i) for i in gap):
                        continue
                    if any(outage(history, i) for i in range(before.end, after.start)):
                        result.outage_refires += 1
                    else:
                        result.spurious_refires += 1
        for acc in history.accounts:
            eps = by_key.get(acc.name, [])
            if name in HORIZON:
                horizon = HORIZON[name]
                for exhausted in exhaustions(history, acc):
                    if not foreseeable(acc, exhausted, horizon):
                        continue
                    lo = exhausted - 2 * horizon // STEP
                    starts = [e.start for e in eps if lo <= e.start <= exhausted]
                    if starts:
                        result.leads.append((exhausted - min(starts)) * STEP)
                    else:
                        result.missed += 1
            elif "Exporter" not in name:
                result.missed += _missed_spells(history, name, acc, eps, hold)
        if name == "SmsBalanceExporterAbsent":
            result.missed += _missed_spells(history, name, None, found[name], hold)
        rows.append(result.row(name))
    return rows


def _missed_spells(
    history: History, name: str, acc: Account | None, eps: list[Episode], hold: int
) -> int:
    """Spells of truth long enough for the alert (its `for:` and 15 minutes more) that no
    alert covered."""
    missed, i = 0, 0
    while i < history.steps:
        if not truth(history, name, acc, None, i):
            i += 1
            continue
        j = i
        while j < history.steps and truth(history, name, acc, None, j):
            j += 1
        if j - i > hold + 3 and not any(e.start < j and e.end > i for e in eps):
            missed += 1
        i = j
    return missed


def detail(history: History, found: dict[str, list[Episode]]) -> str:
    """Each forecast alert, and each foreseeable exhaustion none covered, one line each."""
    accounts = {acc.name: acc for acc in history.accounts}
    lines = []
    for name, horizon in HORIZON.items():
        for ep in sorted(found.get(name, []), key=lambda e: (e.labels["account"], e.start)):
            acc = accounts[ep.labels["account"]]
            true = time_to_empty(acc, ep.start, 7 * DAY // STEP)
            verdict = "right" if true <= 1.5 * horizon else "FALSE"
            lines.append(
                f"{name} {acc.name:13} {_when(history, ep.start)} -> {_when(history, ep.end)}"
                f"  forecast {ep.value / 3600:6.1f} h  true {true / 3600:6.1f} h  {verdict}"
            )
        for acc in history.accounts:
            eps = [e for e in found.get(name, []) if e.labels.get("account") == acc.name]
            for exhausted in exhaustions(history, acc):
                lo = exhausted - 2 * horizon // STEP
                covered = any(lo <= e.start <= exhausted for e in eps)
                if foreseeable(acc, exhausted, horizon) and not covered:
                    lines.append(
                        f"{name} {acc.name:13} MISSED exhaustion at {_when(history, exhausted)}"
                    )
    return "\n".join(lines)


def _when(history: History, step: int) -> str:
    return time.strftime("%a %d %b %H:%M", time.gmtime(history.time(step)))


def table(rows: list[dict[str, Any]]) -> str:
    head = "| alert | alerts | true | false | missed | median lead | re-fires < 24 h"
    head += " | spurious re-fires: restart | outage | duplicates |"
    lines = [head, "|---" * 10 + "|"]
    for r in rows:
        lead = "–" if r["median_lead_hours"] is None else f"{r['median_lead_hours']} h"
        lines.append(
            f"| {r['alert']} | {r['alerts']} | {r['true']} | {r['false']} | {r['missed']} "
            f"| {lead} | {r['refires_24h']} | {r['spurious_refires']} | {r['outage_refires']} "
            f"| {r['duplicates']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--accounts", type=int, default=12, choices=range(1, 13))
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--detail", action="store_true", help="print every forecast alert")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the backfilled TSDB in this directory, or reuse it if it holds the same "
        "history and recording rules (to iterate on alert expressions)",
    )
    args = parser.parse_args(argv)
    # Whole days, ending a day ago, starting on a Monday (the weekly seasonality).
    monday = 4 * DAY
    start = (int(time.time()) - (args.days + 8) * DAY) // (7 * DAY) * (7 * DAY) + monday
    history = synthesise(args.days, args.accounts, args.seed, start)
    groups = yaml.safe_load(RULES.read_text())["groups"]
    rules = [rule for group in groups for rule in group["rules"] if "alert" in rule]
    began = time.monotonic()
    if args.keep:
        stamp = _stamp(args, start, groups)
        reuse = (args.keep / "stamp").exists() and (args.keep / "stamp").read_text() == stamp
        if not reuse and args.keep.exists() and any(args.keep.iterdir()):
            sys.exit(f"{args.keep} holds another history or other recording rules: remove it")
        found = evaluate(history, rules, args.keep, reuse)
        (args.keep / "stamp").write_text(stamp)
    else:
        with tempfile.TemporaryDirectory(prefix="sms-backtest-") as tmp:
            found = evaluate(history, rules, Path(tmp))
    rows = score(history, rules, found)
    if args.detail:
        print(detail(history, found))
    outages = _count_outages(history)
    print(
        f"{args.days} days x {len(history.accounts)} accounts, {outages} total outage(s), "
        f"evaluated in {time.monotonic() - began:.0f} s"
    )
    print(table(rows))
    if args.json:
        summary = {"days": args.days, "accounts": len(history.accounts), "outages": outages}
        args.json.write_text(json.dumps({**summary, "alerts": rows}, indent=2))
    return 0


def _stamp(args: argparse.Namespace, start: int, groups: list[dict[str, Any]]) -> str:
    """What a kept TSDB depends on: the history (its parameters and the scenario model) and
    the recording rules."""
    records = [rule for group in groups for rule in group["rules"] if "record" in rule]
    model = (Path(__file__).parent / "scenarios.py").read_text()
    digest = hashlib.sha256((json.dumps(records, sort_keys=True) + model).encode()).hexdigest()
    return f"{args.days} {args.accounts} {args.seed} {start} {digest}\n"


def _count_outages(history: History) -> int:
    total = [all(i in d for d in history.down.values()) for i in range(history.steps)]
    return sum(1 for i in range(history.steps) if total[i] and (i == 0 or not total[i - 1]))


if __name__ == "__main__":
    sys.exit(main())
