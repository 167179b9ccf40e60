"""Status events with their whole context, lanes and velocity from them (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from brgit.config import Config
from brgit.core.plan import Task
from brgit.parallel.orchestrator import run_plan
from brgit.telemetry.velocity import DURATIONS, EVENTS, velocity
from tests.conftest import git
from tests.parallel.conftest import events, plan, write_plan


def status_changes(repo: Path, task_id: str) -> list[dict[str, Any]]:
    return [
        e
        for e in events(repo)
        if e["event_type"] == "task_status_changed" and e["task_id"] == task_id
    ]


def test_every_status_change_is_an_event_with_its_context(repo: Path, cfg: Config) -> None:
    record = run_plan(
        plan(Task("a", run="echo a > a.txt", model="haiku"), Task("b", run="false",
             depends_on=["a"]), Task("c", run="true", depends_on=["b"])),
        root=repo, cfg=cfg, workers=2,
    )  # fmt: skip
    a = status_changes(repo, "a")
    assert [(e["data"]["from_status"], e["data"]["to_status"]) for e in a] == [
        ("pending", "ready"), ("ready", "running"), ("running", "completed"),
    ]  # fmt: skip
    running = a[1]
    assert running["session_id"] == record.session_id and running["worker_id"] == "worker-1"
    assert running["model"] and "haiku" in running["model"] and running["agent"] == "shell"
    data = running["data"]
    assert data["session"] == "p" and data["command_name"] == "parallel"
    assert data["task_run_id"] == f"{record.session_id}/a/1" and data["attempt"] == 1
    assert data["agent_id"] == "worker-1" and data["lane"] == "work"
    assert data["metadata"]["model"] == running["model"]
    done = a[2]["data"]
    assert done["lane"] == "merge" and done["metadata"]["commit"] == record.tasks["a"].commit
    assert [e["data"]["to_status"] for e in status_changes(repo, "b")][-1] == "failed"
    (blocked,) = status_changes(repo, "c")
    assert (blocked["data"]["from_status"], blocked["data"]["to_status"]) == ("pending", "blocked")
    assert blocked["data"]["metadata"]["reason"] == "dependency 'b' failed"


def test_the_merge_train_ends_each_tasks_timeline(repo: Path, tmp_path: Path, br: Any) -> None:
    plan_file = write_plan(
        tmp_path / "p.toml",
        '[plan]\nname = "j"\n'
        '[[tasks]]\nid = "ok"\nrun = "echo ok > ok.txt"\n'
        '[[tasks]]\nid = "x"\nrun = "echo x > same.txt"\n'
        '[[tasks]]\nid = "y"\nrun = "echo y > same.txt"\n'
        '[[tasks]]\nid = "none"\nrun = "true"\n',
    )
    result = br("run", str(plan_file), "--verify", "true", "--format", "json", cwd=repo)
    assert result.code == 1, result.err  # y conflicts with x
    timeline = {
        t: [e["data"]["to_status"] for e in status_changes(repo, t)]
        for t in ("ok", "x", "y", "none")
    }
    assert timeline["ok"] == ["ready", "running", "completed", "verified", "merged"]
    assert timeline["y"][-1] == "ejected" and timeline["none"][-1] == "no_changes"
    merged = status_changes(repo, "ok")[-1]
    assert merged["data"]["session"] == "j" and merged["data"]["from_status"] == "verified"
    assert merged["data"]["command_name"] == "merge"
    assert git(repo, "log", "-1", "--format=%s")  # the train moved main
    lanes = velocity(events(repo)).lanes
    assert [(v.lane, v.count) for v in lanes] == [("wait", 4), ("work", 4), ("merge", 4)]


def _event(kind: str, task: str, at: str, **data: Any) -> dict[str, Any]:
    return {"event_type": kind, "task_id": task, "timestamp": f"2026-01-01T00:{at}+00:00",
            "model": data.pop("model", None), "agent": "shell",
            "data": {"session": "s", **data}}  # fmt: skip


def _change(task: str, at: str, old: str, new: str, **data: Any) -> dict[str, Any]:
    return _event("task_status_changed", task, at, from_status=old, to_status=new, **data)


def test_velocity_from_status_events_and_the_fallback() -> None:
    found = [
        _change("a", "00:00", "pending", "ready"),
        _change("a", "00:02", "ready", "running", model="m1"),
        _change("a", "00:12", "running", "completed", model="m1"),
        _change("a", "00:20", "completed", "verified"),
        _change("a", "00:30", "verified", "merged"),
        _change("b", "00:00", "pending", "ready"),
        _change("b", "00:04", "ready", "running", model="m2"),
        _change("b", "00:34", "running", "failed", model="m2"),  # no work time: it failed
        # a task from before status events: its duration stands for its work lane
        {**_event("task_completed", "old", "01:00"), "duration_ms": 20000, "model": "m1"},
    ]
    result = velocity(found, by_model=True)
    wait, work, merge = result.lanes
    assert (wait.count, wait.median_seconds, wait.p90_seconds) == (2, 2.0, 4.0)
    assert (work.count, work.median_seconds, work.p90_seconds) == (2, 10.0, 20.0)
    assert work.source == f"{DURATIONS}+{EVENTS}"
    assert (merge.count, merge.median_seconds, merge.source) == (1, 18.0, EVENTS)
    by_model = {m: {v.lane: v.count for v in lanes} for m, lanes in result.by_model.items()}
    assert by_model["m1"] == {"wait": 1, "work": 2, "merge": 1}
    assert by_model["m2"] == {"wait": 1, "work": 0, "merge": 0}
    assert set(result.by_agent) == {"shell"}


def test_velocity_command(repo: Path, tmp_path: Path, br: Any) -> None:
    plan_file = write_plan(tmp_path / "p.toml", '[[tasks]]\nid = "t"\nrun = "echo t > t.txt"\n')
    assert br("parallel", "start", "s", "--plan", str(plan_file), cwd=repo).code == 0
    shown = br("telemetry", "velocity", "--days", "1", "--by-model", "--format", "json", cwd=repo)
    assert shown.code == 0, shown.err
    data = json.loads(shown.out)
    lanes = {lane["lane"]: lane for lane in data["lanes"]}
    assert set(lanes) == {"wait", "work", "merge"}
    assert lanes["work"]["count"] == 1 and lanes["work"]["median_seconds"] > 0
    assert set(lanes["work"]) == {"lane", "count", "median_seconds", "p90_seconds", "source"}
    assert "by_model" in data and "shell" in data["by_agent"]
    table = br("telemetry", "velocity", cwd=repo)
    assert table.code == 0 and "Lane velocity (last 30 days)" in table.out and "work" in table.out
