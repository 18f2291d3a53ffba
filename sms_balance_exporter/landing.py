"""The status page at `/`: every account's last result, failing and low accounts first.

Plain HTML with inline CSS: no JavaScript, no external asset, readable on a phone. It shows
only what the metrics show (names, values, reasons, redacted messages), never a credential.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from urllib.parse import quote

from sms_balance_exporter.config import Account
from sms_balance_exporter.numbers import grouped
from sms_balance_exporter.service import AccountSnapshot
from sms_balance_exporter.status import Status, account_status, below_threshold

# Worst first: what needs a person's attention is at the top.
_ORDER = {Status.DOWN: 0, Status.LOW: 1, Status.NOT_QUERIED: 2, Status.UP: 3}


@dataclass(frozen=True)
class _Row:
    account: Account
    snapshot: AccountSnapshot | None
    status: Status


def status_page(
    accounts: Sequence[Account],
    snapshots: Sequence[AccountSnapshot | None],
    version: str,
    host: str = "",
    now: float | None = None,
) -> str:
    """The page for `accounts` and their last snapshots (None: not queried yet)."""
    now = time.time() if now is None else now
    rows = [
        _Row(account, snapshot, _status(account, snapshot))
        for account, snapshot in zip(accounts, snapshots, strict=True)
    ]
    rows.sort(key=lambda row: _ORDER[row.status])  # stable: config order within a status
    body = "\n".join(_row(row, now) for row in rows)
    never_queried = all(snapshot is None for snapshot in snapshots)
    return _PAGE.format(
        version=escape(version),
        summary=_summary(rows),
        notice=_first_scrape_notice(host) if accounts and never_queried else "",
        rows=body or '<tr><td colspan="9">No account is configured.</td></tr>',
    )


def _status(account: Account, snapshot: AccountSnapshot | None) -> Status:
    if snapshot is None:
        return Status.NOT_QUERIED
    result = snapshot.result
    return account_status(result.balance, result.ok, account.low_balance)


def _summary(rows: Sequence[_Row]) -> str:
    counts = [
        f"{sum(row.status is status for row in rows)} {status.value}"
        for status in _ORDER
        if any(row.status is status for row in rows)
    ]
    return escape(f"{len(rows)} account(s): " + ", ".join(counts))


def _first_scrape_notice(host: str) -> str:
    target = escape(host or "HOST:PORT")
    return f"""<div class="notice" id="not-queried">
<p><strong>No account has been queried yet.</strong> The exporter asks the providers only when
it is scraped. Open <a href="metrics">/metrics</a> to query every account now, then reload this
page; or let Prometheus scrape it:</p>
<pre>scrape_configs:
  - job_name: sms_balance_exporter
    static_configs:
      - targets: ["{target}"]</pre>
</div>"""


def _row(row: _Row, now: float) -> str:
    account, snapshot = row.account, row.snapshot
    balance = snapshot.result.balance if snapshot else None
    currency = (balance.currency if balance else None) or ""
    docs = type(account.provider).docs_url
    provider = escape(account.provider_id)
    if docs:
        provider = f'<a href="{escape(docs)}" title="the provider\'s API docs">{provider}</a>'
    probe = escape("probe?target=" + quote(account.name, safe=""))
    cells = [
        ("Status", "status", f'<span class="badge {_CSS[row.status]}">{row.status.value}</span>'),
        ("Account", "account", f'<a href="{probe}">{escape(account.name)}</a>'),
        ("Provider", "provider", provider),
        ("Balance", "amount", _money(balance.amount if balance else None, currency)),
        ("Messages", "messages", _number(balance.messages if balance else None)),
        ("Gift", "gift", _money(balance.gift_amount if balance else None, currency)),
        ("Threshold", "threshold", _threshold(row, currency)),
        ("Last success", "success", _last_success(snapshot, now)),
        ("Last error", "error", _error(snapshot)),
    ]
    tds = "".join(
        f'<td class="{css}" data-label="{label}">{content}</td>' for label, css, content in cells
    )
    return f'<tr class="{_CSS[row.status]}" data-account="{escape(account.name)}">{tds}</tr>'


_CSS = {
    Status.DOWN: "down",
    Status.LOW: "low",
    Status.UP: "up",
    Status.NOT_QUERIED: "unknown",
}


def _number(value: float | None) -> str:
    return "" if value is None else escape(grouped(value))


def _money(value: float | None, currency: str) -> str:
    if value is None:
        return ""
    return escape(f"{grouped(value)} {currency}".strip())


def _threshold(row: _Row, currency: str) -> str:
    low = row.account.low_balance
    parts = []
    if low.amount is not None:
        parts.append(_money(low.amount, currency))
    if low.messages is not None:
        parts.append(f"{_number(low.messages)} messages")
    text = "<br>".join(parts)
    balance = row.snapshot.result.balance if row.snapshot else None
    if balance is not None and below_threshold(balance, low):
        text += ' <strong class="mark">below threshold</strong>'
    return text


def _last_success(snapshot: AccountSnapshot | None, now: float) -> str:
    if snapshot is None:  # not queried yet: the status badge says so
        return ""
    if snapshot.last_success_time is None:
        return "never"
    return _age(snapshot.last_success_time, now)


def _age(unix_time: float, now: float) -> str:
    exact = datetime.fromtimestamp(unix_time, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f'<time datetime="{exact}" title="{exact}">{escape(ago(now - unix_time))}</time>'


def ago(seconds: float) -> str:
    """A person's reading of an age: "just now", "40 s ago", "4 min ago", "3 h ago"."""
    if seconds < 5:
        return "just now"
    for unit, size in (("day(s)", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds)} s ago"


def _error(snapshot: AccountSnapshot | None) -> str:
    error = snapshot.result.error if snapshot else None
    if error is None:
        return ""
    # The message is built without credentials and redacted by the query (service.py).
    return f'<strong class="reason">{escape(error.reason.value)}</strong>: {escape(error.message)}'


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SMS Balance Exporter</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1rem; color: #1a1a1a; line-height: 1.4; }}
a {{ color: #0b57d0; }}
nav ul {{ padding-left: 1.2rem; }}
.notice {{ border: 2px solid #0b57d0; background: #eef3fd; padding: 0 1rem; max-width: 48rem; }}
pre {{ overflow-x: auto; background: #fff; padding: 0.5rem; }}
.accounts {{ overflow-x: auto; max-width: 100%; }}
table {{ border-collapse: collapse; }}
th, td {{ border-bottom: 1px solid #ccc; padding: 0.35rem 0.6rem; text-align: left;
  vertical-align: top; }}
td.amount, td.messages, td.gift, td.threshold {{ text-align: right; white-space: nowrap; }}
td.error {{ max-width: 28rem; overflow-wrap: anywhere; }}
tr.down {{ background: #fdecea; }}
tr.low {{ background: #fff4e0; }}
.badge {{ display: inline-block; padding: 0 0.5rem; border-radius: 0.6rem; font-weight: bold;
  white-space: nowrap; }}
.badge.down {{ background: #b3261e; color: #fff; }}
.badge.low {{ background: #b35c00; color: #fff; }}
.badge.up {{ background: #1e6b34; color: #fff; }}
.badge.unknown {{ background: #5f6368; color: #fff; }}
.mark {{ color: #8a3b00; white-space: nowrap; }}
@media (max-width: 720px) {{
  table, tbody, tr, td {{ display: block; }}
  thead {{ display: none; }}
  tr {{ border: 1px solid #ccc; margin-bottom: 0.6rem; }}
  td, td.amount, td.messages, td.gift, td.threshold {{ text-align: left; white-space: normal;
    border: none; overflow-wrap: anywhere; }}
  td:empty {{ display: none; }}
  td::before {{ content: attr(data-label) ": "; font-weight: bold; }}
}}
</style>
</head>
<body>
<h1>SMS Balance Exporter</h1>
<p>Version {version}</p>
<nav><ul>
<li><a href="metrics">Metrics</a> (queries every account)</li>
<li><a href="exporter-metrics">Exporter metrics</a> (the exporter's own, no account queried)</li>
<li><a href="targets">Targets</a> (Prometheus HTTP service discovery for /probe)</li>
<li><a href="-/healthy">Health</a></li>
<li>Probe one account: <code>probe?target=ACCOUNT</code></li>
</ul></nav>
<h2>Accounts</h2>
{notice}
<p id="summary">{summary}</p>
<div class="accounts">
<table>
<thead><tr><th>Status</th><th>Account</th><th>Provider</th><th>Balance</th><th>Messages</th>
<th>Gift</th><th>Threshold</th><th>Last success</th><th>Last error</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</div>
</body>
</html>
"""
