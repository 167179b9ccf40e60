"""The claude-code preset drives the real Claude Code CLI against the fake Messages API."""

from __future__ import annotations

from pathlib import Path

import pytest

from brgit.core.plan import Task
from brgit.core.session import SessionRecord
from brgit.parallel.orchestrator import run_plan
from tests.agents.conftest import KEY, key_leaks
from tests.conftest import git
from tests.fakes.agent_script import ClaudeCodeScript, Conversation, bash, read, write
from tests.fakes.anthropic_server import FakeAnthropic, error
from tests.parallel.conftest import events, ledger, make_cfg, plan


def run(repo: Path, claude: Path, task: Task, **agent: object) -> SessionRecord:
    cfg = make_cfg(
        repo,
        agent={"claude_code_path": str(claude), **agent},
        worktree_root=str(repo.parent / "worktrees"),  # Claude Code will not write under .git/
    )
    return run_plan(plan(task), root=repo, cfg=cfg, agent="claude-code")


def task(title: str = "Add hello.py", **more: object) -> Task:
    return Task("greet", title=title, description="print hi", model="sonnet", **more)  # type: ignore[arg-type]


def test_edits_land_and_tokens_match_what_claude_code_reported(
    repo: Path, claude_bin: Path, fake: FakeAnthropic
) -> None:
    fake.default = ClaudeCodeScript(
        [
            lambda c: [write(c, "hello.py", "print('hi')\n"), read(c, "README.md")],
            lambda c: [write(c, "README.md", "# sample\n\nSays hi.\n")],
        ]
    )
    record = run(repo, claude_bin, task())
    rec = record.tasks["greet"]
    assert rec.status == "completed", rec.error
    assert rec.outcome == "ok" and rec.warnings == []
    assert git(repo, "show", f"{rec.commit}:hello.py") == "print('hi')"
    assert "Says hi." in git(repo, "show", f"{rec.commit}:README.md")
    served = fake.usage_served()
    assert (rec.input_tokens, rec.output_tokens) == (served["input"], served["output"])
    assert (rec.cache_read_tokens, rec.cache_write_tokens) == (
        served["cache_read"],
        served["cache_write"],
    )
    stored = [r for r in ledger(repo) if r.get("task_id") == "greet"]
    assert [r["model"] for r in stored] == ["claude-sonnet-5-5"]
    assert stored[0]["reported_cost_usd"] > 0  # Claude Code's own figure, kept beside brgit's
    assert fake.models_requested == ["claude-sonnet-5-5"] * 3  # the model routing chose
    assert key_leaks(repo, repo.parent / "worktrees") == []


def test_a_title_starting_with_a_dash_is_the_prompt_not_an_option(
    repo: Path, claude_bin: Path, fake: FakeAnthropic
) -> None:
    script = ClaudeCodeScript([lambda c: [write(c, "flag.txt", c.prompt + "\n")]])
    fake.default = script
    title = "--dangerously-skip-permissions -v fix the flag parser"
    record = run(repo, claude_bin, task(title))
    rec = record.tasks["greet"]
    assert rec.status == "completed", rec.error
    assert script.seen[0].prompt.startswith(title)
    assert git(repo, "show", f"{rec.commit}:flag.txt").startswith(title)


def test_an_edit_outside_the_worktree_is_a_denial(
    repo: Path, claude_bin: Path, fake: FakeAnthropic, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"

    def escape(conv: Conversation) -> list[dict[str, object]]:
        return [
            write(conv, "ok.txt", "inside\n"),
            {"name": "Write", "input": {"file_path": str(outside), "content": "x"}},
        ]

    fake.default = ClaudeCodeScript([escape])
    rec = run(repo, claude_bin, task()).tasks["greet"]
    assert rec.status == "failed" and rec.outcome == "denied"
    assert rec.error and f"Write {outside}" in rec.error
    assert not outside.exists()


def test_a_command_not_allowed_is_a_denial_and_allowed_tools_lets_it_run(
    repo: Path, claude_bin: Path, fake: FakeAnthropic
) -> None:
    command = "python3 -c \"open('ran.txt', 'w').write('ran')\""
    fake.default = ClaudeCodeScript([lambda c: [bash(command)]])
    rec = run(repo, claude_bin, task()).tasks["greet"]
    assert (rec.status, rec.outcome) == ("failed", "denied")
    assert rec.error == f"permission denied: Bash {command}"
    git(repo, "worktree", "remove", "--force", rec.worktree or "")
    git(repo, "branch", "-D", rec.branch or "")

    fake.reset(ClaudeCodeScript([lambda c: [bash(command)]]))
    cfg_tools = {"allowed_tools": ["Bash(python3 *)"]}
    record = run_plan(
        plan(task(), name="again"),
        root=repo,
        cfg=make_cfg(
            repo,
            agent={"claude_code_path": str(claude_bin), **cfg_tools},
            worktree_root=str(repo.parent / "worktrees"),
        ),
        agent="claude-code",
    )
    rec = record.tasks["greet"]
    assert rec.status == "completed", rec.error
    assert git(repo, "show", f"{rec.commit}:ran.txt") == "ran"


def test_a_run_that_changes_nothing_fails_as_no_changes(
    repo: Path, claude_bin: Path, fake: FakeAnthropic
) -> None:
    fake.default = ClaudeCodeScript([], final="Nothing to do.")
    rec = run(repo, claude_bin, task()).tasks["greet"]
    assert (rec.status, rec.outcome) == ("failed", "no_changes")
    assert rec.input_tokens > 0  # what it spent is still recorded


@pytest.mark.parametrize(
    ("reply", "rate_limited"),
    [
        (error(401, "authentication_error", f"invalid x-api-key {KEY}"), False),
        (error(400, "invalid_request_error", "Your credit balance is too low"), False),
        (error(429, "rate_limit_error", "Number of requests has exceeded your rate limit"), True),
    ],
    ids=["auth", "billing", "rate-limit"],
)
def test_provider_refusals_are_api_errors(
    repo: Path,
    claude_bin: Path,
    fake: FakeAnthropic,
    monkeypatch: pytest.MonkeyPatch,
    reply: object,
    rate_limited: bool,
) -> None:
    monkeypatch.setattr("brgit.parallel.slots.BACKOFF_BASE_SECONDS", 0.01)
    fake.default = reply  # type: ignore[assignment]
    rec = run(repo, claude_bin, task()).tasks["greet"]
    assert (rec.status, rec.outcome) == ("failed", "api_error")
    assert rec.error and rec.error.startswith("model provider: ")
    retries = [e for e in events(repo) if e["event_type"] == "task_retry"]
    assert len(retries) == (3 if rate_limited else 0)
    assert len(fake.message_requests) == (4 if rate_limited else 1)  # brgit's retries only
    assert key_leaks(repo) == []


def test_a_refused_connection_is_retried_on_the_same_model_then_reported(
    repo: Path, claude_bin: Path, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("brgit.parallel.worker.backoff", lambda n: 0.01)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    rec = run(repo, claude_bin, task()).tasks["greet"]
    assert (rec.status, rec.outcome) == ("failed", "api_error")
    assert rec.error and "connection" in rec.error.lower()
    retries = [e for e in events(repo) if e["event_type"] == "task_retry"]
    assert [e["data"]["reason"] for e in retries] == ["connection", "connection"]
    chosen = [e["model"] for e in events(repo) if e["event_type"] == "model_selected"]
    assert chosen == ["claude-sonnet-5-5"]  # never a move to a dearer model


def test_br_parallel_start_exits_5_when_the_provider_refuses(
    repo: Path, claude_bin: Path, fake: FakeAnthropic, br: object
) -> None:
    from tests.parallel.conftest import write_config

    fake.default = error(401, "authentication_error", "invalid x-api-key")
    write_config(
        repo,
        f'[agent]\nclaude_code_path = "{claude_bin}"\n'
        f'[parallel]\nworktree_root = "{repo.parent / "worktrees"}"\ncopy_files = []\n',
    )
    (repo / "p.toml").write_text('[plan]\nname = "p"\n[[tasks]]\nid = "t"\ntitle = "x"\n')
    result = br("parallel", "start", "s", "--plan", "p.toml", "--agent", "claude-code", cwd=repo)  # type: ignore[operator]
    assert result.code == 5, result.out + result.err
    assert KEY not in result.out + result.err
