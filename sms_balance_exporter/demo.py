"""`demo`: the simulator with one healthy account of every built-in provider, plus one that
runs low, and the exporter's config pointing at it."""

from __future__ import annotations

from typing import Any

from sms_balance_exporter.config import Config, config_from_data
from sms_balance_exporter.simulator import TWINS, Simulator, simulator

LOW_ACCOUNT = "iletimerkezi-low"


def demo_simulator() -> Simulator:
    accounts = [twin().sample_account(f"{provider}-demo") for provider, twin in TWINS.items()]
    low = TWINS["iletimerkezi"]().sample_account(LOW_ACCOUNT)
    low.balance = 40.0  # below the threshold below, so the low-balance alert has a case
    accounts.append(low)
    return simulator(accounts)


def demo_config(sim: Simulator) -> Config:
    accounts: list[dict[str, Any]] = []
    for name in sim.accounts:
        entry = sim.exporter_account(name)
        entry["low_balance"] = {"amount": 100}
        accounts.append(entry)
    return config_from_data({"accounts": accounts}, source="<demo>")
