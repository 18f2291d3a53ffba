"""Numbers people read are the exported values: exact, no exponent, the same in `query`'s
table, on the status page, in log lines and on /metrics for one snapshot."""

from __future__ import annotations

import logging
import re

import pytest

from sms_balance_exporter.cli import _result_row, _table
from sms_balance_exporter.collector import BalanceCollector
from sms_balance_exporter.config import Account, LowBalance
from sms_balance_exporter.exposition import expose
from sms_balance_exporter.landing import status_page
from sms_balance_exporter.logs import LogfmtFormatter
from sms_balance_exporter.numbers import exact, grouped
from sms_balance_exporter.providers import Balance
from sms_balance_exporter.providers.infobip import Infobip
from sms_balance_exporter.service import AccountSnapshot, QueryResult
from tests.metrics_text import value

CASES = [
    (0.000001, "0.000001", "0.000001"),
    (155.2493, "155.2493", "155.2493"),
    (123456.78, "123456.78", "123,456.78"),
    (1234567.89, "1234567.89", "1,234,567.89"),
    (1e12, "1000000000000", "1,000,000,000,000"),
    (1234567.0, "1234567", "1,234,567"),
    (100.5, "100.5", "100.5"),
    (0.0, "0", "0"),
]


@pytest.mark.parametrize(("number", "plain", "with_groups"), CASES)
def test_exact_and_grouped(number: float, plain: str, with_groups: str) -> None:
    assert exact(number) == plain
    assert grouped(number) == with_groups
    assert float(with_groups.replace(",", "")) == number  # reads back as the same float


def test_not_finite_values_read_back() -> None:
    assert [exact(v) for v in (float("nan"), float("inf"), -float("inf"))] == ["nan", "inf", "-inf"]


def _snapshots() -> list[AccountSnapshot]:
    provider = Infobip(api_key="k")
    out = []
    for index, (number, _, _) in enumerate(CASES[:5]):
        account = Account(f"account-{index}", provider, "https://x", 10.0, 0.0, LowBalance())
        balance = Balance(number, "KES", 1234567.0, number)
        out.append(AccountSnapshot(account, QueryResult(balance, None, 0.1, 0.0), 1.7e9, {}))
    return out


class _Answered:
    """A fake balance service whose every scrape answers `snapshots`."""

    def __init__(self, snapshots: list[AccountSnapshot]) -> None:
        self.snapshots = snapshots

    def query(
        self, accounts: object, scrape_deadline: float | None = None
    ) -> list[AccountSnapshot]:
        return self.snapshots


def _metrics(snapshots: list[AccountSnapshot]) -> str:
    accounts = [snapshot.account for snapshot in snapshots]
    collector = BalanceCollector(_Answered(snapshots), accounts, None)
    return expose([collector], "")[1].decode()


def _number(text: str) -> float:
    return float(text.replace(",", "").split()[0])


def test_query_table_page_and_metrics_agree() -> None:
    snapshots = _snapshots()
    metrics = _metrics(snapshots)
    table = _table([_result_row(s) for s in snapshots]).splitlines()[1:]
    page = status_page([s.account for s in snapshots], snapshots, "1")
    for snapshot, line, (number, _, with_groups) in zip(snapshots, table, CASES, strict=False):
        name = snapshot.account.name
        labels = {"provider": "infobip", "account": name}
        exported = value(metrics, "sms_balance_amount", currency="KES", **labels)
        messages = value(metrics, "sms_balance_messages", **labels)
        assert exported == number and messages == 1234567.0
        # The table: the grouped digits, the currency, then the messages.
        cells_of_line = re.split(r"\s{2,}", line)
        assert cells_of_line[3:6] == [f"{with_groups} KES", "1,234,567", f"{with_groups} KES"]
        row = re.search(rf'data-account="{re.escape(name)}">(.*?)</tr>', page)
        assert row is not None
        cells = dict(re.findall(r'<td class="(\w+)"[^>]*>(.*?)</td>', row.group(1)))
        assert cells["amount"] == f"{with_groups} KES"
        assert _number(cells["amount"]) == exported
        assert _number(cells["messages"]) == messages
        assert cells["gift"] == f"{with_groups} KES"
        assert "e+" not in line + row.group(1) and "e-0" not in line + row.group(1)


def test_log_lines_print_exact_values() -> None:
    record = logging.LogRecord("x", logging.INFO, "", 0, "balance", None, None)
    for number, plain, _ in CASES[:5]:
        record.amount = number
        assert f" amount={plain}" in LogfmtFormatter().format(record)
    record.messages = 1234567.0
    assert " messages=1234567" in LogfmtFormatter().format(record)
