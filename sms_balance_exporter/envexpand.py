"""`${VAR}` and `${VAR:-default}` expansion in config strings; `$$` is a literal `$`."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sms_balance_exporter.suggest import looks_like_name

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# `$NAME` without braces: not expanded, and most likely meant as `${NAME}`.
_BARE = re.compile(r"\$\$|\$\{|\$([A-Za-z_][A-Za-z0-9_]*)")


class ExpansionError(ValueError):
    """A string that cannot be expanded; the message names the variable, never its value."""


def expand(text: str, environ: Mapping[str, str], empty: list[str] | None = None) -> str:
    """`text` with every `${...}` replaced from `environ`.

    `${VAR:-default}` takes the default when VAR is unset or empty (as the shell does).
    A `$` that starts no `${` or `$$` stays as it is. The names of variables that are set
    but empty (without a default) are appended to `empty`.
    """
    if "$" not in text:  # nearly every value: skip the scan, char by char, below
        return text
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
        out.append(_substitute(text[i + 2 : end], environ, empty))
        i = end + 1
    return "".join(out)


def bare_references(text: str) -> list[str]:
    """Names written `$NAME` in `text`: left as they are, though `${NAME}` was likely meant."""
    return [match.group(1) for match in _BARE.finditer(text) if match.group(1)]


def _substitute(expression: str, environ: Mapping[str, str], empty: list[str] | None) -> str:
    name, has_default, default = expression.partition(":-")
    if not _NAME.fullmatch(name):
        # Not shown: what sits between the braces may be a value pasted in place of a name.
        raise ExpansionError(
            "invalid variable reference in '${...}' (a name is letters, digits and '_'; "
            "write '$$' for a literal '$')"
        )
    value = environ.get(name)
    if has_default:
        return value if value else default
    if value is None:
        raise ExpansionError(f"environment variable {_named(name)} is not set")
    if not value.strip() and empty is not None:
        empty.append(name)
    return value


def _named(name: str) -> str:
    return name if looks_like_name(name) else "(name not shown: it may be a credential)"
