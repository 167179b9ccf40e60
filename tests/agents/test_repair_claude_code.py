"""`br merge --repair` hands a conflicting branch back to the real Claude Code (the
claude-code preset) against the fake Messages API: it resolves the conflict in a worktree it
may write to, the branch re-enters the train, and the merge lands."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from brgit.agents.base import run_in
from brgit.config import load_config
from brgit.core.plan import Task
from brgit.merge import api
from brgit.merge.model import CONFLICT
from tests.agents.conftest import KEY, key_leaks
from tests.conftest import git
from tests.fakes.agent_script import ClaudeCodeScript, Conversation, write
from tests.fakes.anthropic_server import FakeAnthropic
from tests.merge.conftest import make_session


def test_claude_code_resolves_a_two_sided_conflict_and_the_branch_lands(
    repo: Path, claude_bin: Path, fake: FakeAnthropic, isolated_env: Path
) -> None:
    def resolve(conv: Conversation) -> list[dict[str, object]]:
        text = (conv.cwd / "README.md").read_text()
        assert "<<<<<<<" in text  # the conflict is left in place for the agent
        return [write(conv, "README.md", "a\nb\n")]

    script = ClaudeCodeScript([resolve])
    fake.default = script
    store = repo / ".buildrunner"
    store.mkdir(exist_ok=True)
    (store / "config.toml").write_text(f'[agent]\nclaude_code_path = "{claude_bin}"\n')
    tasks = [Task("a"), Task("b", title="Say b", agent="claude-code", model="haiku")]
    make_session(repo, "s", tasks, {"a": {"README.md": "a\n"}, "b": {"README.md": "b\n"}})

    cfg = load_config(repo)
    over = api.Overrides(target="main", repair=True)
    result = api.merge_session(repo, cfg, "s", over, run_agent=partial(run_in, cfg=cfg))

    assert [(m.task_id, m.repaired) for m in result.merged] == [("a", False), ("b", True)]
    assert result.ejected == [] and result.ok
    [done] = result.repairs
    assert (done.task_id, done.cause, done.resolved) == ("b", CONFLICT, True)
    assert git(repo, "show", "main:README.md") == "a\nb"
    prompt = script.seen[0].prompt
    assert "br/s/b" in prompt and "README.md" in prompt
    assert not str(script.seen[0].cwd).startswith(str(repo / ".git"))  # a place it may write
    assert key_leaks(repo, isolated_env) == [] and KEY not in repr(result)
