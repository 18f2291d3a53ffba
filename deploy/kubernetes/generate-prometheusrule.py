#!/usr/bin/env python3
"""Write prometheusrule.yaml, a Prometheus Operator PrometheusRule holding the alert rules of
alerts/sms-balance.rules.yml, so the two never drift apart.

    python deploy/kubernetes/generate-prometheusrule.py          # rewrite prometheusrule.yaml
    python deploy/kubernetes/generate-prometheusrule.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
RULES = HERE.parent.parent / "alerts" / "sms-balance.rules.yml"
OUTPUT = HERE / "prometheusrule.yaml"
COMMAND = "python deploy/kubernetes/generate-prometheusrule.py"

HEADER = f"""\
# Generated from alerts/sms-balance.rules.yml by deploy/kubernetes/generate-prometheusrule.py:
# do not edit. Change the rules there, then run
#   {COMMAND}
# (a test fails while the two differ).
"""


class _Dumper(yaml.SafeDumper):
    """Block scalars for multi-line strings (PromQL stays readable) and indented lists."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def prometheus_rule(rules: dict[str, Any]) -> dict[str, Any]:
    """The PrometheusRule object for a parsed Prometheus rule file."""
    labels = {"app.kubernetes.io/name": "sms-balance-exporter"}
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "sms-balance-exporter", "labels": labels},
        "spec": {"groups": rules["groups"]},
    }


def render(rules_text: str) -> str:
    """The text of prometheusrule.yaml for the rule file's text."""
    body = yaml.dump(
        prometheus_rule(yaml.safe_load(rules_text)),
        Dumper=_Dumper,
        sort_keys=False,
        width=10_000,  # long annotations stay on one line instead of folding mid-template
        allow_unicode=True,
    )
    return HEADER + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=RULES, help="Prometheus rule file to read")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="PrometheusRule to write")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the output is out of date"
    )
    args = parser.parse_args(argv)
    expected = render(args.rules.read_text(encoding="utf-8"))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != expected:
            print(f"{args.output} is out of date with {args.rules}: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(expected, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
