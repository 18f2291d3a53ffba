"""A real Prometheus on loopback over backfilled data: the synthetic history as OpenMetrics
through `promtool tsdb create-blocks-from openmetrics`, then the recording rules, level by
level, through `promtool tsdb create-blocks-from rules` (a rule reading another rule's series
needs that series stored first)."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from scenarios import STEP, History

JOB = "sms_balance"


def _labels(**labels: str | None) -> str:
    return ",".join(f'{k}="{v}"' for k, v in labels.items() if v is not None)


def _series(history: History) -> Iterator[tuple[str, str, str, list[tuple[int, float]]]]:
    """(family, type, series, samples) of what Prometheus would have scraped."""
    for instance, down in history.down.items():
        target = {"job": JOB, "instance": f"{instance}:10077"}
        up = [(i, 0.0 if i in down else 1.0) for i in range(history.steps)]
        yield "up", "gauge", f"up{{{_labels(**target)}}}", up
        info = _labels(**target, python_version="3.11", version="0.1.0")
        built = [(i, 1.0) for i in range(history.steps) if i not in down]
        yield "sms_balance_exporter_build_info", "gauge", f"{{{info}}}", built
    for acc in history.accounts:
        for instance in acc.instances:
            down = history.down[instance]
            seen = [i for i in range(history.steps) if i not in down]
            who = {"job": JOB, "instance": f"{instance}:10077"}
            base = _labels(**who, provider=acc.provider, account=acc.name)
            ok = [i for i in seen if acc.failing[i] is None]
            value = "sms_balance_amount" if acc.kind == "amount" else "sms_balance_messages"
            labels = base + (f',currency="{acc.currency}"' if acc.currency else "")
            yield value, "gauge", f"{{{labels}}}", [(i, acc.balance[i]) for i in ok]
            state = [(i, 0.0 if acc.failing[i] else 1.0) for i in seen]
            yield "sms_balance_up", "gauge", f"{{{base}}}", state
            for reason in ("auth", "timeout"):
                count, samples = 0, []
                for i in range(history.steps):
                    if i in down:
                        count = 0  # a restarted exporter counts from zero
                        continue
                    count += acc.failing[i] == reason
                    samples.append((i, float(count)))
                name = f'{{{base},reason="{reason}"}}'
                yield "sms_balance_scrape_errors", "counter", name, samples
            if acc.threshold is not None:
                kind = "amount" if acc.kind == "amount" else "messages"
                family = f"sms_balance_low_threshold_{kind}"
                yield family, "gauge", f"{{{base}}}", [(i, acc.threshold) for i in seen]
            extra = f',auto_recharge="{str(acc.auto_recharge).lower()}",team="{acc.team}"'
            ones = [(i, 1.0) for i in seen]
            yield "sms_balance_account_info", "gauge", f"{{{base}{extra}}}", ones


def write_openmetrics(history: History, path: Path) -> None:
    """The history as one OpenMetrics file, family by family, each series in time order."""
    by_family: dict[str, list[tuple[str, str, list[tuple[int, float]]]]] = {}
    for family, kind, series, samples in _series(history):
        by_family.setdefault(family, []).append((kind, series, samples))
    with path.open("w") as out:
        for family, members in by_family.items():
            out.write(f"# TYPE {family} {members[0][0]}\n")
            suffix = "_total" if members[0][0] == "counter" else ""
            for _, series, samples in members:
                name = f"{family}{suffix}{series}" if series.startswith("{") else series
                out.writelines(f"{name} {v} {history.time(i)}\n" for i, v in samples)
        out.write("# EOF\n")


def recording_levels(rules: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The recording rules grouped so each group reads only raw series and earlier groups."""
    names = {rule["record"] for rule in rules}
    level: dict[str, int] = {}
    while len(level) < len(rules):
        for rule in rules:
            needs = {n for n in names if re.search(rf"\b{re.escape(n)}\b", rule["expr"])}
            if rule["record"] not in level and needs <= level.keys():
                level[rule["record"]] = 1 + max((level[n] for n in needs), default=-1)
    depth = max(level.values()) + 1
    return [[r for r in rules if level[r["record"]] == d] for d in range(depth)]


class Prometheus:
    """A Prometheus process serving a TSDB directory on a free loopback port."""

    def __init__(self, data: Path, logs: Path) -> None:
        self.data, self.logs = data, logs
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = self.data.parent / "prometheus.yml"
        config.write_text("global: {}\n")
        self.url = f"http://127.0.0.1:{port}"
        log = (self.logs / "prometheus.log").open("ab")
        self.process = subprocess.Popen(
            [
                shutil.which("prometheus") or "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={self.data}",
                "--storage.tsdb.retention.time=10y",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while not self._ready():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"Prometheus did not start: see {self.logs}/prometheus.log")
            time.sleep(0.3)

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=60)
            self.process = None

    def query_range(self, expr: str, start: int, end: int) -> dict[str, list[tuple[int, float]]]:
        """Per result series (its labels as JSON), the (time, value) points, step STEP."""
        out: dict[str, list[tuple[int, float]]] = {}
        chunk = 10_000 * STEP
        for lo in range(start, end + 1, chunk):
            query = urllib.parse.urlencode(
                {"query": expr, "start": lo, "end": min(lo + chunk - STEP, end), "step": STEP}
            )
            with urllib.request.urlopen(f"{self.url}/api/v1/query_range?{query}", timeout=600) as a:
                body = json.load(a)
            if body["status"] != "success":
                raise RuntimeError(f"query failed: {body}")
            for series in body["data"]["result"]:
                key = json.dumps(series["metric"], sort_keys=True)
                points = [(int(t), float(v)) for t, v in series["values"]]
                out.setdefault(key, []).extend(points)
        return out


def backfill(history: History, rules_file: Path, work: Path) -> Prometheus:
    """A running Prometheus holding the history and every recording rule's series over it."""
    data, logs = work / "data", work
    data.mkdir(parents=True)
    metrics = work / "history.om"
    write_openmetrics(history, metrics)
    promtool = shutil.which("promtool") or "promtool"
    subprocess.run(
        [
            promtool,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=240h",
            str(metrics),
            str(data),
        ],
        check=True,
        capture_output=True,
    )
    metrics.unlink()
    prometheus = Prometheus(data, logs)
    prometheus.start()
    groups = yaml.safe_load(rules_file.read_text())["groups"]
    records = [rule for group in groups for rule in group["rules"] if "record" in rule]
    end = history.time(history.steps - 1)
    for depth, level in enumerate(recording_levels(records)):
        level_file = work / f"rules-{depth}.yml"
        level_file.write_text(yaml.safe_dump({"groups": [{"name": "l", "rules": level}]}))
        out = work / f"blocks-{depth}"
        subprocess.run(
            [
                promtool,
                "tsdb",
                "create-blocks-from",
                "rules",
                f"--url={prometheus.url}",
                f"--start={history.start}",
                f"--end={end}",
                f"--eval-interval={STEP}s",
                f"--output-dir={out}",
                "--quiet",
                str(level_file),
            ],
            check=True,
            capture_output=True,
        )
        prometheus.stop()
        for block in out.iterdir():
            shutil.move(str(block), data / block.name)
        prometheus.start()
    return prometheus
