"""The command agent against fake agent executables printing each CLI's output format."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from brgit.agents.parsers import parse_output
from brgit.core.plan import Task
from brgit.routing.catalog import load_catalog
from tests.conftest import git
from tests.parallel.conftest import events, ledger, make_cfg, plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parallel"


def template(script: str, rest: str) -> str:
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(FIXTURES / script))} {rest}"


def run(repo: Path, command: str, fmt: str = "auto", **task: str):  # type: ignore[no-untyped-def]
    from brgit.parallel.orchestrator import run_plan

    cfg = make_cfg(repo, agent={"command": command, "output_format": fmt})
    spec = {"title": "Add a greeting", "description": "say hi; $(rm -rf /) `x`"} | task
    return run_plan(plan(Task("t", **spec)), root=repo, cfg=cfg, agent="command")


def test_claude_code_json_result(repo: Path, tmp_path: Path) -> None:
    record = run(repo, template("fake_claude.py", "{prompt} ok --model {model}"))
    rec = record.tasks["t"]
    assert rec.status == "completed", rec.error
    written = git(repo, "show", f"{rec.commit}:claude.txt")
    assert written == "Add a greeting\n\nsay hi; $(rm -rf /) `x`"  # one argument, never run
    assert (rec.input_tokens, rec.output_tokens, rec.cache_read_tokens) == (12, 340, 2000)
    usage = parse_output("claude-json", fake_claude_output(tmp_path)).usages[0]
    assert usage.model == "claude-sonnet-4-5" and usage.reported_cost_usd == 0.0123
    assert rec.cost_usd == pytest.approx(load_catalog().cost(usage).usd, rel=1e-6)
    stored = [r for r in ledger(repo) if r.get("task_id") == "t"]
    assert len(stored) == 1 and stored[0]["input_tokens"] == 12
    assert stored[0]["reported_cost_usd"] == 0.0123


def fake_claude_output(cwd: Path) -> str:
    out = subprocess.run(
        [sys.executable, str(FIXTURES / "fake_claude.py"), "p", "ok"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def test_claude_code_error_result(repo: Path) -> None:
    record = run(repo, template("fake_claude.py", "{prompt} max-turns"))
    assert record.tasks["t"].status == "failed"
    assert record.tasks["t"].error == "error_max_turns"


def test_codex_json_lines(repo: Path) -> None:
    record = run(repo, template("fake_codex.py", "exec --json {prompt}"), fmt="codex-jsonl")
    rec = record.tasks["t"]
    assert rec.status == "completed"
    assert (rec.input_tokens, rec.cache_read_tokens, rec.output_tokens) == (800, 1000, 250)
    assert git(repo, "show", f"{rec.commit}:codex.txt").startswith("Add a greeting")


def test_aider_cost_lines(repo: Path) -> None:
    record = run(repo, template("fake_aider.py", "--yes-always --message {prompt}"))
    rec = record.tasks["t"]
    assert rec.status == "completed"
    assert (rec.input_tokens, rec.output_tokens) == (3300, 400)
    assert "aider.txt" in git(repo, "show", "--name-only", "--format=", rec.commit or "")


def test_rate_limited_agent_retries_then_fails(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("brgit.parallel.slots.BACKOFF_BASE_SECONDS", 0.01)
    record = run(repo, template("fake_claude.py", "{prompt} ratelimit"))
    assert (record.tasks["t"].status, record.tasks["t"].outcome) == ("failed", "api_error")
    retries = [e for e in events(repo) if e["event_type"] == "task_retry"]
    assert len(retries) == 3


def test_missing_agent_command(repo: Path) -> None:
    record = run(repo, "no-such-agent-cli {prompt}")
    assert record.tasks["t"].error == "agent command not found: no-such-agent-cli"


def test_auto_detects_each_format(tmp_path: Path) -> None:
    assert parse_output("auto", fake_claude_output(tmp_path)).format == "claude-json"
    assert parse_output("auto", '{"type":"turn.completed","usage":{}}').format == "codex-jsonl"
    aider = "Tokens: 10 sent, 2 received. Cost: $0.00 message, $0.00 session."
    assert parse_output("auto", aider).format == "aider"
    plain = parse_output("auto", "did it\n")
    assert not plain.found and plain.usages == []  # no report: a warning, not 0 tokens


def test_pretty_printed_result_with_two_models_gives_one_ledger_record_each(repo: Path) -> None:
    record = run(repo, template("fake_claude.py", "{prompt} pretty"))
    rec = record.tasks["t"]
    assert rec.status == "completed", rec.error
    stored = sorted(
        (r for r in ledger(repo) if r.get("task_id") == "t"), key=lambda r: r["input_tokens"]
    )
    assert [r["model"] for r in stored] == ["claude-haiku-4-5", "claude-sonnet-4-5"]
    haiku = stored[0]
    assert (haiku["cache_write_5m_tokens"], haiku["cache_write_1h_tokens"]) == (15, 25)
    assert (rec.input_tokens, rec.cache_read_tokens, rec.cache_write_tokens) == (19, 2030, 540)


def test_a_permission_denial_fails_the_task_as_denied(repo: Path) -> None:
    rec = run(repo, template("fake_claude.py", "{prompt} denied")).tasks["t"]
    assert (rec.status, rec.outcome) == ("failed", "denied")
    assert rec.error == "permission denied: Write /etc/passwd"


def test_an_unreadable_report_is_a_warning_never_silent_zero_tokens(repo: Path) -> None:
    rec = run(repo, template("fake_claude.py", "{prompt} noreport"), fmt="claude-json").tasks["t"]
    assert rec.status == "completed" and rec.input_tokens == 0
    assert rec.warnings == [
        f"{sys.executable} printed no claude-json report: tokens and cost not recorded"
    ]
    warned = [e for e in events(repo) if e["event_type"] == "task_warning"]
    assert len(warned) == 1 and "claude-json" in warned[0]["error"]
