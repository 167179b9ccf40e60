"""Plans (validation, order, TOML round trip) and session records."""

from __future__ import annotations

from pathlib import Path

import pytest

from brgit.core.plan import Plan, Task, dump_plan, load_plan, save_plan
from brgit.core.session import SessionRecord, load_session, save_session
from brgit.errors import NotFoundError, PlanError


def _plan() -> Plan:
    return Plan(
        "p",
        [
            Task("c", depends_on=["a", "b"]),
            Task("a"),
            Task("b", depends_on=["a"]),
            Task("d"),
        ],
    )


def test_order_is_dependencies_first_then_plan_order() -> None:
    assert [t.id for t in _plan().order()] == ["a", "b", "c", "d"]
    assert set(_plan().dependents("a")) == {"b", "c"}


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        ([Task("a"), Task("a")], "duplicate task id 'a'"),
        ([Task("a", depends_on=["zz"])], "unknown task 'zz'"),
        ([Task("a", depends_on=["b"]), Task("b", depends_on=["a"])], "dependency cycle"),
        ([Task("bad id")], "must be letters"),
    ],
)
def test_invalid_plans(tasks: list[Task], message: str) -> None:
    with pytest.raises(PlanError, match=message):
        Plan("p", tasks).validate()


def test_round_trip(tmp_path: Path) -> None:
    file = tmp_path / "plan.toml"
    plan = _plan()
    plan.tasks[1].run = "echo hi"
    save_plan(plan, file)
    again = load_plan(file)
    assert again.to_dict() == plan.to_dict()
    assert dump_plan(again) == file.read_text()


def test_malformed_plan_file(tmp_path: Path) -> None:
    file = tmp_path / "plan.toml"
    file.write_text("[[tasks]]\nid = 'a'\nfiles = 'x'\n")
    with pytest.raises(PlanError, match="'files' must be a list"):
        load_plan(file)
    with pytest.raises(NotFoundError):
        load_plan(tmp_path / "nope.toml")


def test_session_record_round_trip(tmp_path: Path) -> None:
    record = SessionRecord("s-1", "demo", _plan(), base_commit="abc", base_branch="main")
    record.task("a").status = "completed"
    record.task("a").branch = "br/demo/a"
    save_session(record, tmp_path)
    again = load_session("demo", tmp_path)
    assert again.to_dict() == record.to_dict()
    with pytest.raises(NotFoundError):
        load_session("other", tmp_path)
