"""The codex preset drives the real Codex CLI against a fake Responses API on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from brgit.core.plan import Task
from brgit.parallel.orchestrator import run_plan
from tests.conftest import git
from tests.fakes.anthropic_server import Reply
from tests.fakes.openai_server import CodexScript, FakeOpenAI, add_file
from tests.parallel.conftest import ledger, make_cfg, plan

pytestmark = pytest.mark.agent_cli


def run(repo: Path, codex: Path, title: str = "Add hello.py"):  # type: ignore[no-untyped-def]
    cfg = make_cfg(repo, agent={"codex_path": str(codex)}, worktree_root=str(repo.parent / "wt"))
    task = Task("t", title=title, description="print hi", model="sonnet")
    return run_plan(plan(task), root=repo, cfg=cfg, agent="codex").tasks["t"]


def test_codex_edits_land_with_its_tokens(repo: Path, codex_bin: Path, openai: FakeOpenAI) -> None:
    script = CodexScript([lambda turn: [add_file("hello.py", "print('hi')\n")]])
    openai.default = script
    rec = run(repo, codex_bin, title="-v --full-auto is a title, not a flag")
    assert rec.status == "completed", rec.error
    assert git(repo, "show", f"{rec.commit}:hello.py") == "print('hi')"
    assert script.seen[0].prompt.startswith("-v --full-auto is a title")
    assert script.seen[0].cwd == repo.parent / "wt" / "p" / "t"  # the task's worktree
    assert rec.worktree is None  # removed once completed: the branch keeps the work
    served = openai.usage_served()
    assert rec.input_tokens + rec.cache_read_tokens == served["input"]
    assert (rec.cache_read_tokens, rec.output_tokens) == (served["cache_read"], served["output"])
    assert [r["provider"] for r in ledger(repo) if r.get("task_id") == "t"] == ["openai"]


def test_codex_auth_refusal_is_an_api_error(
    repo: Path, codex_bin: Path, openai: FakeOpenAI
) -> None:
    openai.default = Reply(
        401, {"error": {"message": "Incorrect API key", "type": "invalid_request_error"}}
    )
    rec = run(repo, codex_bin)
    assert rec.status == "failed"
    assert rec.outcome == "api_error", rec.error
