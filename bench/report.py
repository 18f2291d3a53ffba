"""Turns `results.json` into Markdown tables with target verdicts, the scrape-time plot, and
the results block of `bench/README.md`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

README_START = "<!-- results:start -->"
README_END = "<!-- results:end -->"
PLOT_NAME = "scrape_time.png"


# -- formatting -----------------------------------------------------------------------------------


def _time(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "—"
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def _latency(seconds: float) -> str:
    return f"{seconds * 1000:g} ms" if seconds else "0"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _verdict(ok: bool, measured: str) -> str:
    return f"met ({measured})" if ok else f"**NOT met** ({measured})"


# -- targets --------------------------------------------------------------------------------------


def _cell(parts: dict[str, Any], n: int, latency: float) -> dict[str, Any] | None:
    for cell in parts.get("scrape_time", {}).get("cells", []):
        if cell["accounts"] == n and math.isclose(cell["latency_s"], latency):
            return dict(cell)
    return None


def targets(parts: dict[str, Any]) -> list[dict[str, str]]:
    """Every target of the issue with what this run measured and whether it is met."""
    parts = {name: part for name, part in parts.items() if "error" not in part}
    rows: list[dict[str, str]] = []

    def add(target: str, measured: str | None, ok: bool | None, why_missing: str = "") -> None:
        if measured is None or ok is None:
            verdict = f"not measured in this run{why_missing}"
        else:
            verdict = _verdict(ok, measured)
        rows.append({"target": target, "verdict": verdict})

    cell = _cell(parts, 100, 0.3)
    median = cell["ours"]["seconds"]["median"] if cell else None
    add(
        "N = 100, L = 300 ms: median scrape ≤ 2 × L = 600 ms",
        _time(median) if cell else None,
        median <= 0.6 if median is not None else None,
    )
    seed = parts.get("seed_providers")
    target = "N = 100 over the five seed providers (20 each), L = 300 ms: median ≤ 1.2 × L"
    if seed and seed["accounts"] == 100:
        median = seed["ours"]["seconds"]["median"]
        add(target, _time(median), median <= 1.2 * seed["latency_s"])
    elif seed:
        add(target, None, None, f" at that N (this run: N = {seed['accounts']})")
    else:
        add(target, None, None)
    cell = _cell(parts, 1000, 0.0)
    median = cell["ours"]["seconds"]["median"] if cell else None
    add(
        "N = 1000, L = 0: median scrape ≤ 1 s",
        _time(median) if cell else None,
        median <= 1.0 if median is not None else None,
    )
    overhead_rows = parts.get("overhead", {}).get("rows", [])
    row = next((r for r in overhead_rows if r["accounts"] == 1000), None)
    cpu = row["exporter_cpu_per_account_ms"] if row else None
    add(
        "N = 1000, L = 0: exporter CPU per account ≤ 0.8 ms",
        f"{cpu:.2f} ms" if cpu is not None else None,
        cpu <= 0.8 if cpu is not None else None,
        "" if overhead_rows == [] else " (no N = 1000)",
    )
    probe = parts.get("throughput", {}).get("probe")
    target = "N = 1000 via /probe: ≥ 200 probes/s"
    if probe and probe["accounts"] == 1000:
        rate = probe["requests_per_s"]
        add(target, f"{rate:.0f}/s", rate >= 200)
    elif probe:
        add(target, None, None, f" at that N (this run: N = {probe['accounts']})")
    else:
        add(target, None, None)
    memory_rows = parts.get("memory_startup", {}).get("rows", [])
    at_1000 = next((r for r in memory_rows if r["accounts"] == 1000), None)
    if at_1000:
        rss = at_1000["rss_mib"]["median"]
        scrapes = parts["memory_startup"]["scrapes"]
        add(
            f"resident memory ≤ 60 MiB at N = 1000 (after {scrapes} scrapes)",
            f"{rss:.1f} MiB",
            rss <= 60,
        )
    else:
        add("resident memory ≤ 60 MiB at N = 1000", None, None, " (no N = 1000)")
    if memory_rows:
        worst = max(memory_rows, key=lambda r: r["start_to_first_scrape_s"]["median"])
        first = ", ".join(
            f"N = {r['accounts']}: {_time(r['start_to_first_scrape_s']['median'])}"
            for r in memory_rows
        )
        add(
            "start to first answered scrape ≤ 1 s (median, every N up to 1000)",
            first,
            worst["start_to_first_scrape_s"]["median"] <= 1.0,
        )
    else:
        add("start to first answered scrape ≤ 1 s", None, None)
    stalled = parts.get("stalled_body")
    target = "stalled body, 2 s deadline: socket closed within deadline + 0.1 s, nothing left"
    if stalled:
        worst_close = max(r["socket_closed_s"] for r in stalled["rows"])
        threads = [r["threads"] for r in stalled["rows"]]
        calls = [r["upstream_calls"] for r in stalled["rows"]]
        add(
            target,
            f"latest close {_time(worst_close)}; threads {'/'.join(map(str, threads))}; "
            f"calls per probe {'/'.join(map(str, calls))}",
            worst_close <= stalled["deadline_s"] + 0.1
            and len(set(threads)) == 1
            and set(calls) == {1},
        )
    else:
        add(target, None, None)
    overlap = parts.get("overlap")
    if overlap:
        totals = sorted({(r["scrapes"], r["upstream_calls"]) for r in overlap["rows"]})
        n = overlap["rows"][0]["accounts"]
        exact = all(
            r["upstream_calls"] == n and r["max_calls_per_account"] == 1 for r in overlap["rows"]
        )
        text = ", ".join(f"{k} scrapes: {calls}" for k, calls in totals) + f"; N = {n}"
        add("2 and 4 overlapping scrapes make exactly N upstream calls", text, exact)
    else:
        add("2 and 4 overlapping scrapes make exactly N upstream calls", None, None)
    soak = parts.get("soak")
    if soak:
        add(
            "soak: resident memory and threads flat",
            f"RSS {soak['start']['rss_mib']:.1f} → {soak['end']['rss_mib']:.1f} MiB, "
            f"threads {soak['start']['threads']:.0f} → {soak['end']['threads']:.0f}",
            bool(soak["rss_flat"] and soak["threads_flat"]),
        )
        share = soak["met_deadline_share"]
        add(
            f"soak: every scrape answered within its deadline + {soak['slack_s']:.1f} s",
            f"{100 * share:.2f} % of {soak['scrapes']}",
            share == 1.0,
        )
    else:
        add("soak: memory and threads flat; scrapes within deadline", None, None)
    return rows


# -- Markdown -------------------------------------------------------------------------------------


def _steal_line(machine: dict[str, Any], parts: dict[str, Any]) -> str:
    """The host's steal over the run and by part: CPU time our processes did not get."""
    if "host_steal_share" not in machine:
        return "- the host's steal: not recorded"
    by_part = ", ".join(
        f"{name} {part['host_steal_share']:.0%}"
        for name, part in parts.items()
        if "host_steal_share" in part
    )
    return (
        f"- the host's steal (CPU time it gave other guests): {machine['host_steal_share']:.0%}"
        f" of the CPUs' time over the run ({by_part})"
    )


def markdown(results: dict[str, Any], image: str, level: int = 1) -> str:
    """The whole report; `image` is the plot's path relative to the Markdown file."""
    h = "#" * level
    parts = results["parts"]
    meta = results["run"]
    machine = results["machine"]
    out = [
        f"{h} Benchmark results: {meta['label']}",
        "",
        f"- run: {meta['started_at']} UTC, {meta['duration_s']:.0f} s, "
        f"`{meta['command']}` ({meta['mode']})",
        f"- machine: {machine['cpu_model']}, {machine['nproc']} CPUs usable "
        f"({machine['cpu_count']} online), {machine['ram_gib']:.1f} GiB RAM, "
        f"Linux {machine['kernel']}, Python {machine['python']}",
        f"- load average (1 min) at start {machine['loadavg_start'][0]:.2f}, "
        f"at end {machine.get('loadavg_end', [math.nan])[0]:.2f}",
        "- machine speed: a fixed pure-Python loop took "
        f"{machine.get('reference_loop_ms_start', math.nan):.0f} ms at start and "
        f"{machine.get('reference_loop_ms_end', math.nan):.0f} ms at end "
        "(`reference_loop_ms` in `run.py`; compare runs only next to it)",
        _steal_line(machine, parts),
        f"- code: `{meta['git']}`",
    ]
    runs = {p.get("run_started_at") for p in parts.values()}
    if len(runs) > 1:
        out.append(f"- parts come from {len(runs)} runs: each section names its own")
    out += ["", f"{h}# Targets", "", _table(["target", "verdict"], _target_rows(parts))]
    sections = [
        ("scrape_time", "1. /metrics scrape time, ours and the serial model", _scrape_section),
        ("overhead", "2. Exporter overhead at L = 0", _overhead_section),
        ("overlap", "3. Upstream calls of overlapping scrapes", _overlap_section),
        ("throughput", "4. Throughput from a second process", _throughput_section),
        ("memory_startup", "5. Memory and start-up", _memory_section),
        ("soak", "6. Soak", _soak_section),
        ("seed_providers", "7. The five seed providers", _seed_section),
        ("stalled_body", "8. A stalled body under a 2 s deadline", _stalled_section),
    ]
    for key, title, render in sections:
        if key not in parts:
            continue
        part = parts[key]
        out += ["", f"{h}# {title}", ""]
        if len(runs) > 1:
            out += [f"(run {part.get('run_started_at')})", ""]
        if "error" in part:
            out.append(f"**This part failed**: {' '.join(part['error'].split())}")
            continue
        out.append(render(part))
        if key == "scrape_time":
            plot = results.get("plot", "")
            if plot == PLOT_NAME:
                out += ["", f"![scrape time against N, ours and the serial model]({image})"]
            elif plot:
                out += ["", f"Plot: {plot}"]
    return "\n".join(out) + "\n"


def _target_rows(parts: dict[str, Any]) -> list[list[str]]:
    return [[row["target"], row["verdict"]] for row in targets(parts)]


def _scrape_section(part: dict[str, Any]) -> str:
    rows = []
    for cell in part["cells"]:
        ours, serial = cell["ours"]["seconds"], cell["serial"]["seconds"]
        computed = cell["serial"]["source"] == "computed"
        rows.append(
            [
                str(cell["accounts"]),
                str(cell.get("providers", "—")),
                _latency(cell["latency_s"]),
                _time(ours["median"]),
                _time(ours["p95"]),
                _time(ours["p99"]),
                _time(serial["median"]) + (" (computed)" if computed else ""),
                _time(serial["p95"]),
                _time(serial["p99"]),
                f"{cell['ratio_serial_to_ours']:.1f}×",
                _time(ours["median"] - cell["latency_s"]),
            ]
        )
    headers = [
        "N",
        "providers",
        "L",
        "ours median",
        "p95",
        "p99",
        "serial median",
        "p95",
        "p99",
        "serial ÷ ours",
        "ours − L",
    ]
    serial_runs = [
        c["serial"]["seconds"]["n"] for c in part["cells"] if c["serial"]["source"] == "measured"
    ]
    runs = f"{min(serial_runs)}–{max(serial_runs)}" if len(set(serial_runs)) > 1 else serial_runs[0]
    note = (
        f"\n\nAccounts spread round-robin over the provider twins (the providers column). Ours: "
        f"{part['reps']} scrapes per cell after one warm-up scrape. Serial model: "
        f"{runs} scrape(s) per measured cell; a cell whose serial "
        f"scrape would take longer than {part['serial_budget_s']:.0f} s is **computed** as the "
        "serial median at L = 0 plus N × L, not measured. p95/p99 of a few samples are close "
        "to the maximum."
    )
    return _table(headers, rows) + note


def _overhead_section(part: dict[str, Any]) -> str:
    rows = [
        [
            str(row["accounts"]),
            _time(row["seconds"]["median"]),
            _time(row["seconds"]["p95"]),
            _time(row["seconds"]["p99"]),
            _time(row["exporter_cpu_per_scrape_s"]),
            f"{row['exporter_cpu_per_account_ms']:.2f} ms",
            _time(row["simulator_cpu_per_scrape_s"]),
        ]
        for row in part["rows"]
    ]
    headers = [
        "N",
        "scrape median",
        "p95",
        "p99",
        "exporter CPU / scrape",
        "exporter CPU / account",
        "provider (simulator) CPU / scrape",
    ]
    note = (
        f"\n\nL = 0, {part['reps']} scrapes per N. The scrape time here is all overhead but the "
        "simulator's own serving time (its CPU column). CPU figures are means from the "
        "processes' CPU clocks (10 ms ticks)."
    )
    return _table(headers, rows) + note


def _overlap_section(part: dict[str, Any]) -> str:
    rows = [
        [
            str(row["scrapes"]),
            str(row["accounts"]),
            str(row["upstream_calls"]),
            f"{row['min_calls_per_account']}–{row['max_calls_per_account']}",
            ", ".join(_time(s) for s in row["scrape_seconds"]),
        ]
        for row in part["rows"]
    ]
    headers = ["concurrent scrapes", "N", "upstream calls", "calls per account", "scrape times"]
    return _table(headers, rows) + f"\n\nL = {_latency(part['latency_s'])}; no min_interval."


def _throughput_section(part: dict[str, Any]) -> str:
    rows = []
    for name, label in (("probe", "/probe?target=random"),):
        run = part[name]
        wall = run["duration_s"]
        latency = run["latency_s"]
        rows.append(
            [
                label,
                str(run["accounts"]),
                str(run["concurrency"]),
                f"{run['requests_per_s']:.0f}",
                _time(latency["median"]),
                _time(latency["p95"]),
                _time(latency["p99"]),
                str(run["errors"]),
                f"{100 * run['exporter_cpu_s'] / wall:.0f} %",
                f"{100 * run['simulator_cpu_s'] / wall:.0f} %",
                f"{100 * run['client_cpu_s'] / wall:.0f} %",
            ]
        )
    headers = [
        "endpoint",
        "N",
        "connections",
        "requests/s",
        "median",
        "p95",
        "p99",
        "errors",
        "exporter CPU",
        "simulator CPU",
        "load client CPU",
    ]
    note = (
        f"\n\n{part['probe']['duration_s']:.0f} s per run, L = 0, one new connection per "
        "request. CPU columns are shares of one core."
    )
    return _table(headers, rows) + note


def _memory_section(part: dict[str, Any]) -> str:
    rows = [
        [
            str(row["accounts"]),
            _time(row["start_to_healthy_s"]["median"]),
            _time(row["start_to_first_scrape_s"]["median"]),
            _time(row["start_to_first_scrape_s"]["p95"]),
            _time(row["start_to_first_scrape_s"]["p99"]),
            f"{row['rss_after_3_scrapes_mib']['median']:.1f} MiB",
            f"{row['rss_mib']['median']:.1f} MiB",
            f"{row['peak_rss_mib']['median']:.1f} MiB",
            f"{row['threads']['median']:.0f}",
        ]
        for row in part["rows"]
    ]
    headers = [
        "N",
        "start → healthy",
        "start → first scrape",
        "p95",
        "p99",
        "RSS after 3 scrapes",
        f"RSS after {part['scrapes']} scrapes",
        "peak RSS",
        "threads",
    ]
    note = (
        f"\n\n{part['reps']} starts per N, L = 0. Start is the `Popen` of "
        "`python -m sms_balance_exporter serve`; the first scrape is a full /metrics answer "
        "with every account up."
    )
    return _table(headers, rows) + note


def _soak_section(part: dict[str, Any]) -> str:
    start, end = part["start"], part["end"]
    accounts = ", ".join(f"{count} {kind}" for kind, count in part["accounts"].items())
    rows = [
        ["accounts", accounts],
        [
            "scrapes",
            f"{part['scrapes']} by {part['scrapers']} concurrent scrapers in "
            f"{part['duration_s']:.0f} s ({part['scrapes_per_s']:.1f}/s)",
        ],
        [
            "scrape timeout header / deadline",
            f"{part['scrape_timeout_header_s']:.1f} s / {part['deadline_s']:.1f} s",
        ],
        [
            f"answered within deadline + {part['slack_s']:.1f} s",
            f"{100 * part['met_deadline_share']:.2f} %",
        ],
        [
            "answered within the scrape timeout",
            f"{100 * part['within_scrape_timeout_share']:.2f} %",
        ],
        [
            "scrape time median / p95 / p99 / max",
            " / ".join(_time(part["scrape_seconds"][k]) for k in ("median", "p95", "p99", "max")),
        ],
        ["errors / wrong answers", f"{part['errors']} / {part['wrong_answers']}"],
        [
            "exporter RSS start → end",
            f"{start['rss_mib']:.1f} → {end['rss_mib']:.1f} MiB (peak {end['peak_rss_mib']:.1f};"
            f" flat: {'yes' if part['rss_flat'] else '**no**'}, allowed growth "
            f"{part['rss_allowed_growth_mib']:.1f} MiB)",
        ],
        [
            "exporter threads start → end",
            f"{start['threads']:.0f} → {end['threads']:.0f} (max {part['max_threads']:.0f}; "
            f"flat: {'yes' if part['threads_flat'] else '**no**'})",
        ],
        [
            "simulator threads start → end",
            f"{start['simulator_threads']:.0f} → {end['simulator_threads']:.0f}",
        ],
    ]
    if part["problems"]:
        rows.append(["first problems", "; ".join(part["problems"])])
    note = (
        f"\n\nThe start reading follows a warm-up of {part['warmup_scrapes']} scrapes; both "
        "readings are taken after a quiet deadline + 1 s, once the hanging accounts' requests "
        "have been cut off. Flat: RSS grew by at most the allowed growth, threads by at most 2."
    )
    return _table(["", ""], rows) + note


def _seed_section(part: dict[str, Any]) -> str:
    seconds = part["ours"]["seconds"]
    per_provider = part["accounts"] // len(part["providers"])
    rows = [
        [
            str(part["accounts"]),
            _latency(part["latency_s"]),
            _time(seconds["median"]),
            _time(seconds["p95"]),
            _time(seconds["p99"]),
            f"{seconds['median'] / part['latency_s']:.2f} × L",
        ]
    ]
    headers = ["N", "L", "median", "p95", "p99", "median ÷ L"]
    note = (
        f"\n\n{per_provider} accounts each at {', '.join(part['providers'])}; default config "
        f"(no timeout, min_interval or concurrency set); {seconds['n']} scrapes after one "
        "warm-up scrape."
    )
    return _table(headers, rows) + note


def _stalled_section(part: dict[str, Any]) -> str:
    rows = [
        [
            str(index),
            _time(row["answer_s"]),
            _time(row["socket_closed_s"]),
            _time(row["socket_closed_s"] - part["deadline_s"]),
            str(row["threads"]),
            str(row["upstream_calls"]),
        ]
        for index, row in enumerate(part["rows"], start=1)
    ]
    headers = [
        "probe",
        "answered",
        "socket to the provider closed",
        "past the deadline",
        "exporter threads",
        "upstream calls",
    ]
    note = (
        f"\n\nOne account, `timeout: {part['deadline_s']:.0f}s`, whose provider sends its "
        "headers and then the body a byte every 0.5 s (a socket timeout alone would never "
        "fire). Times from before the probe's connect; the close is polled from outside "
        "(psutil, every 2 ms), so it is an upper bound. One upstream call per probe means the "
        "previous probe's query was no longer in flight (it would have been joined)."
    )
    return _table(headers, rows) + note


# -- plot -----------------------------------------------------------------------------------------


def plot(part: dict[str, Any], path: Path) -> str:
    """Write the scrape-time plot; return its file name, or why it was skipped."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "skipped: matplotlib is not installed (pip install -e '.[bench]')"
    figure, axes = plt.subplots(figsize=(8, 5), dpi=120)
    latencies = sorted({cell["latency_s"] for cell in part["cells"]})
    colours = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"]
    for colour, latency in zip(colours, latencies, strict=False):
        cells = [c for c in part["cells"] if c["latency_s"] == latency]
        sizes = [c["accounts"] for c in cells]
        label = f"L = {_latency(latency)}"
        ours = [c["ours"]["seconds"]["median"] for c in cells]
        axes.plot(sizes, ours, "o-", color=colour, label=f"ours, {label}")
        serial = [c["serial"]["seconds"]["median"] for c in cells]
        axes.plot(sizes, serial, "--", color=colour, label=f"serial, {label}")
        measured = [c["serial"]["source"] == "measured" for c in cells]
        axes.plot(
            [s for s, m in zip(sizes, measured, strict=True) if m],
            [t for t, m in zip(serial, measured, strict=True) if m],
            "s",
            color=colour,
        )
        axes.plot(
            [s for s, m in zip(sizes, measured, strict=True) if not m],
            [t for t, m in zip(serial, measured, strict=True) if not m],
            "s",
            color=colour,
            markerfacecolor="none",
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("accounts N")
    axes.set_ylabel("median /metrics scrape time (s)")
    axes.set_title("/metrics scrape time: ours vs the serial model (one worker)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small", ncols=2)
    figure.text(
        0.01, 0.01, "hollow squares: serial computed as serial(L=0) + N × L", fontsize="x-small"
    )
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return PLOT_NAME


def update_readme(readme: Path, block: str) -> None:
    """Replace the text between the results markers of `readme` with `block`."""
    text = readme.read_text()
    start, end = text.index(README_START), text.index(README_END)
    readme.write_text(text[: start + len(README_START)] + "\n" + block + text[end:])
