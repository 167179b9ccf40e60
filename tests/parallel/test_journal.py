"""The session record on disk: a snapshot plus a journal of changes, compacted now and then."""

from __future__ import annotations

from pathlib import Path

from brgit.core.plan import Plan, Task
from brgit.core.session import (
    SessionRecord,
    SessionWriter,
    journal_file,
    load_session,
    resolve_name,
    save_session,
    session_file,
)


def _record(n: int) -> SessionRecord:
    plan = Plan("big", [Task(f"t{i}") for i in range(n)])
    record = SessionRecord("session-0123456789", "big", plan, "abc", "main")
    for task in plan.tasks:
        record.task(task.id)
    return record


def test_a_change_is_one_journal_line_not_a_new_snapshot(tmp_path: Path) -> None:
    record = _record(1000)
    save_session(record, tmp_path)
    snapshot = session_file("big", tmp_path)
    before = snapshot.stat().st_ino, snapshot.read_bytes()
    writer = SessionWriter(record, tmp_path)
    for i in range(300):
        record.task(f"t{i}").status = "completed"
        record.task(f"t{i}").commit = f"c{i}"
        writer.task(f"t{i}", f"2026-01-01T00:00:{i % 60:02d}", durable=i % 2 == 0)
    assert (snapshot.stat().st_ino, snapshot.read_bytes()) == before  # not rewritten
    lines = journal_file("big", tmp_path).read_text().splitlines()
    assert len(lines) == 300 and max(len(line) for line in lines) < 600  # one task per line
    again = load_session("big", tmp_path)
    assert again.to_dict() == record.to_dict()
    assert again.updated_at == "2026-01-01T00:00:59"


def test_the_journal_is_folded_into_the_snapshot(tmp_path: Path) -> None:
    record = _record(10)
    save_session(record, tmp_path)
    writer = SessionWriter(record, tmp_path)
    for i in range(SessionWriter.MIN_LINES + 5):
        record.task(f"t{i % 10}").attempts += 1
        writer.task(f"t{i % 10}", "2026-01-01T00:00:00")
    assert len(journal_file("big", tmp_path).read_text().splitlines()) == 5
    record.status = "paused"
    writer.session("2026-01-01T00:00:01")
    assert load_session("big", tmp_path).to_dict() == record.to_dict()
    writer.snapshot()
    assert journal_file("big", tmp_path).read_bytes() == b""
    assert load_session("big", tmp_path).status == "paused"


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    record = _record(2)
    save_session(record, tmp_path)
    writer = SessionWriter(record, tmp_path)
    record.task("t0").status = "completed"
    writer.task("t0", "2026-01-01T00:00:00", durable=True)
    with journal_file("big", tmp_path).open("ab") as handle:
        handle.write(b'{"t":{"task_id":"t1","status":"compl')  # killed mid-write
    again = load_session("big", tmp_path)
    assert again.tasks["t0"].status == "completed" and again.tasks["t1"].status == "pending"


def test_sessions_are_found_by_id(tmp_path: Path) -> None:
    save_session(_record(1), tmp_path)
    assert resolve_name("session-0123456789", tmp_path) == "big"
    assert load_session("session-0123456789", tmp_path).name == "big"
    assert resolve_name("big", tmp_path) == "big"
