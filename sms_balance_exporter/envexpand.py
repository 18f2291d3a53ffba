"""`${VAR}` and `${VAR:-default}` expansion in config strings; `$$` is a literal `$`."""

from __future__ import annotations

import re
from collections.abc import Mapping

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ExpansionError(ValueError):
    """A string that cannot be expanded; the message names the variable, never its value."""


def expand(text: str, environ: Mapping[str, str]) -> str:
    """`text` with every `${...}` replaced from `environ`.

    `${VAR:-default}` takes the default when VAR is unset or empty (as the shell does).
    A `$` that starts no `${` or `$$` stays as it is.
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "$":
            out.append(char)
            i += 1
            continue
        if text.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        if not text.startswith("${", i):
            out.append(char)
            i += 1
            continue
        end = text.find("}", i + 2)
        if end < 0:
            raise ExpansionError("unterminated '${' (write '$$' for a literal '$')")
        out.append(_substitute(text[i + 2 : end], environ))
        i = end + 1
    return "".join(out)


def _substitute(expression: str, environ: Mapping[str, str]) -> str:
    name, has_default, default = expression.partition(":-")
    if not _NAME.fullmatch(name):
        raise ExpansionError(f"invalid variable reference '${{{expression}}}'")
    value = environ.get(name)
    if has_default:
        return value if value else default
    if value is None:
        raise ExpansionError(f"environment variable {name} is not set")
    return value
