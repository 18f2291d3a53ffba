"""Hints about names a person typed: "did you mean", and showing a name only where it cannot be
a credential pasted in the wrong place."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

# Words of letters and digits (lower, Capitalised or UPPER) joined by `_`, `-` or `.`: config
# keys, provider ids, variable and header names. Random-looking tokens are not shown.
_WORD = r"(?:[A-Z]?[a-z0-9]+|[A-Z0-9]+)"
_NAME_LIKE = re.compile(rf"{_WORD}(?:[-_.]{_WORD})*")
_MAX_SHOWN_LENGTH = 40
_MAX_SHOWN_DIGITS = 4


def looks_like_name(text: Any) -> bool:
    """Whether `text` is a short name (shown in messages) rather than maybe a secret."""
    return (
        isinstance(text, str)
        and len(text) <= _MAX_SHOWN_LENGTH
        and _NAME_LIKE.fullmatch(text) is not None
        and sum(c.isdigit() for c in text) <= _MAX_SHOWN_DIGITS
    )


def shown(text: Any, hidden: str = "(not shown: it may be a credential)") -> str:
    """`text` quoted for a message when it looks like a name, else `hidden`."""
    return repr(text) if looks_like_name(text) else hidden


def did_you_mean(word: Any, candidates: Iterable[str]) -> str:
    """ "; did you mean 'x'?" for the candidate closest to `word`, or "" when none is close."""
    matches = difflib.get_close_matches(str(word), sorted(candidates), n=1)
    return f"; did you mean {matches[0]!r}?" if matches else ""
