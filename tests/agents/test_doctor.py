"""`br doctor` tells whether each agent CLI is installed and usable, never printing a key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.agents.conftest import KEY
from tests.parallel.conftest import write_config


def by_agent(out: str) -> dict[str, dict[str, Any]]:
    data = json.loads(out)
    return {c["agent"]: c for c in data["agents"]} | {"ok": data["ok"]}


def test_the_configured_claude_code_is_found_with_its_version(
    repo: Path, br: Any, claude_bin: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    write_config(repo, f'[agent]\ndefault = "claude-code"\nclaude_code_path = "{claude_bin}"\n')
    result = br("doctor", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    checks = by_agent(result.out)
    claude_code = checks["claude-code"]
    assert claude_code["usable"] and claude_code["used"] and checks["ok"]
    assert claude_code["found_by"] == "agent.claude_code_path"
    assert claude_code["version"].startswith("2.1.332")
    assert claude_code["base_url"] == "http://127.0.0.1:9"
    assert claude_code["key"] == f"ANTHROPIC_API_KEY={KEY[:4]}...{KEY[-4:]}"
    table = br("doctor", cwd=repo)
    assert table.code == 0 and "2.1.332" in table.out
    assert KEY not in result.out + table.out + result.err + table.err


def test_a_missing_cli_in_use_fails_and_says_how_to_install_it(repo: Path, br: Any) -> None:
    write_config(repo, '[agent]\ndefault = "codex"\ncodex_path = "tools/no-such-codex"\n')
    result = br("doctor", cwd=repo)
    assert result.code == 1
    assert "tools/no-such-codex not found (npm install -g @openai/codex)" in result.out
    assert "NOT usable" in result.out


def test_an_unused_missing_cli_does_not_fail_and_unknown_agents_are_usage_errors(
    repo: Path, br: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no agent CLI on it
    result = br("doctor", "--format", "json", cwd=repo)
    assert result.code == 0 and by_agent(result.out)["shell"]["used"]
    assert not by_agent(result.out)["aider"]["usable"]
    assert br("doctor", "--agent", "aider", cwd=repo).code == 1
    wrong = br("doctor", "--agent", "cursor", cwd=repo)
    assert wrong.code == 2 and "unknown agent 'cursor'" in wrong.err
