"""Sharding on loopback: two real Prometheus servers discover the accounts from the exporter's
`/targets`, each keeps its half by `hashmod` and scrapes them through `/probe`. Together they
see every account exactly once, and an account added by a config reload shows up in exactly
one of them. The scrape config is taken from README.md ("Running at scale"), with 1 s intervals."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from sms_balance_exporter.simulator import TWINS, Simulator, simulator
from tests.conftest import RunningExporter, require_binary, sim_config
from tests.process import Processes, free_port, wait_for

SHARDS = 2
INITIAL_ACCOUNTS = 8
# Fixed names, spread over the providers: hashmod splits these 8 as 3 and 5, so neither
# server is empty (which would make "each account once" hold without any sharding).
NAMES = [f"account-{i}" for i in range(1, INITIAL_ACCOUNTS + 2)]
README = Path(__file__).parent.parent / "README.md"
README_ADDRESS = "sms-balance-exporter:10077"
PROBE_JOB, EXPORTER_JOB = "sms_balance_probe", "sms_balance_exporter"


def readme_scrape_configs() -> list[dict[str, Any]]:
    """The sharded scrape config of README.md's "Running at scale" section."""
    section = README.read_text().split("\n## Running at scale\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```yaml\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)
    (block,) = [b for b in blocks if "hashmod" in b]
    configs: list[dict[str, Any]] = yaml.safe_load(block)["scrape_configs"]
    return configs


def scrape_config(exporter_address: str, shard: int) -> dict[str, Any]:
    """The README's config for server `shard`, on loopback and with 1 s intervals."""
    text = yaml.safe_dump(readme_scrape_configs()).replace(README_ADDRESS, exporter_address)
    jobs = yaml.safe_load(text)
    for job in jobs:
        job.update(scrape_interval="1s", scrape_timeout="1s")
        for sd in job.get("http_sd_configs", []):
            sd["refresh_interval"] = "1s"
        for rule in job.get("relabel_configs", []):
            if rule.get("action") == "hashmod":
                assert rule["modulus"] == SHARDS
            if rule.get("source_labels") == ["__tmp_shard"]:
                rule["regex"] = str(shard)
    assert {job["job_name"] for job in jobs} == {PROBE_JOB, EXPORTER_JOB}
    assert exporter_address in text
    return {"scrape_configs": jobs}


@dataclass
class Shard:
    url: str

    def _get(self, path: str, **params: str) -> Any:
        answer = requests.get(f"{self.url}{path}", params=params, timeout=10).json()
        assert answer["status"] == "success", answer
        return answer["data"]

    def series(self, selector: str) -> list[dict[str, str]]:
        """The label sets of the series `selector` selects now."""
        return [series["metric"] for series in self._get("/api/v1/query", query=selector)["result"]]

    def scraped_accounts(self) -> list[str]:
        """Accounts with an `sms_balance_up` series here (a list: duplicates must show)."""
        return sorted(labels["account"] for labels in self.series("sms_balance_up"))

    def discovered(self) -> tuple[set[str], set[str]]:
        """Targets this server scrapes and those it dropped, by account name."""
        data = self._get("/api/v1/targets", state="any")

        def accounts(targets: list[dict[str, Any]]) -> set[str]:
            labels = [t["discoveredLabels"] for t in targets]
            return {t["__address__"] for t in labels if t["job"] == PROBE_JOB}

        return accounts(data["activeTargets"]), accounts(data["droppedTargets"])

    def ready(self) -> bool:
        try:
            return requests.get(f"{self.url}/-/ready", timeout=1).ok
        except requests.RequestException:
            return False


@pytest.fixture
def sim() -> Iterator[Simulator]:
    providers = list(TWINS.values())
    accounts = [providers[i % len(providers)]().sample_account(n) for i, n in enumerate(NAMES)]
    with simulator(accounts) as running:
        yield running


@pytest.fixture
def shards(
    sim: Simulator,
    start_exporter: Callable[[dict[str, Any]], RunningExporter],
    tmp_path: Path,
) -> Iterator[tuple[RunningExporter, list[Shard]]]:
    prometheus = require_binary("prometheus")
    exporter = start_exporter(sim_config(sim, NAMES[:INITIAL_ACCOUNTS]))
    address = exporter.url.removeprefix("http://")
    processes = Processes(tmp_path)
    servers = []
    for shard in range(SHARDS):
        port = free_port()
        config = tmp_path / f"prometheus-{shard}.yml"
        config.write_text(yaml.safe_dump(scrape_config(address, shard)))
        processes.start(
            f"prometheus-{shard}",
            [
                prometheus,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / f'data-{shard}'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
        )
        servers.append(Shard(f"http://127.0.0.1:{port}"))
    try:
        for server in servers:
            wait_for(server.ready, 30, f"prometheus at {server.url}")
        yield exporter, servers
    finally:
        processes.stop()


def test_two_prometheus_shards_see_every_account_once(
    sim: Simulator, shards: tuple[RunningExporter, list[Shard]]
) -> None:
    exporter, servers = shards
    initial, added = set(NAMES[:INITIAL_ACCOUNTS]), NAMES[INITIAL_ACCOUNTS]

    def every_account_scraped() -> bool:
        seen = [account for server in servers for account in server.scraped_accounts()]
        return set(seen) == initial

    wait_for(every_account_scraped, 60, f"sms_balance_up of all of {sorted(initial)}")
    scraped = [server.scraped_accounts() for server in servers]
    assert all(scraped), f"a shard holds no account: {scraped}"  # else nothing is sharded
    assert sorted(scraped[0] + scraped[1]) == sorted(initial)  # each account exactly once
    for server in servers:
        for labels in server.series(f'{{__name__=~"sms_balance_.+", job="{PROBE_JOB}"}}'):
            assert labels["instance"] == labels["account"], labels
            assert not [name for name in labels if name.startswith("exported_")], labels
        # The exporter job brings the build info (SmsBalanceExporterAbsent) and no account.
        wait_for(
            lambda s=server: bool(s.series("sms_balance_exporter_build_info")),
            30,
            f"build info in {server.url}",
        )
        assert not server.series(
            f'{{__name__=~"sms_balance_.+", job="{EXPORTER_JOB}", account!=""}}'
        )
    for server, accounts in zip(servers, scraped, strict=True):
        active, dropped = server.discovered()
        assert active == set(accounts)
        assert dropped == initial - active  # discovered everything, kept only its half

    config = yaml.safe_load(exporter.config_path.read_text())
    config["accounts"].append(sim.exporter_account(added))
    exporter.config_path.write_text(yaml.safe_dump(config))
    assert requests.post(f"{exporter.url}/-/reload", timeout=10).status_code == 200

    def added_everywhere() -> bool:
        # Scraped by one server and seen but dropped by the other: both have caught up.
        scraped_by = [added in server.scraped_accounts() for server in servers]
        dropped_by = [added in server.discovered()[1] for server in servers]
        return sum(scraped_by) == 1 and sum(dropped_by) == 1

    wait_for(added_everywhere, 60, f"{added} in one shard and dropped by the other")
    scraped = [server.scraped_accounts() for server in servers]
    assert sorted(scraped[0] + scraped[1]) == sorted([*initial, added])
