"""Schema evolution: an old-version fixture is upgraded on read and rewritten by migrate."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from pathlib import Path

from brgit.telemetry.collector import EventCollector
from brgit.telemetry.migrate import migrate, status
from brgit.telemetry.settings import resolve

from .conftest import events_dir

FIXTURE = Path(__file__).parents[1] / "fixtures" / "telemetry" / "events-v0.jsonl"


def _install_old_segment(repo: Path) -> Path:
    folder = events_dir(repo)
    folder.mkdir(parents=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")  # sealed now: within retention
    target = folder / f"events-{stamp}Z-1-1.jsonl.gz"
    target.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    return target


def test_old_records_are_upgraded_on_read(repo: Path) -> None:
    _install_old_segment(repo)
    events = EventCollector(repo).get_events()
    assert [e["event_type"] for e in events][:2] == ["task_started", "task_completed"]
    done = events[1]
    assert done["schema_version"] == 1 and done["event_id"].startswith("v0-")
    assert done["timestamp"] == "2025-11-18T09:16:45+00:00"
    assert done["duration_ms"] == 82000 and done["data"] == {"cost": 0.15}
    assert events[3]["error"] == "API timeout" and events[4]["attempt"] == 2


def test_status_and_migrate_rewrite_old_segments(repo: Path) -> None:
    segment = _install_old_segment(repo)
    legacy = repo / ".buildrunner" / "telemetry" / "events.jsonl"  # the foundation's file
    shutil.copy(FIXTURE, legacy)
    (events_dir(repo) / "current.jsonl").write_bytes(b"garbage line\n")
    EventCollector(repo).collect_event({"type": "task_started", "task_id": "new"})
    tel = resolve(repo)
    before = status(tel)
    assert before.versions_on_disk["events"] == {"0": 6, "1": 1}
    assert before.needs_migration and before.legacy_files == [str(legacy)]
    ids_before = [e["event_id"] for e in EventCollector(repo).get_events()]

    result = migrate(tel)
    assert result.records_upgraded == 12 and result.quarantined_lines == 1
    assert len(result.legacy_imported) == 1 and not legacy.exists()
    after = status(tel)
    assert after.versions_on_disk["events"] == {"1": 13} and not after.needs_migration
    raw = gzip.decompress(segment.read_bytes()).decode().splitlines()
    assert all(line.startswith('{"schema_version":1,') for line in raw)
    events = EventCollector(repo).get_events()
    assert len(events) == 13
    assert set(ids_before) <= {e["event_id"] for e in events}  # stable ids across migration
    quarantine = repo / ".buildrunner" / "telemetry" / "quarantine"
    assert b"garbage line" in b"".join(p.read_bytes() for p in quarantine.iterdir())
    assert migrate(tel).rewritten == []  # idempotent
