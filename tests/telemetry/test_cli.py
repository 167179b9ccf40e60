"""The commands: br telemetry ..., br routing costs, br db ... against real stores."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest

from brgit.core.usage import TokenUsage
from brgit.telemetry.collector import EventCollector
from brgit.telemetry.costs import CostTracker

from .conftest import events_dir, write_config

FIXTURE = Path(__file__).parents[1] / "fixtures" / "telemetry" / "events-v0.jsonl"


@pytest.fixture
def filled(repo: Path) -> Path:
    collector = EventCollector(repo)
    for i in range(9):
        collector.collect_event({"type": "task_completed", "task_id": f"t{i}",
                                 "duration_ms": 1000 + 100 * i, "model": "sonnet",
                                 "role": "builder"})  # fmt: skip
    collector.collect_event({"type": "task_failed", "task_id": "t9", "error": "API timeout",
                             "model": "haiku", "role": "builder"})  # fmt: skip
    collector.collect_event({"type": "routing_decision", "task_id": "t9", "model": "haiku",
                             "role": "builder", "source": "heuristic"})  # fmt: skip
    tracker = CostTracker(repo)
    tracker.track_usage(TokenUsage("sonnet", input_tokens=100_000, output_tokens=10_000,
                                   cache_read_tokens=50_000, message_id="m1"),
                        command_name="run", duration_ms=2000)  # fmt: skip
    tracker.track_usage(TokenUsage("haiku", output_tokens=100_000, message_id="m2"),
                        command_name="merge", duration_ms=500)  # fmt: skip
    return repo


def run_json(br: Any, repo: Path, *args: str) -> Any:
    result = br(*args, "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_summary_json_and_table(br: Any, filled: Path) -> None:
    data = run_json(br, filled, "telemetry", "summary")
    assert data["event_count"] == 11 and data["success_rate"] == pytest.approx(90.0)
    assert data["total_cost"] == pytest.approx(0.355)  # 0.2 + 0.1 + 0.005 + 0.05
    assert data["top_errors"] == [{"message": "API timeout", "count": 1}]
    table = br("telemetry", "summary", "--hours", "168", cwd=filled)
    assert "Task Success:    90% (9/10 tasks completed)" in table.out
    assert "Event Count:     11" in table.out and "Merge Outcome:   -" in table.out


def test_events_json_is_a_list_with_filters(br: Any, filled: Path) -> None:
    events = run_json(br, filled, "telemetry", "events", "--type", "task_failed")
    assert [e["task_id"] for e in events] == ["t9"] and events[0]["error"] == "API timeout"
    assert len(run_json(br, filled, "telemetry", "events", "--last", "3")) == 3
    assert len(run_json(br, filled, "telemetry", "events", "--limit", "5", "--hours", "1")) == 5
    table = br("telemetry", "events", cwd=filled)
    assert "task_failed" in table.out and "Error: API timeout" in table.out


def test_alerts_from_config_thresholds(br: Any, filled: Path) -> None:
    write_config(filled, "[telemetry.thresholds]\nsuccess_rate_warning = 95.0\n"
                 "daily_cost_warning = 0.1\ndaily_cost_critical = 0.3\n")  # fmt: skip
    alerts = run_json(br, filled, "telemetry", "alerts")
    levels = {a["name"]: a["level"] for a in alerts}
    assert levels == {"success_rate": "warning", "daily_cost": "critical"}
    critical = run_json(br, filled, "telemetry", "alerts", "--level", "critical")
    assert [a["name"] for a in critical] == ["daily_cost"]
    assert critical[0]["current"] == pytest.approx(0.355) and critical[0]["threshold"] == 0.3
    assert br("telemetry", "alerts", "--level", "loud", cwd=filled).code == 2


def test_performance_per_model_and_role(br: Any, filled: Path) -> None:
    data = run_json(br, filled, "telemetry", "performance")
    assert data["latency_ms"]["p50"] == 1400
    pairs = {(r["model"], r["role"]): r for r in data["by_model_role"]}
    assert pairs[("sonnet", "builder")]["successes"] == 9
    assert pairs[("haiku", "builder")]["failures"] == 1
    assert data["recent_routing_decisions"][0]["source"] == "heuristic"


def test_tokens_per_command_model_and_day(br: Any, filled: Path) -> None:
    rows = run_json(br, filled, "telemetry", "tokens")
    run = next(r for r in rows if r["command"] == "run")
    assert run["model"] == "sonnet" and run["cache_read_tokens"] == 50_000
    assert run["total_tokens"] == 160_000 and run["avg_duration_ms"] == 2000


def test_routing_costs_formats(br: Any, filled: Path) -> None:
    CostTracker(filled).track_usage(TokenUsage("mystery-model", input_tokens=5))
    result = br("routing", "costs", "--period", "week", "--format", "json", cwd=filled)
    data = json.loads(result.out)
    assert data["total_cost"] == pytest.approx(0.355) and data["request_count"] == 3
    assert data["by_model"]["sonnet"] == pytest.approx(0.305)
    assert len(data["by_day"]) == 1
    assert "mystery-model" in result.err and "price table" in result.err
    rows = list(
        csv.DictReader(io.StringIO(br("routing", "costs", "--format", "csv", cwd=filled).out))
    )
    assert float(rows[0]["cost_usd"]) == pytest.approx(0.355)
    assert br("routing", "costs", "--period", "year", cwd=filled).code == 2
    assert br("routing", "costs", "--format", "xml", cwd=filled).code == 2


def test_export_kinds(br: Any, filled: Path, tmp_path: Path) -> None:
    for kind in ("metrics", "events", "costs"):
        out = tmp_path / f"{kind}.csv"
        assert br("telemetry", "export", str(out), "--type", kind, cwd=filled).code == 0
        assert (
            len(list(csv.DictReader(out.open()))) == {"metrics": 1, "events": 11, "costs": 2}[kind]
        )
    otlp = tmp_path / "spans.jsonl"
    result = br("telemetry", "export", str(otlp), "--type", "otlp", cwd=filled)
    assert result.code == 0 and "wrote 12 spans" in result.err  # 2 model calls + 10 tasks
    requests = [json.loads(line) for line in otlp.read_text().splitlines()]
    spans = [r["resourceSpans"][0]["scopeSpans"][0]["spans"][0] for r in requests]
    failed = next(s for s in spans if s["status"]["code"] == 2)
    assert failed["name"] == "invoke_agent agent" and failed["status"]["message"] == "API timeout"
    assert {"key": "error.type", "value": {"stringValue": "task_failed"}} in failed["attributes"]
    first = requests[0]
    span = first["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    attrs = {a["key"]: a["value"] for a in span["attributes"]}
    assert span["name"] == "chat sonnet"
    assert attrs["gen_ai.usage.input_tokens"] == {"intValue": "150000"}  # input + cache read
    assert attrs["gen_ai.usage.cache_read.input_tokens"] == {"intValue": "50000"}
    assert attrs["gen_ai.provider.name"] == {"stringValue": "anthropic"}
    assert int(span["endTimeUnixNano"]) - int(span["startTimeUnixNano"]) == 2_000_000_000
    assert br("telemetry", "export", str(otlp), "--type", "pdf", cwd=filled).code == 2


def test_db_status_and_migrate(br: Any, repo: Path) -> None:
    folder = events_dir(repo)
    folder.mkdir(parents=True)
    (folder / "current.jsonl").write_bytes(FIXTURE.read_bytes())
    before = run_json(br, repo, "db", "status")
    assert before["versions_on_disk"]["events"] == {"0": 6} and before["needs_migration"]
    table = br("db", "status", cwd=repo)
    assert "v0:6" in table.out and "br db migrate" in table.out
    result = run_json(br, repo, "db", "migrate")
    assert result["records_upgraded"] == 6 and len(result["rewritten"]) == 1
    after = run_json(br, repo, "db", "status")
    assert after["versions_on_disk"]["events"] == {"1": 6} and not after["needs_migration"]
    sealed = next(folder.glob("*.jsonl.gz"))
    assert gzip.decompress(sealed.read_bytes()).startswith(b'{"schema_version":1,')


def test_corrupt_lines_are_reported_not_fatal(br: Any, filled: Path) -> None:
    with (events_dir(filled) / "current.jsonl").open("ab") as f:
        f.write(b"{broken\n")
    result = br("telemetry", "summary", cwd=filled)
    assert result.code == 0 and "skipped 1 corrupt line" in result.err


def test_broken_config_is_exit_2(br: Any, repo: Path) -> None:
    write_config_text = repo / ".buildrunner"
    write_config_text.mkdir()
    (write_config_text / "config.toml").write_text("[telemetry]\nmax_file_bytes = 'big'\n")
    result = br("telemetry", "summary", cwd=repo)
    assert result.code == 2 and "max_file_bytes" in result.err
    assert "Traceback" not in result.err


def test_empty_store(br: Any, repo: Path) -> None:
    data = run_json(br, repo, "telemetry", "summary")
    assert data["event_count"] == 0 and data["success_rate"] is None
    assert run_json(br, repo, "telemetry", "events") == []
    assert run_json(br, repo, "routing", "costs")["total_cost"] == 0


def test_reading_commands_create_nothing(br: Any, repo: Path) -> None:
    for args in (("telemetry", "summary"), ("telemetry", "events"), ("routing", "costs")):
        assert br(*args, cwd=repo).code == 0
    assert not (repo / ".buildrunner" / "telemetry").exists()


def test_performance_role_filter(br: Any, filled: Path) -> None:
    EventCollector(filled).collect_event({"type": "task_blocked", "model": "opus", "role": "qa"})
    data = run_json(br, filled, "telemetry", "performance", "--role", "qa")
    assert data["by_model_role"] == [{"model": "opus", "role": "qa", "spawns": 1, "successes": 0,
                                      "failures": 0, "blocked": 1, "success_rate": 0.0}]  # fmt: skip


def test_export_without_file_goes_to_export_dir(
    br: Any, filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert br("telemetry", "export", "--type", "costs", cwd=filled).code == 0
    written = list((filled / ".buildrunner" / "exports").glob("costs-*.csv"))
    assert len(written) == 1 and len(list(csv.DictReader(written[0].open()))) == 2
    monkeypatch.setenv("BR_TELEMETRY_EXPORT_DIR", str(tmp_path / "elsewhere"))
    assert br("telemetry", "export", "--type", "otlp", cwd=filled).code == 0
    assert len(list((tmp_path / "elsewhere").glob("otlp-*.otlp.jsonl"))) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["summary", "--hours", "-5"],
        ["events", "--limit", "0"],
        ["events", "--last", "0"],
        ["events", "--limit", "-1"],
        ["tokens", "--hours", "0"],
    ],
)
def test_bad_windows_and_limits_are_usage_errors(br: Any, filled: Path, args: list[str]) -> None:
    result = br("telemetry", *args, cwd=filled)
    assert result.code == 2 and result.out == ""
