"""Reading the Grafana dashboards in grafana/dashboards/: their panels, their PromQL queries and
their template variables, and rendering a query the way Grafana would, so that tests can check
it or send it to a real Prometheus."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

DASHBOARDS = Path(__file__).parent.parent / "grafana" / "dashboards"

# What Grafana's built-in interval variables become when a query is sent by a test. Callers
# override any of them through `render`'s `values`.
BUILTIN_VALUES: dict[str, str] = {
    "__rate_interval": "5m",
    "__interval": "1m",
    "__interval_ms": "60000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}

# `$name`, `${name}`, `${name:format}` and the deprecated `[[name]]`, `[[name:format]]`.
_VARIABLE = re.compile(
    r"\$(?P<plain>[A-Za-z_]\w*)|\$\{(?P<braced>\w+)(?::[^}]*)?\}|\[\[(?P<bracketed>\w+)(?::[^\]]*)?\]\]"
)


def dashboard_paths() -> list[Path]:
    """Every dashboard JSON file the repository ships."""
    return sorted(DASHBOARDS.glob("*.json"))


def load_dashboard(path: Path | str) -> dict[str, Any]:
    dashboard = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(dashboard, dict):
        raise ValueError(f"{path}: a dashboard is a JSON object")
    return dashboard


def iter_panels(dashboard: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows included, and the panels inside (collapsed) rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from iter_panels(panel)


def panel_queries(dashboard: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(panel title, expr) for every target of every panel."""
    return [
        (panel.get("title", ""), target["expr"])
        for panel in iter_panels(dashboard)
        for target in panel.get("targets", [])
        if "expr" in target
    ]


def query_variables(dashboard: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The template variables of type `query`."""
    variables = dashboard.get("templating", {}).get("list", [])
    return [variable for variable in variables if variable.get("type") == "query"]


def variable_queries(dashboard: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(variable name, query) for every query variable, e.g.
    ("job", "label_values(sms_balance_up, job)"). Grafana stores the query as a string or, since
    Grafana 10, as an object with a `query` key."""
    queries = []
    for variable in query_variables(dashboard):
        query = variable.get("query", "")
        if isinstance(query, dict):
            query = query.get("query", "")
        queries.append((variable["name"], query))
    return queries


def all_values(dashboard: Mapping[str, Any]) -> dict[str, str]:
    """Each query variable set to what its "All" option sends (its `allValue`, else `.*`)."""
    return {
        variable["name"]: variable.get("allValue") or ".*"
        for variable in query_variables(dashboard)
    }


def referenced_variables(expr: str) -> set[str]:
    """The names of the variables `expr` uses, built-ins included."""
    return {
        match["plain"] or match["braced"] or match["bracketed"]
        for match in _VARIABLE.finditer(expr)
    }


def render(expr: str, values: Mapping[str, str]) -> str:
    """`expr` with every variable replaced: `values` first (names without `$`), then
    `BUILTIN_VALUES`. Values go in verbatim: the caller escapes what a regex matcher needs. A
    variable with no value raises KeyError, so that no `$` ever reaches Prometheus."""
    known = {**BUILTIN_VALUES, **values}

    def substitute(match: re.Match[str]) -> str:
        name = match["plain"] or match["braced"] or match["bracketed"]
        if name not in known:
            raise KeyError(f"no value for variable ${name} in {expr!r}")
        return known[name]

    return _VARIABLE.sub(substitute, expr)
