from __future__ import annotations

from sms_balance_exporter.secret import REDACTED, Secret, redact


def test_secret_hides_its_value() -> None:
    secret = Secret("hunter22")
    assert repr(secret) == str(secret) == f"{secret}" == REDACTED
    assert secret.reveal() == "hunter22"
    assert secret == Secret("hunter22") and secret != Secret("other")


def test_redact_query_strings_and_values() -> None:
    text = "GET https://h/v1/balance?key=abc&x=1 failed for token hunter22 and hunter2"
    assert redact(text, ["hunter2", "hunter22"]) == (
        f"GET https://h/v1/balance?{REDACTED} failed for token {REDACTED} and {REDACTED}"
    )


def test_very_short_values_are_not_redacted() -> None:
    assert redact("Name or service not known", ["a"]) == "Name or service not known"
