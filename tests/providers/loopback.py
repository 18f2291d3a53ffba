"""Running a provider against simulator twins over loopback, as the exporter does."""

from __future__ import annotations

import time

from sms_balance_exporter.config import config_from_data
from sms_balance_exporter.providers import Balance
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.upstream import UpstreamClient

CLIENT = UpstreamClient()


def fetch(sim: Simulator, name: str, **overrides: object) -> Balance:
    """The balance of simulated account `name`, its config loaded as `check` loads it."""
    entry = {**sim.exporter_account(name), **overrides}
    account = config_from_data({"accounts": [entry]}, "c.yml", {}).accounts[0]
    return CLIENT.fetch_balance(account.provider, account.base_url, time.monotonic() + 5)
