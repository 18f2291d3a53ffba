"""SMSDev (Brazil).

Call::

    GET https://api.smsdev.com.br/v1/balance?key=...
    -> {"situacao": "OK", "saldo_sms": "1200", "descricao": "SALDO ATUAL"}

The key travels in the query string (the API's documented GET form), so every error message
is redacted of query strings by the upstream client. `saldo_sms` is a string of SMS credits
(a number is accepted too) and becomes the message count; there is no money amount. Errors
are `{"situacao": "ERRO", "codigo": "403", "descricao": "NAO AUTENTICADO."}`: code 403 or a
"not authenticated" description is `auth`, any other code `provider` (or what an HTTP
401/403/429 means). Only the code is repeated in messages, never the provider's text.

UNCONFIRMED, so every plausible variant is accepted: `situacao` as "ERRO" (observed) or
"ERROR" (English docs) in any case, `codigo` as a string or a number, and the HTTP status of
an error (probably 200, so the body decides, not the status).

Exposition::

    sms_balance_messages{account="br",provider="smsdev"} 1200.0
"""

from __future__ import annotations

from typing import Any, ClassVar

from sms_balance_exporter.providers.base import (
    Balance,
    HttpRequest,
    HttpResponse,
    Provider,
    ProviderError,
    Reason,
    dig,
    json_object,
    raise_for_status,
    to_number,
    to_text,
    unrecognised_error,
)
from sms_balance_exporter.secret import Secret

_ERROR_SITUATIONS = ("ERRO", "ERROR")
_MAX_CODE_LENGTH = 16


class SmsDev(Provider):
    """SMSDev: the account `key` ("CHAVE KEY", panel → Minha Conta), sent as a query parameter."""

    id: ClassVar[str] = "smsdev"
    default_base_url: ClassVar[str] = "https://api.smsdev.com.br"
    docs_url: ClassVar[str] = "https://www.smsdev.com.br/en/saldo-da-conta/"

    key: Secret

    def build_request(self, base_url: str) -> HttpRequest:
        return HttpRequest(
            method="GET",
            url=f"{base_url}/v1/balance",
            headers={"Accept": "application/json"},
            params={"key": self.key.reveal()},
        )

    def read_balance(self, response: HttpResponse) -> Balance:
        body = json_object(response)
        situation = to_text(dig(body, "situacao"), "situacao").upper()
        if situation in _ERROR_SITUATIONS:
            raise _error(body.get("codigo"), body.get("descricao"), response.status)
        if situation != "OK":
            raise ProviderError(Reason.PARSE, "field 'situacao' is neither 'OK' nor 'ERRO'")
        raise_for_status(response)
        return Balance(messages=to_number(dig(body, "saldo_sms"), "saldo_sms"))


def _error(code: Any, description: Any, http_status: int) -> ProviderError:
    """The failure an ERRO body means: its code or description, else its HTTP status."""
    code_text = _code_text(code)
    name = f"code {code_text}" if code_text else "without a code"
    # "NAO AUTENTICADO." is the observed text; the accent may come and go.
    not_authenticated = isinstance(description, str) and "AUTENTICADO" in description.upper()
    if code_text == "403" or not_authenticated:
        return ProviderError(Reason.AUTH, f"error {name}: key not authenticated")
    return unrecognised_error(f"error {name}", http_status)


def _code_text(code: Any) -> str:
    """The error code as text, or "" when absent or not a short printable code."""
    if isinstance(code, bool) or not isinstance(code, str | int):
        return ""
    text = str(code).strip()
    if len(text) > _MAX_CODE_LENGTH or not text.isprintable():
        return ""
    return text
