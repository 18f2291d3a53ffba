from __future__ import annotations

from prometheus_client.openmetrics.parser import text_string_to_metric_families

from sms_balance_exporter.collector import ExporterCollector
from sms_balance_exporter.config import Account, LowBalance
from sms_balance_exporter.exposition import ExpositionRenderer
from sms_balance_exporter.providers import Balance, Reason
from sms_balance_exporter.providers.iletimerkezi import Iletimerkezi
from sms_balance_exporter.service import AccountSnapshot, QueryResult

ACCOUNT = Account("a", Iletimerkezi(key="k", hash="h"), "https://x", 10.0, 0.0, LowBalance())
RESULT = QueryResult(Balance(10.0, "TRY", 5), None, 0.1, 1.0)
OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def snapshot(errors: dict[Reason, int] | None = None) -> AccountSnapshot:
    return AccountSnapshot(ACCOUNT, RESULT, 1.7e9, errors or {})


def test_unchanged_snapshots_reuse_the_rendered_body() -> None:
    renderer = ExpositionRenderer()
    _, first = renderer.render("", [snapshot()], None, reuse=True)
    _, second = renderer.render("", [snapshot()], None, reuse=True)
    assert second is first
    _, changed = renderer.render("", [snapshot({Reason.AUTH: 1})], None, reuse=True)
    assert changed != first
    _, fresh = renderer.render("", [snapshot()], None, reuse=False)
    assert fresh == first and fresh is not first


def test_openmetrics_has_one_eof_and_parses() -> None:
    renderer = ExpositionRenderer()
    content_type, body = renderer.render(OPENMETRICS, [snapshot()], ExporterCollector())
    assert content_type.startswith("application/openmetrics-text")
    text = body.decode()
    assert text.endswith("# EOF\n") and text.count("# EOF") == 1
    names = {family.name for family in text_string_to_metric_families(text)}
    assert {"sms_balance_up", "sms_balance_exporter_build_info"} <= names
