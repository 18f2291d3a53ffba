"""One request's collectors encoded once, and the gzip negotiation of every answer."""

from __future__ import annotations

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from sms_balance_exporter.collector import BalanceCollector, ExporterCollector
from sms_balance_exporter.config import Account, LowBalance
from sms_balance_exporter.exposition import accepts_gzip, expose
from sms_balance_exporter.providers import Balance
from sms_balance_exporter.providers.iletimerkezi import Iletimerkezi
from sms_balance_exporter.service import AccountSnapshot, QueryResult
from tests.test_collector import FixedService

ACCOUNT = Account("a", Iletimerkezi(key="k", hash="h"), "https://x", 10.0, 0.0, LowBalance())
SNAPSHOT = AccountSnapshot(ACCOUNT, QueryResult(Balance(10.0, "TRY", 5), None, 0.1, 1.0), 1.7e9, {})
OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def test_openmetrics_has_one_eof_and_queries_once() -> None:
    service = FixedService([SNAPSHOT])
    collectors = [BalanceCollector(service, [ACCOUNT], None), ExporterCollector()]
    content_type, body = expose(collectors, OPENMETRICS)
    assert content_type.startswith("application/openmetrics-text")
    text = body.decode()
    assert text.endswith("# EOF\n") and text.count("# EOF") == 1
    names = {family.name for family in text_string_to_metric_families(text)}
    assert {"sms_balance_up", "sms_balance_exporter_build_info"} <= names
    assert len(service.calls) == 1


def test_text_format_by_default() -> None:
    content_type, body = expose([ExporterCollector()], "")
    assert content_type.startswith("text/plain; version=0.0.4")
    assert b"# EOF" not in body


@pytest.mark.parametrize(
    ("header", "gzip"),
    [
        ("gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("GZIP", True),
        ("*", True),
        ("", False),
        ("identity", False),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("*;q=0", False),
        ("gzip;q=0, *", False),  # the named coding wins over the wildcard
        ("*, gzip;q=0", False),
        ("gzip;q=nonsense", False),
        ("x-gzip", True),
    ],
)
def test_accept_encoding_q_values(header: str, gzip: bool) -> None:
    assert accepts_gzip(header) is gzip
