"""Dependencies are passed, not looked up: the config and context a caller hands in are the ones
a run records through (events, cost ledger, model choice), whatever the repository's file says."""

from __future__ import annotations

import dataclasses
import shlex
import sys
from pathlib import Path
from typing import Any

from brgit.config import Config, TelemetryConfig
from brgit.context import Context
from brgit.core.plan import Task
from brgit.parallel.orchestrator import run_plan
from brgit.telemetry.events import EVENT_TYPES
from tests.parallel.conftest import events, ledger, make_cfg, plan

FAKE_CLAUDE = Path(__file__).resolve().parents[1] / "fixtures" / "parallel" / "fake_claude.py"


def _claude_like(repo: Path) -> Config:
    """The repo's config with a command agent that reports tokens (so the ledger is written)."""
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE_CLAUDE))} {{prompt}} ok"
    return make_cfg(repo, agent={"command": command, "output_format": "claude-json"})


def _tasks() -> list[Task]:
    return [Task("a", title="first", description="write a"), Task("b", description="write b")]


def test_an_injected_config_with_telemetry_disabled_writes_no_telemetry(repo: Path) -> None:
    """The issue's case: `run_plan(..., cfg=Config(telemetry=...enabled=False))`, in a
    repository whose own config (the defaults) records everything."""
    agent = _claude_like(repo).agent
    off = Config(telemetry=TelemetryConfig(enabled=False), agent=agent)
    record = run_plan(plan(*_tasks()), root=repo, cfg=off, agent="command")
    assert {t.status for t in record.tasks.values()} == {"completed"}
    assert record.tasks["a"].input_tokens > 0  # the agent did report usage
    assert events(repo) == [] and ledger(repo) == []
    assert not (repo / ".buildrunner" / "telemetry").exists()


def test_the_same_run_with_telemetry_enabled_records_events_and_costs(repo: Path) -> None:
    record = run_plan(plan(*_tasks()), root=repo, cfg=_claude_like(repo), agent="command")
    assert {t.status for t in record.tasks.values()} == {"completed"}
    kinds = {e["event_type"] for e in events(repo)}
    assert {"routing_decision", "model_selected", "task_started", "task_completed"} <= kinds
    assert kinds <= EVENT_TYPES  # every name brgit records is defined once, in EventType
    assert {r["task_id"] for r in ledger(repo)} == {"a", "b"}


def test_an_injected_context_is_what_every_part_of_the_run_records_through(
    repo: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    cfg = _claude_like(repo)
    moved = dataclasses.replace(cfg.telemetry, storage_dir=str(elsewhere))
    ctx = Context(dataclasses.replace(cfg, telemetry=moved), repo)
    seen: list[dict[str, Any]] = []
    ctx.events.add_listener("*", seen.append)
    record = run_plan(plan(*_tasks()), root=repo, cfg=ctx.config, agent="command", ctx=ctx)
    assert {t.status for t in record.tasks.values()} == {"completed"}
    kinds = {e["event_type"] for e in seen}
    assert {"routing_decision", "model_selected", "task_started", "token_usage"} <= kinds
    assert {r["task_id"] for r in ctx.costs.records()} == {"a", "b"}
    assert (elsewhere / "events" / "current.jsonl").is_file()
    assert events(repo) == [] and ledger(repo) == []  # nothing went to the default place


def test_a_whole_job_with_telemetry_disabled_records_nothing_through_the_train(
    repo: Path, tmp_path: Path
) -> None:
    """`br run`'s job: workers, model choice, the merge train and its events all use the
    injected config."""
    from brgit.app.job import run_job

    source = tmp_path / "plan.toml"
    source.write_text(
        '[[tasks]]\nid = "a"\ndescription = "write a"\n'
        '[[tasks]]\nid = "b"\ndescription = "write b"\ndepends_on = ["a"]\n'
    )
    off = Config(telemetry=TelemetryConfig(enabled=False), agent=_claude_like(repo).agent)
    result = run_job(source, root=repo, cfg=off, agent="command")
    assert [m.task_id for m in result.train.merged] == ["a", "b"], result.train
    assert events(repo) == [] and ledger(repo) == []
    assert not (repo / ".buildrunner" / "telemetry").exists()
