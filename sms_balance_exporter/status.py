"""An account's status in one word, the same in `query`, on the status page and in the docs."""

from __future__ import annotations

from enum import StrEnum

from sms_balance_exporter.config import LowBalance
from sms_balance_exporter.providers import Balance


class Status(StrEnum):
    DOWN = "down"  # the last query failed (sms_balance_up 0)
    LOW = "low"  # answered, below a low_balance threshold (the low-balance alerts fire)
    UP = "up"  # answered, above its thresholds
    NOT_QUERIED = "not queried yet"  # no scrape has asked this account since the start


def account_status(balance: Balance | None, ok: bool, low: LowBalance) -> Status:
    """The status of an account whose last query gave `balance` (or failed: `ok` false)."""
    if not ok:
        return Status.DOWN
    if balance is not None and below_threshold(balance, low):
        return Status.LOW
    return Status.UP


def below_threshold(balance: Balance, low: LowBalance) -> bool:
    """Whether the amount or the messages are under their threshold (as the alerts see it)."""
    return (
        low.amount is not None and balance.amount is not None and balance.amount < low.amount
    ) or (
        low.messages is not None
        and balance.messages is not None
        and balance.messages < low.messages
    )
