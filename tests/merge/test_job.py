"""`br run` and `br demo` end to end: real workers in real worktrees, then the merge train."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import git

PLAN = """
[plan]
name = "small"

[[tasks]]
id = "alpha"
run = "printf 'alpha\\n' > alpha.txt"

[[tasks]]
id = "beta"
depends_on = ["alpha"]
run = "printf 'beta\\n' > beta.txt"

[[tasks]]
id = "breaks"
run = "printf 'x\\n' > broken"

[[tasks]]
id = "fails"
run = "exit 3"
"""


def _plan(tmp_path: Path) -> Path:
    plan = tmp_path / "small.toml"
    plan.write_text(PLAN)
    return plan


def test_run_plans_works_merges_and_summarises(repo: Path, tmp_path: Path, br) -> None:  # type: ignore[no-untyped-def]
    # one worker: parallel `git worktree add` races in git 2.39 (see the report of issue 6)
    args = ["run", str(_plan(tmp_path)), "--agent", "shell", "--workers", "3"]
    result = br(*args, "--verify", "test ! -f broken", "--format", "json", cwd=repo)
    assert result.code == 1, result.err  # one task failed and one was ejected
    data = json.loads(result.out)
    assert data["tasks"] == {"total": 4, "completed": 3, "failed": 1, "blocked": 0,
                             "no_changes": 0}, (
        data,
        result.err,
    )
    assert data["merged"] == ["alpha", "beta"]
    assert [(e["task_id"], e["reason"]) for e in data["ejected"]] == [
        ("breaks", "verification failed")
    ]
    assert Path(data["ejected"][0]["log"]).is_file()  # where the whole verify output is
    assert data["not_merged"] == [
        {"task_id": "fails", "reason": "not completed (failed)", "detail": "exit 3"}
    ]
    assert data["final_commit"] == git(repo, "rev-parse", "main")
    assert (repo / "beta.txt").read_text() == "beta\n" and not (repo / "broken").exists()
    assert set(data["tokens"]) == {"input", "output", "cache_read", "cache_write"}
    assert data["wall_time_s"] > 0


def test_run_refuses_a_dirty_target_before_any_work(repo: Path, tmp_path: Path, br) -> None:  # type: ignore[no-untyped-def]
    (repo / "README.md").write_text("unsaved\n")
    result = br("run", str(_plan(tmp_path)), cwd=repo)
    assert result.code == 1 and "uncommitted changes" in result.err
    assert not (repo / ".buildrunner" / "sessions").exists()
    assert (repo / "README.md").read_text() == "unsaved\n"


def test_run_of_a_missing_file_exits_6(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    assert br("run", "nope.toml", cwd=repo).code == 6


def test_demo_runs_the_whole_job_offline(tmp_path: Path, br) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "demo"
    result = br("demo", "--dir", str(folder), "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.err  # ended as designed, its two ejections included
    data = json.loads(result.out)
    repo = Path(data["repository"])
    assert data["merged"] == ["greet", "shout", "usage", "status-ready"], data
    reasons = {e["task_id"]: (e["reason"], e["files"]) for e in data["ejected"]}
    assert reasons == {
        "status-beta": ("conflict", ["README.md"]),
        "fast-mul": ("verification failed", []),
    }
    assert "Status: ready for review" in (repo / "README.md").read_text()
    assert (repo / "shout.py").exists() and "a * b" in (repo / "calc.py").read_text()
    assert "a**b" in git(repo, "show", "br/demo/fast-mul:calc.py")  # ejected, commits kept
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""


def test_demo_table_says_where_to_look(tmp_path: Path, br) -> None:  # type: ignore[no-untyped-def]
    result = br("demo", "--dir", str(tmp_path / "d"), "--workers", "1", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "Sample repository:" in result.out and "git -C" in result.out
    assert "Full verify output of fast-mul: " in result.out
    assert "br telemetry summary" in result.out
    again = br("demo", "--dir", str(tmp_path / "d"), cwd=tmp_path)
    assert again.code == 1 and "not empty" in again.err


def test_run_plans_a_markdown_spec_first(repo: Path, tmp_path: Path, br) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "SPEC.md"
    spec.write_text("# Feature: Login\n\nUsers sign in with a password.\n")
    result = br("run", str(spec), "--workers", "1", "--format", "json", cwd=repo)
    data = json.loads(result.out)
    assert result.code == 1  # the shell agent has no `run` command for planned tasks
    assert data["tasks"]["total"] >= 1 and data["merged"] == []
    assert data["tasks"]["failed"] + data["tasks"]["blocked"] == data["tasks"]["total"]


def test_run_of_a_spec_without_tasks_is_a_plan_error(repo: Path, tmp_path: Path, br) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "empty.md"
    spec.write_text("Nothing to build here.\n")
    result = br("run", str(spec), cwd=repo)
    assert result.code == 2 and "no `# Feature:` sections" in result.err


def test_run_auto_finds_the_plan(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    (repo / "plan.toml").write_text(
        '[plan]\nname = "p"\n\n[[tasks]]\nid = "one"\nrun = "echo 1 > one.txt"\n'
    )
    git(repo, "add", "plan.toml")
    git(repo, "commit", "-q", "-m", "plan")
    result = br("run", "--auto", "--workers", "1", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    assert json.loads(result.out)["merged"] == ["one"] and (repo / "one.txt").exists()


def test_run_without_a_source_needs_auto(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    assert br("run", cwd=repo).code == 2
    missing = br("run", "--auto", cwd=repo)
    assert missing.code == 6 and "--auto found none of" in missing.err
