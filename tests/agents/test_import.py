"""`br telemetry import claude-code` reads the session logs the real Claude Code wrote."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.fakes.agent_script import ClaudeCodeScript, read, write
from tests.fakes.anthropic_server import FakeAnthropic
from tests.parallel.conftest import make_cfg, plan, write_config


def claude_session(claude: Path, cwd: Path) -> dict[str, Any]:
    """One headless Claude Code session in `cwd`; its JSON result."""
    proc = subprocess.run(
        [str(claude), "-p", "--output-format", "json", "--permission-mode", "acceptEdits",
         "--model", "claude-sonnet-4-5", "--", "add notes"],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
        stdin=subprocess.DEVNULL, env={**os.environ, "CLAUDE_CODE_MAX_RETRIES": "0"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dict(json.loads(proc.stdout))


def test_import_twice_adds_each_reply_once_with_its_tokens(
    repo: Path, claude_bin: Path, fake: FakeAnthropic, br: Any, tmp_path: Path
) -> None:
    # two tool uses in one reply: Claude Code logs that message twice, once per block
    fake.default = ClaudeCodeScript(
        [lambda c: [write(c, "notes.txt", "one\n"), read(c, "notes.txt")]]
    )
    elsewhere = tmp_path / "project"
    elsewhere.mkdir()
    result = claude_session(claude_bin, elsewhere)
    reported = result["modelUsage"]["claude-sonnet-4-5"]

    first = br("telemetry", "import", "claude-code", "--format", "json", cwd=repo)
    assert first.code == 0, first.err
    data = json.loads(first.out)
    assert (data["files"], data["messages"], data["imported"], data["already"]) == (1, 2, 2, 0)
    assert data["tokens"] == {
        "input": reported["inputTokens"],
        "output": reported["outputTokens"],
        "cache_read": reported["cacheReadInputTokens"],
        "cache_write": reported["cacheCreationInputTokens"],
    }
    again = json.loads(br("telemetry", "import", "claude-code", "--format", "json", cwd=repo).out)
    assert (again["imported"], again["already"]) == (0, 2)
    costs = json.loads(br("routing", "costs", "--format", "json", cwd=repo).out)
    assert costs["tokens"]["input_tokens"] == reported["inputTokens"]
    assert costs["request_count"] == 2


def test_sessions_brgit_ran_are_not_counted_twice(
    repo: Path, claude_bin: Path, fake: FakeAnthropic, br: Any
) -> None:
    from brgit.core.plan import Task
    from brgit.parallel.orchestrator import run_plan

    fake.default = ClaudeCodeScript([lambda c: [write(c, "x.txt", "x\n")]])
    root = str(repo.parent / "worktrees")
    cfg = make_cfg(repo, agent={"claude_code_path": str(claude_bin)}, worktree_root=root)
    run_plan(plan(Task("t", title="x", model="haiku")), root=repo, cfg=cfg, agent="claude-code")
    before = json.loads(br("routing", "costs", "--format", "json", cwd=repo).out)["tokens"]
    write_config(repo, f'[parallel]\nworktree_root = "{root}"\n')
    data = json.loads(br("telemetry", "import", "claude-code", "--format", "json", cwd=repo).out)
    assert (data["imported"], data["brgit_runs"]) == (0, 2)
    after = json.loads(br("routing", "costs", "--format", "json", cwd=repo).out)["tokens"]
    assert after == before


def test_bad_input(repo: Path, br: Any, tmp_path: Path) -> None:
    logs = tmp_path / "logs" / "-proj"
    logs.mkdir(parents=True)
    line = {
        "type": "assistant",
        "requestId": "req_1",
        "timestamp": "2026-12-01T10:00:00Z",
        "message": {"id": "msg_1", "model": "claude-haiku-4-5",
                    "usage": {"input_tokens": 7, "output_tokens": 3}},
    }
    synthetic = {**line, "message": {**line["message"], "id": "m2", "model": "<synthetic>"}}
    (logs / "s.jsonl").write_text(
        json.dumps(line) + "\n{torn line\n" + json.dumps(synthetic) + "\n"
    )
    result = br("telemetry", "import", "claude-code", str(tmp_path / "logs"), cwd=repo)
    assert result.code == 0, result.err
    assert "1 imported" in result.out and "skipped 1 unreadable line" in result.out
    missing = br("telemetry", "import", "claude-code", str(tmp_path / "nope"), cwd=repo)
    assert missing.code == 6 and "no Claude Code logs at" in missing.err
    assert br("telemetry", "import", "cursor", cwd=repo).code == 2
