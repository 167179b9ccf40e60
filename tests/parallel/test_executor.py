"""The executor interface: plain values in and out, a recorder for remote hosts, a backend
swapped in by name without touching the scheduler."""

from __future__ import annotations

import pickle
import threading
from pathlib import Path

import pytest

from brgit.config import Config
from brgit.core.plan import Task
from brgit.core.usage import TokenUsage
from brgit.errors import ConfigError
from brgit.parallel import executor as ex
from brgit.parallel.executor import AttemptHost, AttemptResult, AttemptSpec, Recorder
from brgit.parallel.orchestrator import Orchestrator, new_record
from brgit.parallel.worker import run_attempt
from brgit.telemetry.events import EventType
from tests.conftest import git
from tests.parallel.conftest import events, plan


def test_attempt_values_pickle(repo: Path, cfg: Config) -> None:
    spec = AttemptSpec("s", "session-1", Task("t", run="true"), 1, 1, "shell", "", ("abc",),
                       cfg, repo)  # fmt: skip
    result = AttemptResult("completed", commit="abc", usages=[TokenUsage("m", 1, 2)])
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert pickle.loads(pickle.dumps(result)) == result


class RemoteHost:
    """A host as a backend would build it on another node: its own context and slots, a
    recorder for the reports."""

    def __init__(self, orch: Orchestrator) -> None:
        self.ctx, self.slots, self.backoff = orch.ctx, orch.slots, orch.backoff
        self.recorder = Recorder()
        self.placed, self.spawned = self.recorder.placed, self.recorder.spawned
        self.report = self.recorder.report

    def retry(self, call: object, model_id: str, task_id: str | None) -> object:
        raise AssertionError("the shell agent calls no model")


def test_a_recorded_attempt_is_replayed_on_brgits_side(repo: Path, cfg: Config) -> None:
    record = new_record(plan(Task("t", run="echo t > t.txt", verify="test -s t.txt")), "r",
                        root=repo, cfg=cfg, workers=1, agent="shell")  # fmt: skip
    orch = Orchestrator(record, root=repo, cfg=cfg)
    spec = orch.start("t", 1)
    assert spec is not None
    host = RemoteHost(orch)
    result = run_attempt(spec, host, threading.Event())
    result.reports = host.recorder.reports
    assert [name for name, _ in result.reports] == ["placed", "spawned", "event"]
    assert orch.conclude(spec, pickle.loads(pickle.dumps(result))) is None
    rec = record.tasks["t"]
    assert rec.status == "completed" and rec.branch == "br/r/t"
    assert rec.worktree is None  # a completed task's worktree is removed; its branch stays
    assert git(repo, "show", f"{rec.commit}:t.txt") == "t"
    kinds = [e["event_type"] for e in events(repo)]
    assert "verification_passed" in kinds and "task_completed" in kinds


class InlineExecutor:
    """A backend of its own: runs each attempt when submitted, on the scheduler's thread."""

    made: list[InlineExecutor] = []

    def __init__(self, host: AttemptHost, workers: int) -> None:
        self.host, self.done = host, []  # type: ignore[var-annotated]
        InlineExecutor.made.append(self)

    def submit(self, spec: AttemptSpec) -> str:
        self.done.append((spec, run_attempt(spec, self.host, threading.Event())))
        return spec.key

    def wait(self, timeout: float) -> list[tuple[AttemptSpec, AttemptResult]]:
        done, self.done = self.done, []
        return done

    def cancel(self, key: str, *, force: bool) -> None:
        pass

    def running(self) -> int:
        return len(self.done)

    def shutdown(self) -> None:
        pass


def test_a_backend_registered_by_name_runs_the_session(
    repo: Path, cfg: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ex.EXECUTORS, "inline", InlineExecutor)
    p = plan(Task("a", run="echo a > a.txt"), Task("b", run="cat a.txt > b.txt", depends_on=["a"]))
    record = new_record(p, "i", root=repo, cfg=cfg, workers=2, agent="shell")
    done = Orchestrator(record, root=repo, cfg=cfg, executor="inline").run()
    assert done.status == "completed" and InlineExecutor.made
    assert git(repo, "show", f"{done.tasks['b'].commit}:b.txt") == "a"
    with pytest.raises(ConfigError, match="unknown executor 'nope'"):
        ex.get_executor("nope", Orchestrator(record, root=repo, cfg=cfg), 1)


def test_report_keeps_event_fields(repo: Path, cfg: Config) -> None:
    recorder = Recorder()
    spec = AttemptSpec("s", "i", Task("t"), 1, 1, "shell", "", ("x",), cfg, repo)
    recorder.report(spec, EventType.TASK_WARNING, error="w")
    assert recorder.reports == [("event", {"kind": "task_warning", "error": "w"})]
