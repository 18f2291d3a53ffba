from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sms_balance_exporter.providers import Balance, Reason
from sms_balance_exporter.providers.smsdev import SmsDev
from sms_balance_exporter.simulator import Simulator
from sms_balance_exporter.simulator.smsdev import SmsDevTwin
from tests.providers.wire import assert_fails, parse, parse_error

KEY = "K3Y9SMSDEV7Q"
PROVIDER = SmsDev(key=KEY)


def ok(saldo: object) -> dict[str, object]:
    return {"situacao": "OK", "saldo_sms": saldo, "descricao": "SALDO ATUAL"}


def erro(code: object, description: object, situation: str = "ERRO") -> dict[str, object]:
    return {"situacao": situation, "codigo": code, "descricao": description}


def test_request_carries_the_key_as_a_query_parameter() -> None:
    request = PROVIDER.build_request("https://api.smsdev.com.br")
    assert request.method == "GET"
    assert request.url == "https://api.smsdev.com.br/v1/balance"
    assert dict(request.params) == {"key": KEY}
    assert request.json_body is None
    assert request.basic_auth is None
    assert KEY not in request.url
    assert KEY not in repr(request)
    assert KEY not in repr(PROVIDER)


def test_documented_success() -> None:
    assert parse(PROVIDER, 200, ok("1200")) == Balance(messages=1200.0)


@pytest.mark.parametrize(
    ("saldo", "expected"), [("0", 0.0), (" 35 ", 35.0), (1200, 1200.0), (12.0, 12.0)]
)
def test_saldo_as_string_or_number(saldo: object, expected: float) -> None:
    balance = parse(PROVIDER, 200, ok(saldo))
    assert balance.messages == expected
    assert balance.amount is None and balance.currency is None


def test_situacao_in_any_case_without_descricao() -> None:
    assert parse(PROVIDER, 200, {"situacao": "ok", "saldo_sms": "7"}) == Balance(messages=7.0)


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, erro("403", "NAO AUTENTICADO."), Reason.AUTH),  # observed, under HTTP 200
        (403, erro("403", "NAO AUTENTICADO."), Reason.AUTH),
        (200, erro(403, "NAO AUTENTICADO."), Reason.AUTH),
        (200, erro("403", "NAO AUTENTICADO.", "ERROR"), Reason.AUTH),  # English docs
        (200, erro("403", "Nao autenticado", "erro"), Reason.AUTH),
        (200, erro("401", "NÃO AUTENTICADO"), Reason.AUTH),
        (200, erro(None, "NAO AUTENTICADO."), Reason.AUTH),
        (200, erro("500", "ERRO INTERNO."), Reason.PROVIDER),
        (200, erro("402", "SALDO INSUFICIENTE", "ERROR"), Reason.PROVIDER),
        (500, erro("500", "ERRO INTERNO."), Reason.PROVIDER),
        (200, {"situacao": "ERRO"}, Reason.PROVIDER),
        (200, erro({"x": 1}, None), Reason.PROVIDER),
        (429, erro("429", "MUITAS REQUISICOES"), Reason.RATE_LIMITED),
    ],
)
def test_documented_errors(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


def test_error_message_names_the_code_but_not_the_provider_text() -> None:
    message = parse_error(PROVIDER, 200, erro("510", f"CHAVE {KEY} BLOQUEADA")).message
    assert "510" in message
    assert "BLOQUEADA" not in message
    assert KEY not in message


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, "<html>manutencao</html>", Reason.PARSE),
        (503, ok("1200"), Reason.HTTP),  # "OK" under a failed status is not trusted
        (200, [], Reason.PARSE),
        (200, '"OK"', Reason.PARSE),
        (200, {}, Reason.PARSE),
        (200, {"saldo_sms": "1200"}, Reason.PARSE),  # no situacao
        (200, {"situacao": None, "saldo_sms": "1200"}, Reason.PARSE),
        (200, {"situacao": 1, "saldo_sms": "1200"}, Reason.PARSE),
        (200, {"situacao": "PENDENTE", "saldo_sms": "1200"}, Reason.PARSE),
        (200, {"situacao": "OK", "descricao": "SALDO ATUAL"}, Reason.PARSE),  # no saldo_sms
        (200, ok(None), Reason.PARSE),
        (200, ok(""), Reason.PARSE),
        (200, ok("mil"), Reason.PARSE),
        (200, ok(True), Reason.PARSE),
        (200, ok({"sms": 1}), Reason.PARSE),
        (200, ok("NaN"), Reason.PARSE),
    ],
)
def test_malformed_answers(status: int, body: object, reason: Reason) -> None:
    assert_fails(PROVIDER, status, body, reason)


# ---- against the simulator twin, over loopback --------------------------------------------


@pytest.fixture(scope="module")
def twin() -> Iterator[Simulator]:
    with Simulator([SmsDevTwin()], [SmsDevTwin().sample_account("br")]) as sim:
        yield sim


@pytest.mark.parametrize(
    ("method", "send"),
    [
        ("GET", {"params": {"key": "br-key"}}),
        ("POST", {"data": {"key": "br-key"}}),
        ("POST", {"json": {"key": "br-key"}}),
    ],
)
def test_twin_answers_every_documented_method(
    twin: Simulator, method: str, send: dict[str, Any]
) -> None:
    answer = requests.request(method, twin.base_url("smsdev") + "/v1/balance", timeout=5, **send)
    assert answer.status_code == 200
    body = answer.json()
    assert body["situacao"] == "OK"
    assert int(body["saldo_sms"]) == pytest.approx(twin.accounts["br"].current_messages(), abs=1)


def test_twin_refuses_a_wrong_key_under_http_200(twin: Simulator) -> None:
    url = twin.base_url("smsdev") + "/v1/balance"
    answer = requests.get(url, params={"key": "wrong"}, timeout=5)
    assert answer.status_code == 200
    assert answer.json() == {"situacao": "ERRO", "codigo": "403", "descricao": "NAO AUTENTICADO."}
