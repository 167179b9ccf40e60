"""The claude agent: the real anthropic SDK against a local fake Messages API on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brgit.core.plan import Task
from brgit.core.session import SessionRecord
from brgit.parallel.orchestrator import run_plan
from tests.conftest import git
from tests.fakes.anthropic_server import FakeAnthropic, Reply, error, message
from tests.parallel.conftest import make_cfg, plan

KEY = "sk-ant-api03-" + "k" * 93 + "AA"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        yield server


def tool_results(request: dict[str, Any]) -> list[dict[str, Any]]:
    last = request["body"]["messages"][-1]
    return [c for c in last["content"] if isinstance(c, dict) and c["type"] == "tool_result"]


def run(repo: Path, **agent: Any) -> SessionRecord:
    cfg = make_cfg(repo, agent=agent)
    task = Task("greet", title="Add hello.py", description="print hi", model="haiku")
    return run_plan(plan(task), root=repo, cfg=cfg, agent="claude")


def test_tool_loop_edits_runs_and_is_confined(repo: Path, fake: FakeAnthropic) -> None:
    seen: list[list[dict[str, Any]]] = []

    def second(request: dict[str, Any]) -> Reply:
        seen.append(tool_results(request))
        return message(
            "",
            tool_uses=[
                {"name": "run_command", "input": {"command": "python3 hello.py"}},
                {"name": "read_file", "input": {"path": "../../../../etc/hostname"}},
                {"name": "list_files", "input": {}},
            ],
        )

    def third(request: dict[str, Any]) -> Reply:
        seen.append(tool_results(request))
        return message("Added hello.py", input_tokens=50, output_tokens=20)

    write = {"name": "write_file", "input": {"path": "hello.py", "content": "print('hi')\n"}}
    fake.script(message("", tool_uses=[write]), second, third)
    record = run(repo)
    rec = record.tasks["greet"]
    assert rec.status == "completed", rec.error
    assert git(repo, "show", f"{rec.commit}:hello.py") == "print('hi')"
    assert [r["content"] for r in seen[0]] == ["wrote hello.py"]
    ran, escaped, listed = seen[1]
    assert ran["content"] == "exit 0\nhi\n"
    assert escaped.get("is_error") and "outside the worktree" in escaped["content"]
    assert listed["content"] == "README.md\nhello.py"
    assert (rec.input_tokens, rec.output_tokens) == (70, 30)
    assert rec.cost_usd > 0
    first = fake.requests[0]
    assert "haiku" in first["body"]["model"]
    assert {t["name"] for t in first["body"]["tools"]} == {
        "read_file",
        "write_file",
        "list_files",
        "run_command",
    }


def test_turn_limit_then_a_re_run_a_tier_up(repo: Path, fake: FakeAnthropic) -> None:
    fake.default = message("", tool_uses=[{"name": "list_files", "input": {}}])
    record = run(repo, max_turns=2)
    rec = record.tasks["greet"]
    assert rec.status == "failed"
    assert rec.error == "turn limit of 2 reached"
    models = [r["body"]["model"] for r in fake.requests]
    assert models == ["claude-haiku-5-5"] * 2 + ["claude-sonnet-5-5"] * 2  # escalated once
    assert rec.attempts == 2 and rec.model == "claude-sonnet-5-5"
    assert [(r["model"], r["error"]) for r in rec.runs] == [
        ("claude-haiku-5-5", "turn limit of 2 reached")
    ]


def test_turn_limit_without_escalation(repo: Path, fake: FakeAnthropic) -> None:
    import dataclasses

    fake.default = message("", tool_uses=[{"name": "list_files", "input": {}}])
    cfg = make_cfg(repo, agent={"max_turns": 2})
    cfg = dataclasses.replace(cfg, routing=dataclasses.replace(cfg.routing, escalate=False))
    task = Task("greet", title="Add hello.py", description="print hi", model="haiku")
    record = run_plan(plan(task), root=repo, cfg=cfg, agent="claude")
    assert record.tasks["greet"].error == "turn limit of 2 reached"
    assert len(fake.requests) == 2 and record.tasks["greet"].attempts == 1


def test_budget_limit(repo: Path, fake: FakeAnthropic) -> None:
    fake.default = message(
        "", input_tokens=2_000_000, tool_uses=[{"name": "list_files", "input": {}}]
    )
    record = run(repo, max_budget_usd=0.01)
    assert record.tasks["greet"].status == "failed"
    assert record.tasks["greet"].error == "budget of $0.01 exceeded"
    assert len(fake.requests) == 2  # one call on each tier: the re-run went over it too


def test_auth_error_fails_the_task_without_leaking_the_key(repo: Path, fake: FakeAnthropic) -> None:
    fake.default = error(401, "authentication_error", "invalid x-api-key")
    record = run(repo)
    rec = record.tasks["greet"]
    assert rec.status == "failed" and rec.error
    assert (
        KEY not in (rec.error or "")
        and KEY not in (repo / ".buildrunner").joinpath("sessions/p/session.json").read_text()
    )


def test_a_gateway_key_echoed_in_a_401_is_masked_everywhere_and_br_run_exits_5(
    repo: Path, br: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway_key = "gw-live-" + "7Hq2" * 6  # no known key shape: only its literal value tells
    with FakeAnthropic(error(401, "authentication_error", f"key {gateway_key} is revoked")) as gw:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", gw.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", gateway_key)
        (repo / "plan.toml").write_text(
            '[plan]\nname = "gw"\n[[tasks]]\nid = "t"\ntitle = "x"\nmodel = "haiku"\n'
        )
        result = br("run", "plan.toml", "--agent", "claude", "--format", "json", cwd=repo)
    assert result.code == 5, result.err
    assert "revoked" in result.out  # the provider's words are kept, the key is not
    stored = [p for p in (repo / ".buildrunner").rglob("*") if p.is_file()]
    assert stored and not [p for p in stored if gateway_key.encode() in p.read_bytes()]
    assert gateway_key not in result.out + result.err


def test_a_refused_connection_retries_the_same_model_and_never_a_dearer_one(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.parallel.conftest import events

    monkeypatch.setattr("brgit.routing.fallback.backoff", lambda retry: 0.0)
    monkeypatch.setattr("brgit.parallel.worker.backoff", lambda retry: 0.0)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    rec = run(repo).tasks["greet"]
    assert (rec.status, rec.outcome) == ("failed", "api_error")
    assert rec.error and "connect" in rec.error.lower()
    seen = events(repo)
    assert not [e for e in seen if e["event_type"] == "fallback"]
    decided = [
        (e["model"], e["data"]["decision"], e["data"]["reason"])
        for e in seen
        if e["event_type"] == "routing_decision" and e["data"].get("source") == "fallback"
    ]
    retry = ("claude-haiku-5-5", "retry", "connection failed: retry")
    assert decided[:3] == [retry] * 3  # routing.max_attempts = 4 calls, all on haiku
    assert decided[3][:2] == ("claude-haiku-5-5", "stop")
