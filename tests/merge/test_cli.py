"""`br merge` end to end: dry-run purity, JSON output, a crash mid-train and `--abort`."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from brgit.core.plan import Task
from tests.conftest import br_process, git
from tests.merge.conftest import make_branch, make_session

CRASH = "if [ -f crash-here ]; then kill -9 $PPID; fi"


def _snapshot(repo: Path) -> tuple[str, bytes, str, bytes, str]:
    """Refs, index bytes, status, a tracked file's bytes and HEAD: what a dry run must not touch."""
    refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
    index = (repo / ".git" / "index").read_bytes()
    status = git(repo, "status", "--porcelain", "--untracked-files=all")
    return refs, index, status, (repo / "README.md").read_bytes(), git(repo, "rev-parse", "HEAD")


def test_dry_run_forecasts_and_touches_nothing(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    tasks = [Task("a"), Task("b"), Task("c", depends_on=["b"]), Task("d")]
    files = {
        "a": {"README.md": "a\n"},
        "b": {"README.md": "b\n"},
        "c": {"c.txt": "c\n"},
        "d": {"d.txt": "d\n"},
    }
    make_session(repo, "s", tasks, files)
    (repo / "scratch.txt").write_text("untracked\n")
    before = _snapshot(repo)
    result = br("merge", "--session", "s", "--dry-run", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    assert _snapshot(repo) == before
    data = json.loads(result.out)
    outcomes = [(f["task_id"], f["outcome"], f["files"]) for f in data["forecasts"]]
    assert outcomes == [
        ("a", "clean", []),
        ("b", "conflict", ["README.md"]),
        ("c", "dependency ejected", []),
        ("d", "clean", []),
    ]
    assert data["conflicts"] == 1


def test_dry_run_after_a_train_says_no_changes_as_the_train_does(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    make_branch(repo, "x", {"x.txt": "x\n"})
    make_branch(repo, "y", {"y.txt": "y\n"})
    assert br("merge", "x", "--target", "main", cwd=repo).code == 0
    result = br("merge", "x", "y", "--target", "main", "--dry-run", "-f", "json", cwd=repo)
    outcomes = [f["outcome"] for f in json.loads(result.out)["forecasts"]]
    assert outcomes == ["no changes", "clean"]
    train = br("merge", "x", "y", "--target", "main", "-f", "json", cwd=repo)
    assert [s["reason"] for s in json.loads(train.out)["skipped"]] == ["no changes"]


def test_dry_run_of_a_missing_branch_is_an_error_not_a_conflict(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    result = br("merge", "nope", "--target", "main", "--dry-run", cwd=repo)
    assert result.code == 6
    assert "nope" in result.err and result.out == ""


def test_merge_branches_prints_json(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    make_branch(repo, "x", {"x.txt": "x\n"})
    make_branch(repo, "y", {"README.md": "y\n"})
    make_branch(repo, "z", {"README.md": "z\n"})
    result = br("merge", "x", "y", "z", "--target", "main", "--format", "json", cwd=repo)
    assert result.code == 1  # an ejection is not a clean run
    data = json.loads(result.out)
    assert [m["task_id"] for m in data["merged"]] == ["x", "y"]
    assert data["ejected"][0]["reason"] == "conflict"
    assert data["final_commit"] == git(repo, "rev-parse", "main")


def test_table_output_names_the_ejection(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    make_branch(repo, "x", {"x.txt": "x\n"})
    result = br("merge", "x", "--target", "main", "--verify", "false", cwd=repo)
    assert result.code == 1
    assert "verification failed" in result.out and "merged" in result.out


def test_bad_options_are_usage_errors(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    make_branch(repo, "x", {"x.txt": "x\n"})
    assert br("merge", "x", "--strategy", "octopus", cwd=repo).code == 2
    assert br("merge", cwd=repo).code == 2
    assert br("merge", "--session", "nosuch", cwd=repo).code == 6
    git(repo, "tag", "v1")
    tagged = br("merge", "x", "--target", "v1", cwd=repo)
    assert tagged.code == 6 and "no branch named 'v1'" in tagged.err


def test_a_session_still_running_is_not_merged(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    from brgit.core.session import save_session

    record = make_session(repo, "live", [Task("a")], {"a": {"a.txt": "a\n"}})
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        record.status, record.pid = "running", sleeper.pid
        save_session(record, repo)
        result = br("merge", "--session", "live", cwd=repo)
        assert result.code == 1 and "still running" in result.err
        assert br("merge", "--session", "live", "--dry-run", cwd=repo).code == 0
    finally:
        sleeper.kill()
        sleeper.wait()
    assert br("merge", "--session", "live", cwd=repo).code == 0  # its supervisor is gone


def test_crash_mid_train_leaves_a_verified_commit_and_abort_lands_the_rest(repo: Path) -> None:
    start = git(repo, "rev-parse", "main")
    tips = {
        "one": make_branch(repo, "one", {"one.txt": "1\n"}),
        "two": make_branch(repo, "two", {"crash-here": "boom\n"}),
        "three": make_branch(repo, "three", {"three.txt": "3\n"}),
    }
    proc = br_process(
        "merge", "one", "two", "three", "--target", "main", "--verify", CRASH, cwd=repo
    )
    assert proc.returncode == -signal.SIGKILL
    main = git(repo, "rev-parse", "main")
    # killed while verifying `two`: main is at a verified commit (the start, or `one` if the
    # train had landed it), never at an unverified one, and its checkout matches it
    assert main == start or git(repo, "show", "-s", "--format=%s", main) == "br merge: one"
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    state = json.loads((repo / ".buildrunner" / "merge" / "train.json").read_text())
    assert Path(state["scratch"]).exists()

    again = br_process("merge", "three", "--target", "main", cwd=repo)
    assert again.returncode == 1 and "--abort" in again.stderr

    aborted = br_process("merge", "--abort", cwd=repo)
    assert aborted.returncode == 0, aborted.stderr
    assert "aborted train" in aborted.stdout
    main = git(repo, "rev-parse", "main")  # the verified merge of `one` landed, nothing more
    assert git(repo, "show", "-s", "--format=%s", main) == "br merge: one"
    assert git(repo, "rev-parse", "main^2") == tips["one"]
    assert (repo / "one.txt").read_text() == "1\n"  # the checkout followed
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    assert not Path(state["scratch"]).exists()
    assert "brgit-merge" not in git(repo, "worktree", "list")
    assert {b: git(repo, "rev-parse", b) for b in tips} == tips  # no branch lost commits
    assert br_process("merge", "--abort", cwd=repo).stdout.strip() == "no merge train to abort"
