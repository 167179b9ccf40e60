"""Readable views of telemetry results (the CLI prints these, or their JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from brgit.telemetry.validate import BAD, money
from brgit.view import Table, View, usd

if TYPE_CHECKING:
    from brgit.telemetry.alerts import Alert
    from brgit.telemetry.ledger import CostSummary, TokenRow
    from brgit.telemetry.metrics import TelemetryMetrics
    from brgit.telemetry.migrate import DbStatus


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}ms"


def _window(hours: float | None) -> str:
    return "All History" if hours is None else f"Last {hours:g} Hours"


def summary_view(m: TelemetryMetrics) -> View:
    finished = m.tasks_completed + m.tasks_failed
    rate = (
        "-"
        if m.success_rate is None
        else f"{m.success_rate:.0f}% ({m.tasks_completed}/{finished} tasks completed)"
    )
    decided = m.branches_merged + m.branches_ejected
    merged = (
        "-"
        if m.merge_rate is None
        else f"{m.merge_rate:.0f}% ({m.branches_merged}/{decided} branches merged, "
        f"{m.branches_ejected} ejected)"
    )
    view = View(title=f"Telemetry Summary ({_window(m.period_hours)})")
    view.fields = [
        ("Task Success", rate),
        ("Merge Outcome", merged),
        ("Average Latency", _ms(m.avg_latency_ms)),
        ("P95 Latency", _ms(m.p95_latency_ms)),
        ("Total Cost", usd(m.total_cost)),
        ("Error Count", m.error_count),
        ("Event Count", m.event_count),
    ]
    if m.top_errors:
        view.tables.append(
            Table(["error", "count"], [[e.message, e.count] for e in m.top_errors], "Top Errors")
        )
    return view


# data fields the detail column shows in its own words, or that every event of a run has
_SHOWN = frozenset({"from_status", "to_status", "cost_usd", "session_name"})
EXTRA_FIELDS = 3  # other data fields shown, in the order the event holds them
SHORT = 60  # characters of one data value shown


def detail(e: dict[str, Any]) -> str:
    """One line saying what an event holds: a status change (`pending -> running`), the
    error, duration, a retry's attempt, a cost, then its other data fields."""
    data = e.get("data") or {}
    parts = []
    if "from_status" in data or "to_status" in data:
        parts.append(f"{data.get('from_status') or '?'} -> {data.get('to_status') or '?'}")
    if e.get("error"):
        parts.append(f"Error: {e['error']}")
    if e.get("duration_ms") is not None:
        parts.append(f"Duration: {e['duration_ms'] / 1000:.1f}s")
    if (e.get("attempt") or 0) > 1:
        parts.append(f"Attempt {e['attempt']}")
    cost = money(data.get("cost_usd"))
    if cost is not BAD:
        parts.append(f"Cost: {usd(cost)}")
    extra = [(k, v) for k, v in data.items() if k not in _SHOWN][:EXTRA_FIELDS]
    parts += [f"{k}={_short(v)}" for k, v in extra]
    return "; ".join(parts)


def _short(value: Any) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= SHORT else text[: SHORT - 3] + "..."


def events_view(events: list[dict[str, Any]], title: str) -> View:
    rows = [
        [str(e.get("timestamp", ""))[:19].replace("T", " "), e.get("event_type"),
         e.get("task_id"), e.get("model"), detail(e)]
        for e in events
    ]  # fmt: skip
    lines = [] if events else ["No events."]
    return View(title=title, tables=[Table(["time", "type", "task", "model", "detail"], rows)],
                lines=lines)  # fmt: skip


def alerts_view(alerts: list[Alert]) -> View:
    lines = []
    for a in alerts:
        lines.append(f"{a.level.upper()}: {a.message}")
        if a.current is not None:
            lines.append(
                f"  Current: {a.current:g}"
                + (f"  Threshold: {a.threshold:g}" if a.threshold is not None else "")
            )
        if a.last_triggered:
            lines.append(f"  Last triggered: {a.last_triggered}")
    return View(title="Active Alerts", lines=lines or ["No alerts."])


def performance_view(data: dict[str, Any]) -> View:
    lat = data["latency_ms"]
    view = View(title=f"Performance Metrics ({_window(data['period_hours'])})")
    view.fields = [
        ("P50", _ms(lat["p50"])), ("P95", _ms(lat["p95"])), ("P99", _ms(lat["p99"])),
        ("Tasks/hour", f"{data['throughput']['tasks_per_hour']:.1f}"),
        ("Events/hour", f"{data['throughput']['events_per_hour']:.1f}"),
        ("Store on disk", "{:.2f} MB in {} segments".format(
            data["storage"]["bytes"] / 1e6, data["storage"]["segments"])),
    ]  # fmt: skip
    rows = [[r["model"], r["role"], r["spawns"], r["successes"], r["failures"], r["blocked"],
             f"{100 * r['success_rate']:.0f}%"] for r in data["by_model_role"]]  # fmt: skip
    view.tables.append(Table(["model", "role", "spawns", "ok", "failed", "blocked", "success"],
                             rows, "By model and role"))  # fmt: skip
    if data["recent_routing_decisions"]:
        view.tables.append(Table(["time", "task", "role", "model", "source"], [
            [d["timestamp"], d["task_id"], d["role"], d["model"], d["source"]]
            for d in data["recent_routing_decisions"]], "Recent routing decisions"))  # fmt: skip
    return view


def tokens_view(rows: list[TokenRow]) -> View:
    table = Table(
        ["day", "command", "model", "requests", "input", "output", "cache read", "cache write",
         "total", "avg ms", "cost"],
        [[r.day, r.command, r.model, r.requests, r.input_tokens, r.output_tokens,
          r.cache_read_tokens, r.cache_write_tokens, r.total_tokens, round(r.avg_duration_ms),
          usd(r.cost_usd)] for r in rows],
    )  # fmt: skip
    return View(title="Token Usage", tables=[table], lines=[] if rows else ["No usage recorded."])


def costs_view(s: CostSummary) -> View:
    view = View(title=f"Costs ({s.period})")
    view.fields = [("Total cost", usd(s.total_cost)), ("Requests", s.request_count),
                   ("Avg per request", usd(s.avg_cost_per_request))]  # fmt: skip
    models = [[k, s.requests_by_model.get(k, 0), usd(v)] for k, v in s.by_model.items()]
    view.tables = [
        Table(["model", "requests", "cost"], models, "By model"),
        Table(["day", "cost"], [[k, usd(v)] for k, v in s.by_day.items()], "By day"),
    ]
    return view


def db_view(st: DbStatus) -> View:
    view = View(title=f"Telemetry store: {st.directory}")
    view.fields = [(f"{k} schema", f"current v{v}; on disk {_versions(st.versions_on_disk.get(k))}")
                   for k, v in st.current_versions.items()]  # fmt: skip
    rows = []
    for s in st.segments:
        versions = " ".join(f"v{k}:{n}" for k, n in s.versions.items())
        rows.append([s.stream, s.name, s.records, s.corrupt_lines,
                     versions + (f" DAMAGED: {s.damaged}" if s.damaged else "")])  # fmt: skip
    view.tables.append(Table(["stream", "segment", "records", "corrupt", "versions"], rows))
    view.lines = [f"Legacy file: {p}" for p in st.legacy_files]
    view.lines.append(
        "Run `br db migrate` to rewrite old data." if st.needs_migration else "All data is current."
    )
    return view


def _versions(counts: dict[str, int] | None) -> str:
    """`v0: 12 records, v1: 40 records`, or `no records`."""
    if not counts:
        return "no records"
    return ", ".join(f"v{version}: {n} records" for version, n in sorted(counts.items()))
