"""The aider preset drives the real aider against a fake chat-completions API on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brgit.core.plan import Task
from brgit.parallel.orchestrator import run_plan
from tests.conftest import git
from tests.fakes.anthropic_server import Reply
from tests.fakes.openai_server import FakeOpenAI
from tests.parallel.conftest import ledger, make_cfg, plan, write_config

pytestmark = pytest.mark.agent_cli
MODEL = "openai/fake-model"


def chat(request: dict[str, Any]) -> Reply:
    """One whole-file edit of hello.py (aider's `whole` format), with usage."""
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "hello.py\n```\nprint('hi')\n```\n"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1234, "completion_tokens": 56, "total_tokens": 1290},
    }
    return Reply(200, body)


@pytest.fixture
def openai(
    monkeypatch: pytest.MonkeyPatch, isolated_env: Path, tmp_path: Path
) -> Iterator[FakeOpenAI]:
    meta = tmp_path / "models.json"
    meta.write_text(
        json.dumps({MODEL: {"max_input_tokens": 100000, "max_tokens": 4096, "mode": "chat",
                            "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                            "litellm_provider": "openai"}})
    )
    with FakeOpenAI(default=chat) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-" + "y" * 30)
        monkeypatch.setenv("OPENAI_API_BASE", server.url + "/v1")
        monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price list download
        monkeypatch.setenv("AIDER_EDIT_FORMAT", "whole")
        monkeypatch.setenv("AIDER_MAP_TOKENS", "0")
        monkeypatch.setenv("AIDER_MODEL_METADATA_FILE", str(meta))
        yield server


def test_aider_edits_land_with_exact_tokens(
    repo: Path, aider_bin: Path, openai: FakeOpenAI
) -> None:
    write_config(
        repo,
        f'[models.fake]\nid = "{MODEL}"\ntier = 1\ncontext_window = 100000\n'
        "max_output = 4096\ninput = 1.0\noutput = 2.0\n",
    )
    cfg = make_cfg(repo, agent={"aider_path": str(aider_bin)}, worktree_root=str(repo.parent / "wt"))
    task = Task("t", title="-v add hello.py", description="print hi", model="fake")
    rec = run_plan(plan(task), root=repo, cfg=cfg, agent="aider").tasks["t"]
    assert rec.status == "completed", rec.error
    assert git(repo, "show", f"{rec.commit}:hello.py") == "print('hi')"
    changed = git(repo, "show", "--name-only", "--format=", rec.commit or "").split()
    assert changed == ["hello.py"]  # no .aider* files, no .gitignore edit
    sent = openai.requests[0]["body"]["messages"][-1]["content"]
    assert sent.startswith("-v add hello.py")  # the title stayed the message
    assert (rec.input_tokens, rec.output_tokens, rec.warnings) == (1234, 56, [])
    stored = [r for r in ledger(repo) if r.get("task_id") == "t"]
    assert [r["model"] for r in stored] == [MODEL] and stored[0]["cost_usd"] > 0
