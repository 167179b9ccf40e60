"""Escalation in real runs: a task that fails on the cheap tier is re-run a tier up, in a fresh
worktree from the same start point; both runs and their costs are in the ledger."""

from __future__ import annotations

import dataclasses
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from brgit.core.plan import Task
from brgit.parallel.orchestrator import run_plan
from tests.conftest import git
from tests.parallel.conftest import events, ledger, make_cfg, plan

# A stand-in for `claude -p PROMPT --output-format json --model M`: it writes which model ran
# into out.txt and reports that model's tokens; on a haiku model it reports an error run.
FAKE = r'''
import json, pathlib, sys
model = sys.argv[sys.argv.index("--model") + 1]
fail = "haiku" in model and sys.argv[1] == "error"
if not fail:
    pathlib.Path("out.txt").write_text(model + "\n")
usage = {"inputTokens": 1000, "outputTokens": 200, "cacheReadInputTokens": 0,
         "cacheCreationInputTokens": 0}
print(json.dumps({"type": "result", "subtype": "error_during_execution" if fail else "success",
                  "is_error": fail, "num_turns": 2, "result": "done",
                  "usage": {"input_tokens": 1000, "output_tokens": 200},
                  "modelUsage": {model: usage}}))
sys.exit(1 if fail else 0)
'''


def _command(tmp_path: Path, mode: str) -> str:
    script = tmp_path / "fake_agent.py"
    script.write_text(FAKE)
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} {mode} --model {{model}}"


def _run(repo: Path, tmp_path: Path, mode: str, **task: Any):  # type: ignore[no-untyped-def]
    cfg = make_cfg(repo, agent={"command": _command(tmp_path, mode), "output_format": "claude-json"})
    the_task = Task("t", title="Write out.txt", description="any", **task)
    return run_plan(plan(the_task), root=repo, cfg=cfg, agent="command")


def test_an_agent_error_on_the_cheap_tier_is_re_run_a_tier_up(repo: Path, tmp_path: Path) -> None:
    record = _run(repo, tmp_path, "error")
    rec = record.tasks["t"]
    assert rec.status == "completed", rec.error
    assert rec.attempts == 2 and rec.model == "claude-sonnet-5-5"
    (first,) = rec.runs
    assert (first["model"], first["outcome"], first["attempt"]) == ("claude-haiku-5-5", "error", 1)
    assert git(repo, "show", "br/p/t:out.txt") == "claude-sonnet-5-5"  # the last run's branch
    assert git(repo, "rev-parse", "br/p/t^") == record.base_commit  # from the same start point
    runs = sorted((r for r in ledger(repo) if r.get("task_id") == "t"), key=lambda r: r["attempt"])
    assert [(r["attempt"], r["model"]) for r in runs] == [
        (1, "claude-haiku-5-5"), (2, "claude-sonnet-5-5"),
    ]  # fmt: skip
    assert all(r["cost_usd"] > 0 for r in runs)
    assert rec.cost_usd == round(sum(r["cost_usd"] for r in runs), 6)
    found = events(repo)
    decisions = [(e["attempt"], e["model"]) for e in found if e["event_type"] == "routing_decision"]
    assert decisions == [(1, "claude-haiku-5-5"), (2, "claude-sonnet-5-5")]
    (retry,) = [e for e in found if e["event_type"] == "task_retry"]
    assert retry["data"]["reason"] == "escalation" and "haiku" in retry["data"]["from_model"]


def test_a_failed_verify_is_re_run_a_tier_up(repo: Path, tmp_path: Path) -> None:
    record = _run(repo, tmp_path, "ok", verify="grep -q sonnet out.txt")
    rec = record.tasks["t"]
    assert (rec.status, rec.attempts) == ("completed", 2), rec.error
    assert rec.runs[0]["status"] == "failed" and rec.runs[0]["commit"]  # it changed, verify said no
    kinds = [e["event_type"] for e in events(repo) if e.get("task_id") == "t"]
    assert kinds.count("verification_failed") == 1 and kinds.count("verification_passed") == 1


def test_escalation_off_keeps_one_run(repo: Path, tmp_path: Path) -> None:
    cfg = make_cfg(repo, agent={"command": _command(tmp_path, "error"),
                                "output_format": "claude-json"})  # fmt: skip
    cfg = dataclasses.replace(cfg, routing=dataclasses.replace(cfg.routing, escalate=False))
    record = run_plan(plan(Task("t", title="x")), root=repo, cfg=cfg, agent="command")
    assert (record.tasks["t"].status, record.tasks["t"].attempts) == ("failed", 1)
    assert len([r for r in ledger(repo) if r.get("task_id") == "t"]) == 1


def test_br_run_reports_both_runs(repo: Path, tmp_path: Path, br: Any) -> None:
    command = _command(tmp_path, "error")
    (repo / ".buildrunner").mkdir(exist_ok=True)
    (repo / ".buildrunner" / "config.toml").write_text(
        f"[agent]\ndefault = \"command\"\ncommand = {json.dumps(command)}\n"
        'output_format = "claude-json"\n[parallel]\ncopy_files = []\n'
    )
    (repo / "plan.toml").write_text('[plan]\nname = "e"\n[[tasks]]\nid = "t"\ntitle = "x"\n')
    result = br("run", "plan.toml", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["merged"] == ["t"] and data["runs"] == 2
    assert git(repo, "show", "main:out.txt") == "claude-sonnet-5-5"
