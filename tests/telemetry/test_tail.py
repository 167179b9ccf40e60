"""Reading what a command needs and no more: `events --last N` from the newest segment
backwards, and `routing costs` from the spend index's per-segment summaries."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from brgit.config import Config
from brgit.core.usage import TokenUsage
from brgit.telemetry.collector import EventCollector
from brgit.telemetry.costs import CostTracker
from brgit.telemetry.tail import lines_backwards

from .conftest import events_dir


def sealed(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.jsonl.gz"))


def damage(segment: Path) -> None:
    """Cut a gzip segment in half, as a crash or a bad disk would."""
    data = segment.read_bytes()
    segment.write_bytes(data[: len(data) // 2])


def test_last_n_reads_the_newest_segments_only(repo: Path, small: Config, br: Any) -> None:
    collector = EventCollector(repo)
    for i in range(200):
        collector.collect_event({"type": "task_started", "task_id": f"t{i:03d}"})
    segments = sealed(events_dir(repo))
    assert len(segments) > 10
    damage(segments[0])  # the oldest: a read that reaches it says so
    result = br("telemetry", "events", "--last", "3", "--format", "json", cwd=repo)
    assert result.code == 0 and result.err == ""
    assert [e["task_id"] for e in json.loads(result.out)] == ["t197", "t198", "t199"]
    everything = br("telemetry", "events", "--last", "500", "--format", "json", cwd=repo)
    assert "damaged segment" in everything.err and segments[0].name in everything.err
    assert len(json.loads(everything.out)) < 200  # the damaged half is lost, the rest is read


def test_last_n_spans_segments_and_skips_what_does_not_match(
    repo: Path, small: Config, br: Any
) -> None:
    collector = EventCollector(repo)
    for i in range(120):
        kind = "task_failed" if i % 40 == 0 else "task_started"
        collector.collect_event({"type": kind, "task_id": f"t{i:03d}", "error": "boom"})
    result = br("telemetry", "events", "--type", "task_failed", "--last", "2", "--format", "json",
                cwd=repo)  # fmt: skip
    assert [e["task_id"] for e in json.loads(result.out)] == ["t040", "t080"]


def test_the_window_stops_the_scan_at_segments_sealed_before_it(
    repo: Path, small: Config, br: Any
) -> None:
    folder = events_dir(repo)
    folder.mkdir(parents=True)
    old = folder / "events-20200101T000000000000Z-1-1.jsonl.gz"
    old.write_bytes(b"\x1f\x8b\x08\x00not really gzip")  # never read: sealed in 2020
    EventCollector(repo).collect_event({"type": "task_started", "task_id": "recent"})
    result = br("telemetry", "events", "--hours", "1", "--format", "json", cwd=repo)
    assert result.code == 0 and result.err == ""
    assert [e["task_id"] for e in json.loads(result.out)] == ["recent"]
    everything = br("telemetry", "events", "--last", "10", cwd=repo)
    assert old.name in everything.err  # without a window the scan reaches it, and says so


def test_routing_costs_is_served_from_the_segment_summaries(
    repo: Path, small: Config, br: Any
) -> None:
    tracker = CostTracker(repo)
    for i in range(40):
        tracker.track_usage(TokenUsage("haiku" if i % 2 else "sonnet", output_tokens=10_000 * i))
    first = json.loads(br("routing", "costs", "--format", "json", cwd=repo).out)
    segment = sealed(repo / ".buildrunner" / "telemetry" / "costs")[0]
    st = segment.stat()
    segment.write_bytes(b"\0" * st.st_size)  # same file, size and time: its summary stands
    os.utime(segment, ns=(st.st_atime_ns, st.st_mtime_ns))
    again = br("routing", "costs", "--format", "json", cwd=repo)
    assert again.code == 0 and again.err == ""
    assert json.loads(again.out) == first
    rescan = br("telemetry", "tokens", cwd=repo)  # a full scan does read it again
    assert "damaged" in rescan.err or "corrupt" in rescan.err


def test_lines_backwards_reads_blocks_from_the_end(tmp_path: Path) -> None:
    path = tmp_path / "f"
    lines = [b"x" * n for n in (0, 1, 70_000, 5, 0, 131_072, 3)]
    path.write_bytes(b"\n".join(lines))
    with path.open("rb") as handle:
        assert list(lines_backwards(handle, path.stat().st_size)) == lines[::-1]
