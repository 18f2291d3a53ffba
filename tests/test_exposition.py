from __future__ import annotations

import pytest
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


def test_a_large_render_hands_memory_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from sms_balance_exporter import exposition

    calls: list[None] = []
    monkeypatch.setattr(exposition, "release_free_memory", lambda: calls.append(None))
    renderer = ExpositionRenderer()
    renderer.render("", [snapshot()], None, reuse=True)
    assert calls == []  # one account: a small body
    many = [
        AccountSnapshot(
            Account(f"a{i}", ACCOUNT.provider, "https://x", 10.0, 0.0, LowBalance()),
            RESULT,
            1.7e9,
            {},
        )
        for i in range(400)
    ]
    renderer.render("", many, None, reuse=True)
    assert calls == [None]


def test_release_free_memory_finds_malloc_trim_on_glibc() -> None:
    import platform

    from sms_balance_exporter import memory

    memory.release_free_memory()  # must not raise anywhere
    if platform.libc_ver()[0] == "glibc":
        assert memory._malloc_trim() is not None
