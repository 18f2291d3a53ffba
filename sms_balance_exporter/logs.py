"""Log setup: logfmt or JSON lines on stderr, with structured fields from `extra=`.

Every line, whichever logger wrote it (ours, urllib3's, requests'), is scrubbed of the
configured secrets (also base64-encoded, as in a Basic auth header) and has its control
characters escaped, so that text a provider sent cannot forge or garble log lines.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sms_balance_exporter.numbers import exact
from sms_balance_exporter.secret import MIN_REDACTED_LENGTH, REDACTED, redact

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}

# Attributes every LogRecord has; anything else came from `extra=` and is a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


_known_secrets: tuple[str, ...] = ()


def set_known_secrets(values: Iterable[str]) -> None:
    """Credential values every log line is scrubbed of (a last line of defence: code must
    not log secrets in the first place)."""
    global _known_secrets
    _known_secrets = tuple(values)


# A run of base64 (standard or URL-safe alphabet) long enough to hide a credential.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")
# C0 and C1 control characters and DEL, and the line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_C1_AND_SEPARATORS = re.compile(r"[\x7f-\x9f\u2028\u2029]")
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def scrub(text: str) -> str:
    """`text` without query strings and known secrets, plain or base64-encoded."""
    if not _known_secrets:
        return redact(text)
    return redact(_BASE64_RUN.sub(_scrub_base64, text), _known_secrets)


def _scrub_base64(match: re.Match[str]) -> str:
    token = match.group()
    padded = token.rstrip("=") + "=" * (-len(token.rstrip("=")) % 4)
    try:
        decoded = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return token
    text = decoded.decode("utf-8", "replace")
    if any(len(s) >= MIN_REDACTED_LENGTH and s in text for s in _known_secrets):
        return REDACTED
    return token


def _escape_control(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower().replace("warning", "warn"),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    fields.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
    if record.exc_info:
        fields["exception"] = logging.Formatter().formatException(record.exc_info)
    return {key: _scrubbed(value) for key, value in fields.items()}


def _scrubbed(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return scrub(value if isinstance(value, str) else str(value))


class LogfmtFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{key}={_logfmt_value(value)}" for key, value in _fields(record).items())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = json.dumps(_fields(record), ensure_ascii=False)
        # json.dumps escapes C0 controls; C1 ones (ESC [ in one byte) and U+2028 it keeps.
        return _C1_AND_SEPARATORS.sub(_escape_control, line)


def _logfmt_value(value: Any) -> str:
    text = exact(value) if isinstance(value, float) else str(value)
    if text and not any(c in text for c in ' ="\\') and not _CONTROL.search(text):
        return text
    escaped = _CONTROL.sub(_escape_control, text.replace("\\", "\\\\").replace('"', '\\"'))
    return f'"{escaped}"'


def setup_logging(level: str = "info", fmt: str = "logfmt") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else LogfmtFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(LEVELS[level])
    # urllib3 logs full request URLs at debug level, and SMSDev's key is in its URL.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    # Python warnings (a library's deprecation, an insecure-request warning) through the
    # same scrubbing formatter, not raw to stderr.
    logging.captureWarnings(True)
