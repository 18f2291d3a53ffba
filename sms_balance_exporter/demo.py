"""`demo`: the simulator with one healthy account of every built-in provider, plus one that
runs low, one read through the `generic` provider, one whose key was revoked (`auth`) and one
whose provider drops the connection (`connection`), and the exporter's config pointing at it."""

from __future__ import annotations

from typing import Any

from sms_balance_exporter.config import Config, config_from_data
from sms_balance_exporter.simulator import TWINS, Fault, SimAccount, Simulator, simulator

LOW_ACCOUNT = "iletimerkezi-low"
LOW_SHARE = 0.2  # each demo account warns at a fifth of its starting balance
# A simulated Gateway360 account the exporter reads with the `generic` provider.
GENERIC_ACCOUNT = "generic-demo"
# Failing accounts, so a newcomer sees sms_balance_up 0, reasons and the failure alerts.
REVOKED_ACCOUNT = "twilio-revoked"  # the key was revoked: reason="auth"
UNREACHABLE_ACCOUNT = "vonage-unreachable"  # the API resets the connection: reason="connection"


def demo_simulator() -> Simulator:
    accounts = [twin().sample_account(f"{provider}-demo") for provider, twin in TWINS.items()]
    twin = TWINS["iletimerkezi"]()
    healthy, low = twin.sample_account("reference"), twin.sample_account(LOW_ACCOUNT)
    low.balance = 0.1 * healthy.balance  # already below its threshold: a low-balance case
    low.drift_per_hour = 4 * healthy.drift_per_hour  # empty within hours: a forecast case
    accounts.append(low)
    accounts.append(TWINS["gateway360"]().sample_account(GENERIC_ACCOUNT))
    revoked = TWINS["twilio"]().sample_account(REVOKED_ACCOUNT)
    revoked.fault = Fault.REVOKED
    unreachable = TWINS["vonage"]().sample_account(UNREACHABLE_ACCOUNT)
    unreachable.fault = Fault.RESET
    accounts.extend([revoked, unreachable])
    return simulator(accounts)


def demo_config(sim: Simulator) -> Config:
    accounts: list[dict[str, Any]] = []
    for name, account in sim.accounts.items():
        if name == GENERIC_ACCOUNT:
            entry = _generic_gateway360(sim, account)
        else:
            entry = sim.exporter_account(name)
        entry["low_balance"] = _threshold(account, sim.accounts)
        accounts.append(entry)
    return config_from_data({"accounts": accounts}, source="<demo>")


def _generic_gateway360(sim: Simulator, account: SimAccount) -> dict[str, Any]:
    """Gateway360's balance call written out for the `generic` provider (README's example)."""
    return {
        "name": account.name,
        "provider": "generic",
        "base_url": sim.base_url(account.provider),
        "api_key": account.credentials["api_key"],
        "request": {
            "method": "POST",
            "path": "/api/3.0/account/get-balance",
            "headers": {"Accept": "application/json"},
            "json": {"api_key": "{api_key}"},
        },
        "success": {"field": "status", "equals": "ok"},
        "auth_failure": {"field": "error_id", "equals": "UNAUTHORIZED"},
        "balance": {"amount": "result.balance", "currency": "result.currency"},
    }


def _threshold(account: SimAccount, accounts: dict[str, SimAccount]) -> dict[str, float]:
    reference = accounts[f"{account.provider}-demo"]  # the low account shares its twin's
    if reference.currency == "SMS":  # credit-only providers report messages, no amount
        return {"messages": round(reference.balance * LOW_SHARE)}
    return {"amount": round(reference.balance * LOW_SHARE, 2)}
