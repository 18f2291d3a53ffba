"""The Grafana dashboards and their provisioning files: monitoring-mixins conventions, queries
that name only metrics the exporter emits, and (with promtool) queries that parse and compute
what their panels say."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sms_balance_exporter.collector import ExporterCollector, balance_metrics
from sms_balance_exporter.config import Account, LowBalance
from sms_balance_exporter.providers import Balance, ProviderError, Reason
from sms_balance_exporter.providers.iletimerkezi import Iletimerkezi
from sms_balance_exporter.service import AccountSnapshot, QueryResult
from tests.conftest import require_binary
from tests.grafana_dashboard import (
    BUILTIN_VALUES,
    all_values,
    dashboard_paths,
    iter_panels,
    load_dashboard,
    panel_queries,
    query_variables,
    referenced_variables,
    render,
    variable_queries,
)

ROOT = Path(__file__).parent.parent
PROVISIONING = ROOT / "grafana" / "provisioning"
OVERVIEW = ROOT / "grafana" / "dashboards" / "sms-balance-overview.json"
RULES = ROOT / "alerts" / "sms-balance.rules.yml"
DATASOURCE_REF = {"type": "prometheus", "uid": "${datasource}"}
FILTER_VARIABLES = ("job", "instance", "provider", "account")
PATHS = dashboard_paths()

_IDENTIFIER = re.compile(r"(?<![\w:])[a-zA-Z_:][a-zA-Z0-9_:]*")
_MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
_CLOSING = {")": "(", "]": "[", "}": "{"}


def emitted_metric_names() -> set[str]:
    """The sample names the exporter's collectors produce, for an account that reports every
    optional value and one that fails."""
    low = LowBalance(amount=100, messages=500)
    healthy = Account("healthy", Iletimerkezi(key="k", hash="h"), "https://x", 10.0, 0.0, low)
    failing = Account("failing", Iletimerkezi(key="k", hash="h"), "https://x", 10.0, 0.0, low)
    balance = Balance(amount=10.5, currency="TRY", messages=65, gift_amount=2.0)
    error = ProviderError(Reason.AUTH, "rejected")
    snapshots = [
        AccountSnapshot(healthy, QueryResult(balance, None, 0.25, 0.0), 1.7e9, {}),
        AccountSnapshot(failing, QueryResult(None, error, 1.5, 0.0), 1.6e9, {Reason.AUTH: 2}),
    ]
    families = [*balance_metrics(snapshots), *ExporterCollector().collect()]
    return {sample.name for family in families for sample in family.samples}


def recorded_metric_names() -> set[str]:
    """The series the bundled recording rules write (the dashboard reads some of them)."""
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["record"] for group in groups for rule in group["rules"] if "record" in rule}


EXPORTER_EMITTED = emitted_metric_names()
RECORDED = recorded_metric_names()
# `up` is Prometheus's own: the "Exporters down" stat reads it.
EMITTED = EXPORTER_EMITTED | RECORDED | {"up"}


def blank_strings(expr: str) -> str:
    """`expr` with the inside of every string literal blanked (same length, same positions), so
    that neither names nor brackets inside label values count. Unterminated strings raise."""
    out: list[str] = []
    quote: str | None = None
    escaped = False
    for char in expr:
        if quote is None:
            if char in "\"'`":
                quote = char
            out.append(char)
        elif escaped:
            escaped = False
            out.append(" ")
        elif char == "\\" and quote != "`":
            escaped = True
            out.append(" ")
        elif char == quote:
            quote = None
            out.append(char)
        else:
            out.append(" ")
    if quote is not None:
        raise ValueError(f"unterminated string in {expr!r}")
    return "".join(out)


def bracket_error(expr: str) -> str | None:
    """What is wrong with the brackets of `expr` (ignoring strings), or None."""
    try:
        code = blank_strings(expr)
    except ValueError as error:
        return str(error)
    stack: list[tuple[str, int]] = []
    for position, char in enumerate(code):
        if char in "([{":
            stack.append((char, position))
        elif char in _CLOSING:
            if not stack or stack[-1][0] != _CLOSING[char]:
                return f"unexpected {char!r} at {position}"
            stack.pop()
    if stack:
        return f"unclosed {stack[-1][0]!r} at {stack[-1][1]}"
    return None


def is_metric(name: str) -> bool:
    """An exporter metric, a recording rule's series of ours, or `up`: no PromQL function,
    keyword or label name of ours looks like one."""
    return name.startswith(("sms_balance", "provider_account:sms_balance")) or name == "up"


def metric_names(expr: str) -> set[str]:
    """The metric names `expr` selects: identifiers outside strings that are metrics."""
    return {name for name in _IDENTIFIER.findall(blank_strings(expr)) if is_metric(name)}


def selectors(expr: str) -> Iterator[tuple[str, str | None]]:
    """(metric name, text of its `{...}` matchers or None) for every metric selector."""
    code = blank_strings(expr)
    for match in _IDENTIFIER.finditer(code):
        if not is_metric(match.group()):
            continue
        rest = code[match.end() :]
        brace = len(rest) - len(rest.lstrip())
        if not rest[brace:].startswith("{"):
            yield match.group(), None
            continue
        start = match.end() + brace
        end = code.index("}", start)
        yield match.group(), expr[start + 1 : end]


def walk(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every JSON object in `node`, with a JSONPath-like location."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")


def content_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in iter_panels(dashboard) if panel.get("type") != "row"]


def provisioned_datasource() -> dict[str, Any]:
    data = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    (datasource,) = data["datasources"]
    assert isinstance(datasource, dict)
    return datasource


@pytest.fixture(params=PATHS, ids=[path.name for path in PATHS])
def dashboard_path(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path


@pytest.fixture
def dashboard(dashboard_path: Path) -> dict[str, Any]:
    return load_dashboard(dashboard_path)


# The helper module other tests rely on.


def test_panel_queries_descends_into_collapsed_rows() -> None:
    nested = {"title": "Inner", "targets": [{"expr": "sms_balance_up", "refId": "A"}]}
    dashboard = {
        "panels": [
            {"title": "Top", "targets": [{"expr": "sms_balance_amount", "refId": "A"}]},
            {"type": "row", "title": "Row", "collapsed": True, "panels": [nested]},
        ]
    }
    assert panel_queries(dashboard) == [
        ("Top", "sms_balance_amount"),
        ("Inner", "sms_balance_up"),
    ]


def test_variable_queries_reads_string_and_object_queries() -> None:
    dashboard = {
        "templating": {
            "list": [
                {"name": "datasource", "type": "datasource", "query": "prometheus"},
                {"name": "job", "type": "query", "query": "label_values(up, job)"},
                {"name": "instance", "type": "query", "query": {"query": "label_values(i)"}},
            ]
        }
    }
    assert variable_queries(dashboard) == [
        ("job", "label_values(up, job)"),
        ("instance", "label_values(i)"),
    ]


def test_render_substitutes_every_variable_syntax() -> None:
    expr = (
        'rate(m{job=~"$job", a=~"${account}", p=~"${provider:regex}", i=~"[[instance]]"}'
        "[$__rate_interval]) / $__range_s"
    )
    values = {"job": "j", "account": "a.*", "provider": "p", "instance": "i"}
    assert render(expr, values) == 'rate(m{job=~"j", a=~"a.*", p=~"p", i=~"i"}[5m]) / 3600'
    assert render("x[$__rate_interval]", {"__rate_interval": "20m"}) == "x[20m]"


def test_render_leaves_regex_references_and_rejects_unknown_variables() -> None:
    assert render('label_replace(x, "a", "$1", "b", "(.*)")', {}) == (
        'label_replace(x, "a", "$1", "b", "(.*)")'
    )
    with pytest.raises(KeyError, match=r"\$job"):
        render('up{job=~"$job"}', {})


def test_expression_checks_catch_what_they_should() -> None:
    assert bracket_error('sum(rate(x{a="(}"}[5m]))') is None
    assert bracket_error("sum(rate(x[5m])") is not None
    assert bracket_error('x{a="b}') is not None
    assert metric_names('sms_balance_up{account="sms_balance_fake"} / sms_balance_amount') == {
        "sms_balance_up",
        "sms_balance_amount",
    }
    assert "sms_balance_scrape_errors_total" in EMITTED
    assert "sms_balance_scrape_errors" not in EMITTED


# Every dashboard.


def test_there_are_dashboards() -> None:
    assert OVERVIEW in PATHS


def test_dashboard_is_formatted_json(dashboard_path: Path) -> None:
    text = dashboard_path.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n", (
        "format the dashboard as JSON indented by 2 spaces, ending in a newline"
    )


def test_dashboard_metadata(dashboard: dict[str, Any]) -> None:
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", dashboard.get("uid") or ""), "stable uid"
    assert dashboard.get("title")
    assert dashboard.get("tags")
    assert dashboard.get("id") is None, "an exported id clashes on import"
    assert dashboard.get("schemaVersion", 0) >= 39
    assert "__inputs" not in dashboard
    assert "__requires" not in dashboard


def test_uids_and_titles_are_unique_across_dashboards() -> None:
    dashboards = [load_dashboard(path) for path in PATHS]
    uids = [dashboard["uid"] for dashboard in dashboards]
    titles = [dashboard["title"] for dashboard in dashboards]
    assert len(set(uids)) == len(uids)
    assert len(set(titles)) == len(titles)


def test_panel_ids_are_unique(dashboard: dict[str, Any]) -> None:
    ids = [panel.get("id") for panel in iter_panels(dashboard)]
    assert None not in ids
    assert len(set(ids)) == len(ids)


def test_every_panel_is_titled_described_and_has_a_unit(dashboard: dict[str, Any]) -> None:
    for panel in iter_panels(dashboard):
        assert panel.get("title", "").strip(), panel.get("id")
    for panel in content_panels(dashboard):
        title = panel["title"]
        assert panel.get("description", "").strip(), f"{title}: no description"
        assert panel.get("fieldConfig", {}).get("defaults", {}).get("unit"), f"{title}: no unit"
        assert panel.get("targets"), f"{title}: no query"


def test_panels_fit_the_grid_without_overlapping(dashboard: dict[str, Any]) -> None:
    cells: dict[tuple[int, int], str] = {}
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["w"] > 0 and grid["h"] > 0, panel["title"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = panel["title"]


def test_every_panel_and_query_uses_the_datasource_variable(dashboard: dict[str, Any]) -> None:
    for panel in content_panels(dashboard):
        assert panel.get("datasource") in (DATASOURCE_REF, "${datasource}"), panel["title"]
        for target in panel["targets"]:
            assert target.get("datasource") in (DATASOURCE_REF, "${datasource}"), panel["title"]
    for variable in query_variables(dashboard):
        assert variable.get("datasource") in (DATASOURCE_REF, "${datasource}"), variable["name"]


def test_no_other_datasource_reference_anywhere(dashboard: dict[str, Any]) -> None:
    provisioned_uid = provisioned_datasource()["uid"]
    for path, node in walk(dashboard):
        if "datasource" in node:
            assert node["datasource"] in (DATASOURCE_REF, "${datasource}"), path
        assert node.get("uid") != provisioned_uid, f"{path}: hard-coded data source uid"
    text = json.dumps(dashboard)
    assert "${DS_" not in text and "__inputs" not in text


def test_template_variables(dashboard: dict[str, Any]) -> None:
    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
    datasource = variables["datasource"]
    assert datasource["type"] == "datasource"
    assert datasource["query"] == "prometheus"
    queries = dict(variable_queries(dashboard))
    for index, name in enumerate(FILTER_VARIABLES):
        variable = variables[name]
        assert variable["type"] == "query"
        query = queries[name]
        assert re.fullmatch(rf"label_values\(sms_balance_up(\{{.*\}})?, {name}\)", query), query
        for earlier in FILTER_VARIABLES[:index]:
            assert f'{earlier}=~"${earlier}"' in query, f"{name} is not chained to {earlier}"
        assert variable.get("multi") is True, name
        assert variable.get("includeAll") is True, name
        assert variable.get("allValue") == ".*", name


def test_every_expr_is_balanced(dashboard: dict[str, Any]) -> None:
    queries = panel_queries(dashboard) + variable_queries(dashboard)
    assert queries
    for title, expr in queries:
        assert bracket_error(expr) is None, f"{title}: {bracket_error(expr)} in {expr}"


def test_every_expr_names_only_metrics_the_exporter_emits(dashboard: dict[str, Any]) -> None:
    for title, expr in panel_queries(dashboard) + variable_queries(dashboard):
        names = metric_names(expr)
        assert names, f"{title}: names no exporter metric: {expr}"
        assert names <= EMITTED, f"{title}: the exporter emits no {names - EMITTED}"


def required_filters(metric: str) -> set[tuple[str, str, str]]:
    """The variables a selector of `metric` must filter by: the ones its series have (the
    recording rules' are per account, `up` is per target)."""
    if metric.startswith("provider_account:"):
        names: tuple[str, ...] = ("provider", "account")
    elif metric in ("up", "sms_balance_exporter_build_info"):
        names = ("job", "instance")
    else:
        names = FILTER_VARIABLES
    return {(name, "=~", f"${name}") for name in names}


def test_every_selector_filters_by_the_variables(dashboard: dict[str, Any]) -> None:
    for title, expr in panel_queries(dashboard):
        for metric, matchers in selectors(expr):
            assert matchers is not None, f"{title}: {metric} has no label matchers"
            found = set(_MATCHER.findall(matchers))
            required = required_filters(metric)
            assert required <= found, f"{title}: {metric} lacks {required - found}"


def test_every_expr_uses_only_defined_variables(dashboard: dict[str, Any]) -> None:
    defined = set(all_values(dashboard)) | set(BUILTIN_VALUES)
    for title, expr in panel_queries(dashboard) + variable_queries(dashboard):
        assert referenced_variables(expr) <= defined, f"{title}: {expr}"
        assert "$" not in render(expr, all_values(dashboard)), f"{title}: {expr}"


@pytest.mark.promtool
def test_promtool_parses_every_expr(dashboard: dict[str, Any], tmp_path: Path) -> None:
    promtool = require_binary("promtool")
    queries = panel_queries(dashboard)
    rules = [
        {"record": f"dashboard:query_{index}", "expr": render(expr, all_values(dashboard))}
        for index, (_, expr) in enumerate(queries)
    ]
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    check = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    listing = "\n".join(f"query_{i} ({title}): {expr}" for i, (title, expr) in enumerate(queries))
    assert check.returncode == 0, f"{check.stdout}{check.stderr}\n{listing}"


# The overview dashboard.


def overview_expr(title: str, ref_id: str) -> str:
    dashboard = load_dashboard(OVERVIEW)
    for panel in iter_panels(dashboard):
        if panel.get("title") == title:
            for target in panel["targets"]:
                if target["refId"] == ref_id:
                    return render(target["expr"], all_values(dashboard))
    raise LookupError(f"no query {ref_id} in panel {title!r}")


def test_overview_shows_every_per_account_metric() -> None:
    shown = set().union(
        *(metric_names(expr) for _, expr in panel_queries(load_dashboard(OVERVIEW)))
    )
    # account_info is for the alert rules to join.
    hidden = {"sms_balance_account_info"}
    assert shown & EXPORTER_EMITTED == EXPORTER_EMITTED - hidden


def test_overview_balance_panels_show_currency_and_thresholds() -> None:
    dashboard = load_dashboard(OVERVIEW)
    panels = {panel["title"]: panel for panel in content_panels(dashboard)}
    over_time = panels["Balance over time"]["targets"]
    assert over_time[0]["legendFormat"] == "{{account}} ({{currency}})"
    assert metric_names(over_time[1]["expr"]) == {"sms_balance_low_threshold_amount"}
    assert panels["Estimated time until empty"]["fieldConfig"]["defaults"]["unit"] == "d"
    assert panels["Query duration"]["fieldConfig"]["defaults"]["unit"] == "s"
    assert panels["Age of the last successful value"]["fieldConfig"]["defaults"]["unit"] == "s"
    mappings = panels["Query health"]["fieldConfig"]["defaults"]["mappings"][0]["options"]
    assert (mappings["1"]["text"], mappings["1"]["color"]) == ("UP", "green")
    assert (mappings["0"]["text"], mappings["0"]["color"]) == ("DOWN", "red")


LABELS = 'job="sms", instance="exporter:10077"'


def series(
    metric: str, account: str, values: str, currency: str | None = None, instance: str = ""
) -> dict[str, str]:
    extra = f', currency="{currency}"' if currency else ""
    labels = LABELS.replace("exporter", instance or "exporter")
    return {
        "series": f'{metric}{{{labels}, provider="p", account="{account}"{extra}}}',
        "values": values,
    }


def sample(account: str, value: float, currency: str | None = None) -> dict[str, Any]:
    """A per-account sample of the recording rules: no job or instance."""
    extra = f', currency="{currency}"' if currency else ""
    return {"labels": f'{{provider="p", account="{account}"{extra}}}', "value": value}


@pytest.mark.promtool
def test_overview_spending_and_forecast_compute_what_they_say(tmp_path: Path) -> None:
    """With the bundled recording rules, on one-minute samples evaluated at 8 h: `spending`
    loses 1 EUR a minute (1440 a day) and is read by two replicas, `topped-up` jumped from 100
    to 500 EUR at 5 h, `flat` never changes, `empty` went below 0, `credits` reports only
    messages and loses 1 a minute."""
    promtool = require_binary("promtool")
    amount, messages = "sms_balance_amount", "sms_balance_messages"
    input_series = [
        series(amount, "spending", "1000-1x600", "EUR"),
        series(amount, "spending", "1000-1x600", "EUR", instance="replica"),
        series(messages, "spending", "5000-1x600"),
        series(amount, "topped-up", "100+0x300 500+0x300", "EUR"),
        series(amount, "flat", "300+0x600", "EUR"),
        series(amount, "empty", "10-1x600", "EUR"),
        series(messages, "credits", "1440-1x600"),
        series("sms_balance_low_threshold_amount", "spending", "600+0x600"),
        series("sms_balance_low_threshold_amount", "spending", "600+0x600", instance="replica"),
        series("sms_balance_low_threshold_messages", "spending", "6000+0x600"),
        series("sms_balance_low_threshold_messages", "credits", "100+0x600"),
        series("sms_balance_up", "spending", "1+0x600"),
        series("sms_balance_up", "spending", "0+0x600", instance="replica"),
        series("sms_balance_up", "credits", "0+0x600"),
    ]

    def case(title: str, ref_id: str, samples: list[dict[str, Any]]) -> dict[str, Any]:
        # Rounded: an average of per-second rates is exact only up to floating-point error.
        expr = f"round({overview_expr(title, ref_id)}, 0.0001)"
        return {"expr": expr, "eval_time": "480m", "exp_samples": samples}

    tests = [
        # A top-up is no negative spend; an account that spends nothing spends 0.
        case(
            "Spend per day",
            "A",
            [
                sample("spending", 1440, "EUR"),
                sample("topped-up", 0, "EUR"),
                sample("flat", 0, "EUR"),
                sample("empty", 1440, "EUR"),
                sample("credits", 1440),
            ],
        ),
        # No forecast where nothing is spent, nothing below empty.
        case(
            "Estimated time until empty",
            "A",
            [
                sample("spending", 0.3611, "EUR"),  # 520 EUR left / 1440 a day
                sample("empty", 0, "EUR"),
                sample("credits", 0.6667),  # 960 / 1440
            ],
        ),
        case("Shortest time until empty", "A", [{"labels": "{}", "value": 0}]),
        # `spending` is below both of its thresholds on both replicas and counts once.
        case("Accounts below threshold", "A", [{"labels": "{}", "value": 1}]),
        # Two accounts, one read by two replicas; `credits` is not read by any.
        case("Accounts", "A", [{"labels": "{}", "value": 2}]),
        case("Accounts not read now", "A", [{"labels": "{}", "value": 1}]),
    ]
    path = tmp_path / "overview.test.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "rule_files": [str(RULES)],
                "evaluation_interval": "1m",
                "tests": [
                    {"interval": "1m", "input_series": input_series, "promql_expr_test": tests}
                ],
            },
            width=1000,
        )
    )
    result = subprocess.run(
        [promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.promtool
def test_overview_stats_show_no_data_rather_than_a_zero_that_means_unknown(
    tmp_path: Path,
) -> None:
    """With no exporter series at all, the stats show no data instead of a green 0."""
    promtool = require_binary("promtool")
    titles = ["Accounts not read now", "Accounts below threshold", "Exporters down"]
    tests = [
        {"expr": overview_expr(title, "A"), "eval_time": "10m", "exp_samples": []}
        for title in titles
    ]
    path = tmp_path / "unknown.test.yml"
    unrelated = [{"series": 'up{job="node", instance="n:9100"}', "values": "0+0x20"}]
    # One exporter that answered until 5m and is down since: counted, not unknown.
    down = [
        {"series": 'up{job="sms", instance="e1:10077"}', "values": "1+0x5 0+0x15"},
        {
            "series": 'sms_balance_exporter_build_info{job="sms", instance="e1:10077"}',
            "values": "1+0x5 stale",
        },
    ]
    counted = {
        "expr": overview_expr("Exporters down", "A"),
        "eval_time": "20m",
        "exp_samples": [{"labels": "{}", "value": 1}],
    }
    path.write_text(
        yaml.safe_dump(
            {
                "rule_files": [str(RULES)],
                "evaluation_interval": "1m",
                "tests": [
                    {"interval": "1m", "input_series": unrelated, "promql_expr_test": tests},
                    {"interval": "1m", "input_series": down, "promql_expr_test": [counted]},
                ],
            }
        )
    )
    result = subprocess.run(
        [promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# Provisioning.


def test_datasource_provisioning() -> None:
    data = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    assert data["apiVersion"] == 1
    datasource = provisioned_datasource()
    assert datasource["type"] == "prometheus"
    assert re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", datasource["uid"])
    assert datasource["url"] == "http://prometheus:9090"
    assert datasource["access"] == "proxy"
    # The dashboards' `datasource` variable selects the default data source of its type.
    assert datasource["isDefault"] is True
    for path in PATHS:
        variables = {v["name"]: v for v in load_dashboard(path)["templating"]["list"]}
        assert variables["datasource"]["query"] == datasource["type"]


def test_dashboard_provisioning_points_at_the_dashboards() -> None:
    path = PROVISIONING / "dashboards" / "sms-balance.yml"
    text = path.read_text()
    data = yaml.safe_load(text)
    assert data["apiVersion"] == 1
    (provider,) = data["providers"]
    assert provider["type"] == "file"
    assert provider["folder"]
    folder = provider["options"]["path"]
    assert folder.startswith("/")
    # The comment tells how this repository's dashboards get to that folder.
    assert f"./grafana/dashboards:{folder}" in text
