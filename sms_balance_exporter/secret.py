"""The `Secret` type that keeps credentials out of reprs, logs and messages, and redaction."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

REDACTED = "<secret>"

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
        from_str = core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(min_length=1, strip_whitespace=True)
        )
        return core_schema.union_schema(
            [core_schema.is_instance_schema(cls), from_str],
            serialization=core_schema.plain_serializer_function_ser_schema(lambda _: REDACTED),
        )


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove query strings and every known secret value from `text`."""
    text = _QUERY_STRING.sub("?" + REDACTED, text)
    # Longest first, so a secret that contains another is replaced whole.
    for value in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text
