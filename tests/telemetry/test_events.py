"""EventCollector, MetricsAnalyzer, pre-aggregates and per-model/role performance."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from brgit.config import Config
from brgit.telemetry.collector import EventCollector
from brgit.telemetry.events import SCHEMA_VERSION, TelemetryEvent
from brgit.telemetry.metrics import MetricsAnalyzer
from brgit.telemetry.performance import model_role_stats, recent_routing_decisions

from .conftest import events_dir, write_config


def ago(hours: float) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)).isoformat()


def test_collect_event_normalizes_and_masks_secrets(repo: Path) -> None:
    collector = EventCollector(repo)
    collector.collect_event({"type": "TASK_FAILED", "task_id": "t1", "description": "x",
                             "error": "auth failed for sk-ant-api03-" + "a" * 40})  # fmt: skip
    collector.collect(TelemetryEvent("task_retry", task_id="t1", attempt=2, data={"why": "429"}))
    raw = [json.loads(x) for x in (events_dir(repo) / "current.jsonl").read_text().splitlines()]
    assert list(raw[0])[:4] == ["schema_version", "event_id", "timestamp", "event_type"]
    assert raw[0]["schema_version"] == SCHEMA_VERSION and raw[0]["event_type"] == "task_failed"
    assert raw[0]["data"] == {"description": "x"}
    assert "a" * 40 not in raw[0]["error"] and "sk-a..." in raw[0]["error"]
    assert raw[1]["attempt"] == 2 and raw[1]["data"] == {"why": "429"}
    assert raw[0]["event_id"] != raw[1]["event_id"]


def test_get_events_filters_and_limit(repo: Path) -> None:
    collector = EventCollector(repo)
    collector.collect_event({"event_type": "task_started", "task_id": "old", "timestamp": ago(30)})
    for i in range(5):
        collector.collect_event({"event_type": "task_completed", "task_id": f"t{i}"})
    collector.collect_event({"event_type": "task_failed", "task_id": "bad", "session_id": "s"})
    assert [e["task_id"] for e in collector.get_events("task_failed")] == ["bad"]
    assert len(collector.get_events(hours=24)) == 6
    assert len(collector.get_events()) == 7
    assert [e["task_id"] for e in collector.get_events(limit=2)] == ["t4", "bad"]
    assert [e["task_id"] for e in collector.get_events(session_id="s")] == ["bad"]


def test_listeners_are_called_and_cannot_break_collection(repo: Path) -> None:
    collector = EventCollector(repo)
    seen: list[str] = []
    collector.add_listener("task_failed", lambda e: seen.append(e["task_id"]))
    collector.add_listener("*", lambda e: 1 / 0)  # type: ignore[func-returns-value]
    collector.collect_event({"type": "task_failed", "task_id": "t1"})
    collector.collect_event({"type": "task_completed", "task_id": "t2"})
    assert seen == ["t1"]
    assert collector.errors == 2 and len(collector.get_events()) == 2


def test_broken_config_falls_back_to_defaults(repo: Path) -> None:
    (repo / ".buildrunner").mkdir()
    (repo / ".buildrunner" / "config.toml").write_text("[telemetry\nbroken")
    collector = EventCollector(repo)
    collector.collect_event({"type": "task_started"})
    assert collector.errors == 1  # the config error, counted
    assert len(collector.get_events()) == 1


def test_disabled_collects_nothing(repo: Path) -> None:
    cfg = write_config(repo, "[telemetry]\nenabled = false\n")
    collector = EventCollector(repo, config=cfg)
    collector.collect_event({"type": "task_started"})
    assert collector.get_events() == [] and collector.errors == 0


def _tasks(collector: EventCollector, durations: list[int], failed: int = 0, **ctx: Any) -> None:
    for i, ms in enumerate(durations):
        collector.collect_event({"type": "task_completed", "task_id": f"t{i}", "duration_ms": ms,
                                 **ctx})  # fmt: skip
    for i in range(failed):
        collector.collect_event({"type": "task_failed", "task_id": f"f{i}", "error": "API timeout",
                                 **ctx})  # fmt: skip


def test_analyze_numbers(repo: Path) -> None:
    collector = EventCollector(repo)
    _tasks(collector, list(range(100, 2100, 100)), failed=5)  # 20 tasks: 100..2000 ms
    collector.collect_event({"type": "build_started"})
    m = MetricsAnalyzer(repo).analyze(24)
    assert m.event_count == 26 and m.tasks_completed == 20 and m.tasks_failed == 5
    assert m.success_rate == pytest.approx(80.0)
    assert m.avg_latency_ms == pytest.approx(1050.0)
    assert m.p50_latency_ms == 1000 and m.p95_latency_ms == 1900 and m.p99_latency_ms == 2000
    assert m.error_count == 5 and m.top_errors[0].message == "API timeout"


def test_aggregates_are_cached_per_sealed_segment_and_exact(repo: Path, small: Config) -> None:
    collector = EventCollector(repo, config=small)
    collector.collect_event({"type": "task_completed", "duration_ms": 7, "timestamp": ago(50)})
    _tasks(collector, [i * 10 for i in range(1, 201)], failed=10)
    analyzer = MetricsAnalyzer(repo, config=small)
    full = analyzer.analyze(None)
    caches = list((repo / ".buildrunner" / "telemetry" / "aggregates").glob("*.json"))
    sealed = list(events_dir(repo).glob("*.jsonl.gz"))
    assert len(sealed) > 5 and len(caches) == len(sealed)
    again = MetricsAnalyzer(repo, config=small).analyze(None)  # from the cache this time
    assert again == full and full.event_count == 211
    day = analyzer.analyze(24)  # the old event sits in a segment straddling the window start
    assert day.event_count == 210 and day.p50_latency_ms == 1000
    assert day.avg_latency_ms == pytest.approx(1005.0)


def test_trends_and_rollups(repo: Path) -> None:
    collector = EventCollector(repo)
    collector.collect_event({"type": "task_failed", "timestamp": ago(24 * 2)})
    collector.collect_event({"type": "task_completed", "duration_ms": 5})
    trends = MetricsAnalyzer(repo).get_trends(days=7)
    assert len(trends) == 7
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert trends[today].success_rate == 100.0
    assert trends[ago(48)[:10]].success_rate == 0.0
    weeks = MetricsAnalyzer(repo).rollups("week")
    assert sum(b.events for b in weeks.values()) == 2


def test_model_role_stats_and_routing_decisions(repo: Path) -> None:
    collector = EventCollector(repo)
    _tasks(collector, [10, 20, 30], failed=1, model="sonnet", role="builder")
    collector.collect_event({"type": "task_blocked", "model": "haiku", "role": "reviewer"})
    collector.collect_event({"type": "task_completed", "model": "haiku", "role": "reviewer",
                             "timestamp": ago(24 * 10)})  # fmt: skip
    collector.collect_event({"type": "routing_decision", "task_id": "t9", "model": "opus",
                             "role": "builder", "source": "data-driven"})  # fmt: skip
    stats = model_role_stats(repo)
    sonnet = stats[("sonnet", "builder")]
    assert (sonnet.spawns, sonnet.successes, sonnet.failures) == (4, 3, 1)
    assert sonnet.success_rate == pytest.approx(0.75)
    assert stats[("haiku", "reviewer")].spawns == 2
    recent = model_role_stats(repo, days=7, role="reviewer")
    assert list(recent) == [("haiku", "reviewer")] and recent[("haiku", "reviewer")].blocked == 1
    assert recent[("haiku", "reviewer")].successes == 0
    decisions = recent_routing_decisions(repo)
    assert decisions == [{"timestamp": decisions[0]["timestamp"], "task_id": "t9",
                          "role": "builder", "model": "opus", "source": "data-driven"}]  # fmt: skip


def test_public_api_is_importable_from_the_package() -> None:
    from brgit.telemetry import CostTracker as Tracker
    from brgit.telemetry import EventCollector as Collector
    from brgit.telemetry import MetricsAnalyzer as Analyzer

    assert Collector is EventCollector and Analyzer is MetricsAnalyzer
    assert Tracker.__name__ == "CostTracker"


def test_collector_without_root_uses_current_repository(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = repo / "src" / "pkg"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    EventCollector().collect_event({"type": "task_started", "task_id": "here"})
    assert (events_dir(repo) / "current.jsonl").read_text().count('"here"') == 1


def test_get_events_skips_sealed_segments_before_the_window(repo: Path, small: Config) -> None:
    collector = EventCollector(repo, config=small)
    for i in range(60):
        collector.collect_event(
            {"type": "task_started", "task_id": f"old{i}", "timestamp": ago(48)}
        )
    collector.telemetry.stream("events").rotate(force=True)
    collector.collect_event({"type": "task_started", "task_id": "new"})
    assert [e["task_id"] for e in collector.get_events(hours=1)] == ["new"]
    assert len(collector.get_events()) == 61
    assert list((repo / ".buildrunner" / "telemetry" / "aggregates").glob("*.json"))


def test_aggregate_caches_of_removed_segments_are_pruned(repo: Path, small: Config) -> None:
    collector = EventCollector(repo, config=small)
    for i in range(100):
        collector.collect_event({"type": "task_started", "task_id": f"t{i}"})
    MetricsAnalyzer(repo, config=small).analyze(None)
    caches = repo / ".buildrunner" / "telemetry" / "aggregates"
    sealed = sorted(events_dir(repo).glob("*.jsonl.gz"))
    sealed[0].unlink()  # as retention would
    assert MetricsAnalyzer(repo, config=small).analyze(None).event_count < 100
    assert not (caches / f"{sealed[0].name}.json").exists()
    assert len(list(caches.glob("*.json"))) == len(sealed) - 1


def test_workers_in_linked_worktrees_write_the_main_store(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    worktree = tmp_path / "wt"
    subprocess.run(["git", "worktree", "add", "-q", "-b", "br/s/t1", str(worktree)], cwd=repo,
                   check=True)  # fmt: skip
    monkeypatch.chdir(worktree)
    EventCollector().collect_event({"type": "task_started", "task_id": "from-worker"})
    assert not (worktree / ".buildrunner").exists()
    assert [e["task_id"] for e in EventCollector(repo).get_events()] == ["from-worker"]


def test_collector_survives_a_full_disk(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    collector = EventCollector(repo)
    collector.collect_event({"type": "task_started", "task_id": "kept"})

    def enospc(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", enospc)
    collector.collect_event({"type": "task_started", "task_id": "lost"})  # must not raise
    assert collector.errors == 1
    monkeypatch.undo()
    assert [e["task_id"] for e in EventCollector(repo).get_events()] == ["kept"]


def test_metrics_table_per_hour_day_week_with_cost_and_tokens(repo: Path) -> None:
    from brgit.core.usage import TokenUsage
    from brgit.telemetry.costs import CostTracker

    collector = EventCollector(repo)
    collector.collect_event({"type": "task_completed", "duration_ms": 100, "timestamp": ago(30)})
    collector.collect_event({"type": "task_completed", "duration_ms": 300})
    collector.collect_event({"type": "task_failed", "duration_ms": 500})
    CostTracker(repo).track_usage(TokenUsage("sonnet", input_tokens=1000, output_tokens=100))
    days = MetricsAnalyzer(repo).table("day")
    today = days[-1]
    assert len(days) in (1, 2) and sum(r["total_tasks"] for r in days) == 3  # type: ignore[misc]
    assert today["successful_tasks"] == 1 and today["failed_tasks"] == 1
    assert today["total_cost_usd"] == pytest.approx(0.003) and today["total_tokens"] == 1100
    assert today["avg_duration_ms"] == 400
    weeks = MetricsAnalyzer(repo).table("week")
    assert sum(r["total_tasks"] for r in weeks) == 3  # type: ignore[misc]
    assert all(str(r["period"]).count("-W") == 1 for r in weeks)


def test_rollups_are_not_counted_as_errors(repo: Path) -> None:
    collector = EventCollector(repo)
    collector.collect_event({"event_type": "merge_conflict", "task_id": "b", "success": False})
    collector.collect_event({"event_type": "merge_completed", "success": False})
    collector.collect_event({"event_type": "build_completed", "success": False})
    collector.collect_event({"event_type": "security_scan", "success": False, "data": {}})
    metrics = MetricsAnalyzer(repo).analyze(hours=1)
    assert metrics.error_count == 1
    assert [e.message for e in metrics.top_errors] == ["merge_conflict"]
