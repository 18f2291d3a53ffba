"""The status page's parts: ages, the first-scrape hint, docs links, the low mark."""

from __future__ import annotations

import re

import pytest

from sms_balance_exporter.config import Account, LowBalance
from sms_balance_exporter.landing import ago, status_page
from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.providers.iletimerkezi import Iletimerkezi
from sms_balance_exporter.service import AccountSnapshot, QueryResult

NOW = 1.8e9


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "just now"),
        (42, "42 s ago"),
        (240, "4 min ago"),
        (7300, "2 h ago"),
        (2e5, "2 day(s) ago"),
    ],
)
def test_ago(seconds: float, text: str) -> None:
    assert ago(seconds) == text


def _account(name: str) -> Account:
    return Account(name, Iletimerkezi(key="k", hash="h"), "https://x", 10.0, 0.0, LowBalance(100))


def test_before_the_first_scrape_the_page_says_so() -> None:
    page = status_page([_account("a")], [None], "1.2.3", host="example:10077")
    assert 'id="not-queried"' in page and '<a href="metrics">' in page
    assert '"example:10077"' in page  # the Prometheus scrape config to copy
    assert ">not queried yet<" in page and "Version 1.2.3" in page
    assert '<meta name="viewport"' in page and "<script" not in page


def test_rows_worst_first_with_marks_ages_and_docs() -> None:
    accounts = [_account("fine"), _account("low"), _account("broken")]
    error = ProviderError(Reason.AUTH, "status 401: wrong key or hash")
    snapshots = [
        AccountSnapshot(
            accounts[0], QueryResult(Balance(500.5, "TRY"), None, 0.1, 0), NOW - 240, {}
        ),
        AccountSnapshot(accounts[1], QueryResult(Balance(99.99, "TRY"), None, 0.1, 0), NOW, {}),
        AccountSnapshot(accounts[2], QueryResult(None, error, 0.1, 0), None, {}),
    ]
    page = status_page(accounts, snapshots, "1", now=NOW)
    assert re.findall(r'data-account="(\w+)"', page) == ["broken", "low", "fine"]
    assert page.count("below threshold</strong>") == 1
    assert '<strong class="reason">auth</strong>: status 401: wrong key or hash' in page
    assert 'title="2027-01-15 07:56:00 UTC">4 min ago</time>' in page
    assert page.count('href="https://www.iletimerkezi.com/en/docs/api/get-balance"') == 3
    assert 'id="not-queried"' not in page
    assert re.search(r'data-account="broken">.*data-label="Last success">never</td>', page)
