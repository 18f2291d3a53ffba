"""The `Secret` type that keeps credentials out of reprs, logs and messages, and redaction."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

REDACTED = "<secret>"
MIN_REDACTED_LENGTH = 4

# Anything after "?" in a URL may carry a key (SMSDev puts its key there).
_QUERY_STRING = re.compile(r"\?[^\s'\"<>)]*")


class Secret:
    """A credential value. Its str() and repr() never show the value; `reveal()` does."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value, for building the upstream request and nothing else."""
        return self._value

    def __repr__(self) -> str:
        return REDACTED

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _to_secret,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda _: REDACTED),
        )


def _to_secret(value: Any) -> Secret:
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str) or not value.strip():
        # Never echo the value: it is a credential.
        raise ValueError("must be a non-empty string")
    return Secret(value.strip())


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove query strings and every known secret value from `text`."""
    text = _QUERY_STRING.sub("?" + REDACTED, text)
    # Longest first, so a secret that contains another is replaced whole. Values shorter
    # than MIN_REDACTED_LENGTH are guessable anyway, and replacing them would garble every
    # message ("Name" with a one-letter test key "a").
    candidates = (s for s in secrets if len(s) >= MIN_REDACTED_LENGTH)
    for value in sorted(candidates, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text
