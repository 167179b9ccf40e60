"""`br run` on a 3-task plan with a dependency, every task done by the real Claude Code.

The config leaves `parallel.worktree_root` at its default: the worktrees go beside the
repository, where Claude Code can write (it refuses anything under `.git/`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.agents.conftest import KEY, key_leaks
from tests.conftest import git
from tests.fakes.agent_script import ClaudeCodeScript, Conversation, edit, read, write
from tests.fakes.anthropic_server import FakeAnthropic

PLAN = """
[plan]
name = "e2e"

[[tasks]]
id = "add"
title = "Add add()"
files = ["calc.py"]
model = "haiku"

[[tasks]]
id = "docs"
title = "Document the package"
files = ["USAGE.md"]
model = "sonnet"

[[tasks]]
id = "sub"
title = "Add sub() beside add()"
files = ["calc.py"]
depends_on = ["add"]
model = "haiku"
"""

ADD = "def add(a, b):\n    return a + b\n"
SUB = "\n\ndef sub(a, b):\n    return a - b\n"


def first_turn(conv: Conversation) -> list[dict[str, Any]]:
    if conv.prompt.startswith("Add add()"):
        return [write(conv, "calc.py", ADD)]
    if conv.prompt.startswith("Document"):
        return [write(conv, "USAGE.md", "Call add(a, b).\n")]
    return [read(conv, "calc.py")]


def second_turn(conv: Conversation) -> list[dict[str, Any]]:
    if not conv.prompt.startswith("Add sub()"):
        return []  # done after one turn
    return [edit(conv, "calc.py", "return a + b\n", "return a + b\n" + SUB)]


def tee_wrapper(folder: Path, claude: Path) -> Path:
    """Runs Claude Code and keeps a copy of what it printed, per task (its own report)."""
    script = folder / "claude-tee"
    script.write_text(
        "#!/bin/sh\n"
        f'out="{folder}/report-$BR_TASK_ID.json"\n'
        f'"{claude}" "$@" > "$out"; code=$?\n'
        'cat "$out"; exit $code\n'
    )
    script.chmod(0o755)
    return script


def test_br_run_lands_three_claude_code_edits_with_exact_tokens(
    repo: Path, claude_bin: Path, fake: FakeAnthropic, br: Any, tmp_path: Path, isolated_env: Path
) -> None:
    fake.default = ClaudeCodeScript([first_turn, second_turn])
    reports = tmp_path / "reports"
    reports.mkdir()
    store = repo / ".buildrunner"
    store.mkdir()
    (store / "config.toml").write_text(
        '[agent]\ndefault = "claude-code"\n'
        f'claude_code_path = "{tee_wrapper(reports, claude_bin)}"\n'
        '[parallel]\ncopy_files = []\nkeep_worktrees = "all"\n'  # key_leaks looks inside
    )
    (repo / "plan.toml").write_text(PLAN)
    run = br("run", "plan.toml", "--format", "json", cwd=repo)
    assert run.code == 0, run.out + run.err
    summary = json.loads(run.out)
    assert sorted(summary["merged"]) == ["add", "docs", "sub"]
    assert summary["failed"] == [] and summary["warnings"] == []
    assert git(repo, "show", "main:calc.py") == (ADD + SUB).strip()
    assert git(repo, "show", "main:USAGE.md") == "Call add(a, b)."

    reported = _reported_tokens(reports)
    costs = br("routing", "costs", "--format", "json", cwd=repo)
    assert costs.code == 0, costs.err
    tokens = json.loads(costs.out)["tokens"]
    assert {k: tokens[k] for k in reported} == reported
    assert summary["tokens"]["input"] == reported["input_tokens"]

    assert KEY not in run.out + run.err + costs.out + costs.err
    worktrees = repo.parent / f"{repo.name}.brgit"  # the default root, outside .git
    assert sorted(p.name for p in (worktrees / "e2e").iterdir()) == ["add", "docs", "sub"]
    assert key_leaks(repo, worktrees, isolated_env) == []


def _reported_tokens(folder: Path) -> dict[str, int]:
    """The tokens Claude Code's own JSON results reported, summed over tasks and models."""
    total = dict.fromkeys(
        ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_5m_tokens"), 0
    )
    files = sorted(os.listdir(folder))
    assert [f for f in files if f.startswith("report-")] == [
        "report-add.json",
        "report-docs.json",
        "report-sub.json",
    ]
    for name in files:
        if not name.startswith("report-"):
            continue
        result = json.loads((folder / name).read_text())
        for usage in result["modelUsage"].values():
            total["input_tokens"] += usage["inputTokens"]
            total["output_tokens"] += usage["outputTokens"]
            total["cache_read_tokens"] += usage["cacheReadInputTokens"]
            total["cache_write_5m_tokens"] += usage["cacheCreationInputTokens"]
    assert total["input_tokens"] > 0
    return total
