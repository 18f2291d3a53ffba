"""`python -m sms_balance_exporter` works like the console script."""

from __future__ import annotations

from sms_balance_exporter.cli import main

main()
