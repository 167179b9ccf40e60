"""The merge train on real repositories: order, conflicts, verification, batches, strategies."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from brgit.core.plan import Task
from brgit.errors import MergeError
from brgit.merge import order
from brgit.merge.model import CONFLICT, DEPENDENCY, VERIFY_FAILED, TrainOptions
from brgit.merge.train import run_train
from tests.conftest import commit_file, git
from tests.merge.conftest import make_branch, make_session, subjects

BREAKS = "test ! -f broken"  # a verify command: fails when a file named `broken` exists


def _events(repo: Path) -> list[dict[str, object]]:
    """Every event under the telemetry folder, whatever its segment layout."""
    found = []
    for file in sorted((repo / ".buildrunner" / "telemetry").rglob("*.jsonl")):
        found += [json.loads(line) for line in file.read_text().splitlines() if line]
    return sorted(found, key=lambda e: str(e["timestamp"]))


def _is_ancestor(repo: Path, rev: str, of: str) -> bool:
    args = ["git", "merge-base", "--is-ancestor", rev, of]
    return subprocess.run(args, cwd=repo, check=False).returncode == 0


def _session_train(repo: Path, record_name: str, **opts: object) -> object:
    from brgit.core.session import load_session

    record = load_session(record_name, repo)
    items, skipped = order.from_session(record, repo)
    options = TrainOptions(target="main", session=record_name, **opts)  # type: ignore[arg-type]
    return run_train(repo, items, options, skipped=skipped)


def test_dependencies_first_then_plan_order(repo: Path) -> None:
    tasks = [Task("c"), Task("b", depends_on=["a"]), Task("a")]
    files = {"c": {"c.txt": "c\n"}, "b": {"b.txt": "b\n"}, "a": {"a.txt": "a\n"}}
    make_session(repo, "s1", tasks, files)
    result = _session_train(repo, "s1")
    assert [m.task_id for m in result.merged] == ["c", "a", "b"]  # type: ignore[attr-defined]
    assert subjects(repo)[1:] == ["br merge: c", "br merge: a", "br merge: b"]
    # main is checked out in `repo`: the checkout followed and is clean
    assert (repo / "b.txt").read_text() == "b\n"
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""


def test_textual_conflict_is_ejected_and_the_train_goes_on(repo: Path) -> None:
    left = make_branch(repo, "left", {"README.md": "left\n"})
    right = make_branch(repo, "right", {"README.md": "right\n", "r.txt": "r\n"})
    make_branch(repo, "other", {"o.txt": "o\n"})
    items = order.from_branches(["left", "right", "other"], repo)
    result = run_train(repo, items, TrainOptions(target="main"))
    assert [m.task_id for m in result.merged] == ["left", "other"]
    [ejection] = result.ejected
    assert (ejection.task_id, ejection.reason, ejection.files) == ("right", CONFLICT, ["README.md"])
    assert git(repo, "rev-parse", "right") == right  # ejected branches keep their commits
    assert git(repo, "merge-base", "--is-ancestor", left, "main") == ""
    assert (repo / "README.md").read_text() == "left\n"


def test_a_branch_that_breaks_verification_is_ejected(repo: Path) -> None:
    make_branch(repo, "good", {"g.txt": "g\n"})
    bad = make_branch(repo, "bad", {"broken": "x\n"})
    make_branch(repo, "later", {"l.txt": "l\n"})
    items = order.from_branches(["good", "bad", "later"], repo)
    result = run_train(repo, items, TrainOptions(target="main", verify=BREAKS))
    assert [m.task_id for m in result.merged] == ["good", "later"]
    assert [(e.task_id, e.reason) for e in result.ejected] == [("bad", VERIFY_FAILED)]
    assert result.verify_runs == 3
    assert not (repo / "broken").exists()
    assert git(repo, "rev-parse", "bad") == bad
    assert not _is_ancestor(repo, bad, "main")


def test_a_verify_program_that_does_not_exist_fails_verification(repo: Path) -> None:
    make_branch(repo, "work", {"w.txt": "w\n"})
    opts = TrainOptions(target="main", verify="no-such-program-xyz --flag")
    result = run_train(repo, order.from_branches(["work"], repo), opts)
    assert [(e.task_id, e.reason) for e in result.ejected] == [("work", VERIFY_FAILED)]
    assert "No such file" in result.ejected[0].detail


def test_a_verify_that_hangs_times_out_and_all_it_started_is_stopped(
    repo: Path, tmp_path: Path
) -> None:
    make_branch(repo, "slow", {"s.txt": "s\n"})
    pid_file = tmp_path / "sleeper.pid"
    verify = f"sleep 30 & echo $! > {pid_file}; wait"
    opts = TrainOptions(target="main", verify=verify, verify_timeout=1.0)
    result = run_train(repo, order.from_branches(["slow"], repo), opts)
    assert [(e.task_id, e.reason) for e in result.ejected] == [("slow", VERIFY_FAILED)]
    assert "timed out" in result.ejected[0].detail
    sleeper = int(pid_file.read_text())
    assert not Path(f"/proc/{sleeper}").exists() or "Z" in _proc_state(sleeper)


def _proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0]
    except OSError:
        return "Z"


def test_an_unwritable_log_stops_the_train_with_the_target_verified(repo: Path) -> None:
    make_branch(repo, "work", {"w.txt": "w\n"})
    logs = repo / ".buildrunner" / "merge" / "logs"
    logs.parent.mkdir(parents=True)
    logs.write_text("not a folder")  # as unwritable as a full disk, even for root
    before = git(repo, "rev-parse", "main")
    with pytest.raises(MergeError, match="cannot write the verify log"):
        run_train(repo, order.from_branches(["work"], repo), TrainOptions("main", verify="true"))
    assert git(repo, "rev-parse", "main") == before
    assert not (repo / ".buildrunner" / "merge" / "train.json").exists()
    assert "brgit-merge" not in git(repo, "worktree", "list")


def test_without_verify_no_scratch_worktree_is_made(repo: Path) -> None:
    make_branch(repo, "one", {"one.txt": "1\n"})
    make_branch(repo, "two", {"README.md": "two\n"})
    result = run_train(repo, order.from_branches(["one", "two"], repo), TrainOptions("main"))
    assert [m.task_id for m in result.merged] == ["one", "two"]
    assert (repo / "README.md").read_text() == "two\n"
    assert not (repo / ".git" / "brgit-merge").exists()  # merged on commits alone
    make_branch(repo, "three", {"three.txt": "3\n"})
    run_train(repo, order.from_branches(["three"], repo), TrainOptions("main", verify="true"))
    assert (repo / ".git" / "brgit-merge").is_dir()  # (a verifying train makes one there)


def test_a_dirty_checkout_of_the_target_is_refused_and_kept(repo: Path) -> None:
    make_branch(repo, "work", {"w.txt": "w\n"})
    (repo / "README.md").write_text("my unsaved edit\n")
    before = git(repo, "rev-parse", "main")
    with pytest.raises(MergeError, match="uncommitted change"):
        run_train(repo, order.from_branches(["work"], repo), TrainOptions(target="main"))
    assert git(repo, "rev-parse", "main") == before
    assert (repo / "README.md").read_text() == "my unsaved edit\n"
    assert not (repo / ".buildrunner" / "merge" / "train.json").exists()


def test_untracked_files_do_not_block_and_survive(repo: Path) -> None:
    make_branch(repo, "work", {"w.txt": "w\n"})
    (repo / "notes.txt").write_text("mine\n")
    result = run_train(repo, order.from_branches(["work"], repo), TrainOptions(target="main"))
    assert [m.task_id for m in result.merged] == ["work"]
    assert (repo / "notes.txt").read_text() == "mine\n"


def test_an_untracked_file_in_the_way_stops_the_train_and_is_kept(repo: Path) -> None:
    make_branch(repo, "first", {"f.txt": "f\n"})
    make_branch(repo, "second", {"notes.txt": "theirs\n"})
    (repo / "notes.txt").write_text("mine\n")
    with pytest.raises(MergeError, match="could not update the checkout"):
        run_train(repo, order.from_branches(["first", "second"], repo), TrainOptions("main"))
    assert (repo / "notes.txt").read_text() == "mine\n"
    assert subjects(repo)[-1] == "br merge: first"  # the last verified commit
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    assert not (repo / ".buildrunner" / "merge" / "train.json").exists()
    [done] = [e for e in _events(repo) if e["event_type"] == "merge_completed"]
    assert done["success"] is False and "could not update the checkout" in str(done["error"])


def test_a_target_not_checked_out_moves_by_compare_and_swap(repo: Path) -> None:
    git(repo, "branch", "integration")
    make_branch(repo, "work", {"w.txt": "w\n"})
    head = git(repo, "rev-parse", "HEAD")
    result = run_train(
        repo, order.from_branches(["work"], repo), TrainOptions(target="integration")
    )
    assert git(repo, "rev-parse", "integration") == result.final_commit != head
    assert git(repo, "rev-parse", "HEAD") == head  # the user's checkout did not move


def test_a_target_checked_out_in_a_linked_worktree_follows_there(
    repo: Path, tmp_path: Path
) -> None:
    git(repo, "branch", "release")
    other = tmp_path / "release-checkout"
    git(repo, "worktree", "add", "-q", str(other), "release")
    make_branch(repo, "fix", {"fix.txt": "fix\n"})
    result = run_train(repo, order.from_branches(["fix"], repo), TrainOptions(target="release"))
    assert git(other, "rev-parse", "HEAD") == result.final_commit
    assert (other / "fix.txt").read_text() == "fix\n"
    assert git(other, "status", "--porcelain") == ""
    assert not (repo / "fix.txt").exists()  # main's checkout is not involved


def test_dependency_of_an_ejected_task_is_ejected_too(repo: Path) -> None:
    tasks = [Task("base"), Task("a"), Task("b", depends_on=["a"])]
    files = {"base": {"README.md": "base\n"}, "a": {"README.md": "a\n"}, "b": {"b.txt": "b\n"}}
    make_session(repo, "s2", tasks, files)
    result = _session_train(repo, "s2")
    reasons = {e.task_id: e.reason for e in result.ejected}  # type: ignore[attr-defined]
    assert reasons == {"a": CONFLICT, "b": DEPENDENCY}
    assert git(repo, "rev-parse", "br/s2/b") != ""


def test_tasks_that_did_not_complete_are_skipped(repo: Path) -> None:
    tasks = [Task("ok"), Task("nope")]
    make_session(repo, "s3", tasks, {"ok": {"ok.txt": "1\n"}}, status={"nope": "failed"})
    result = _session_train(repo, "s3")
    assert [m.task_id for m in result.merged] == ["ok"]  # type: ignore[attr-defined]
    skipped = [(s.task_id, s.reason) for s in result.skipped]  # type: ignore[attr-defined]
    assert skipped == [("nope", "not completed (failed)")]


def test_on_conflict_stop_stops_the_train(repo: Path) -> None:
    make_branch(repo, "a", {"README.md": "a\n"})
    make_branch(repo, "b", {"README.md": "b\n"})
    make_branch(repo, "c", {"c.txt": "c\n"})
    items = order.from_branches(["a", "b", "c"], repo)
    result = run_train(repo, items, TrainOptions(target="main", on_conflict="stop"))
    assert result.stopped
    assert [m.task_id for m in result.merged] == ["a"]
    assert [(s.task_id, s.reason) for s in result.skipped] == [("c", "train stopped")]
    assert not (repo / "c.txt").exists()


def test_stop_after_a_failed_verification_lists_what_was_left(repo: Path) -> None:
    for name, files in (("a", {"a.txt": "a"}), ("b", {"broken": "b"}), ("c", {"c.txt": "c"})):
        make_branch(repo, name, files)
    items = order.from_branches(["a", "b", "c"], repo)
    opts = TrainOptions(target="main", verify=BREAKS, on_conflict="stop", batch=3)
    result = run_train(repo, items, opts)
    assert result.stopped and [m.task_id for m in result.merged] == ["a"]
    assert [(e.task_id, e.reason) for e in result.ejected] == [("b", VERIFY_FAILED)]
    assert [(s.task_id, s.reason) for s in result.skipped] == [("c", "train stopped")]


def test_batch_mode_bisects_to_the_culprit(repo: Path) -> None:
    names = [f"t{i:02d}" for i in range(16)]
    for name in names:
        files = {"broken": "x\n"} if name == "t04" else {f"{name}.txt": name}
        make_branch(repo, name, files)
    items = order.from_branches(names, repo)
    result = run_train(repo, items, TrainOptions(target="main", verify=BREAKS, batch=16))
    assert [(e.task_id, e.reason) for e in result.ejected] == [("t04", VERIFY_FAILED)]
    assert [m.task_id for m in result.merged] == [n for n in names if n != "t04"]
    assert result.verify_runs == 6  # 16 together, bisect 8/4/6/5, the 11 left together
    assert not (repo / "broken").exists()
    assert all((repo / f"{n}.txt").exists() for n in names if n != "t04")


@pytest.mark.parametrize("strategy", ["merge", "squash", "rebase"])
def test_each_strategy_integrates_both_branches(repo: Path, strategy: str) -> None:
    make_branch(repo, "one", {"one.txt": "1\n"})
    make_branch(repo, "two", {"two.txt": "2\n"})
    start = git(repo, "rev-parse", "main")
    items = order.from_branches(["one", "two"], repo)
    result = run_train(repo, items, TrainOptions(target="main", strategy=strategy))
    assert len(result.merged) == 2
    assert (repo / "one.txt").exists() and (repo / "two.txt").exists()
    merges = git(repo, "rev-list", "--merges", f"{start}..main").split()
    log = subjects(repo)[1:]
    if strategy == "merge":
        assert len(merges) == 2 and log == ["br merge: one", "br merge: two"]
    elif strategy == "squash":
        assert merges == [] and log == ["br merge: one", "br merge: two"]
    else:
        assert merges == [] and log == ["work on one", "work on two"]


@pytest.mark.parametrize("strategy", ["merge", "squash", "rebase"])
def test_each_strategy_ejects_a_conflict_and_goes_on(repo: Path, strategy: str) -> None:
    make_branch(repo, "first", {"README.md": "first\n"})
    clash = make_branch(repo, "clash", {"README.md": "clash\n", "c.txt": "c\n"})
    make_branch(repo, "last", {"last.txt": "l\n"})
    items = order.from_branches(["first", "clash", "last"], repo)
    opts = TrainOptions(target="main", strategy=strategy, verify=BREAKS)
    result = run_train(repo, items, opts)
    assert [m.task_id for m in result.merged] == ["first", "last"]
    assert [(e.task_id, e.files) for e in result.ejected] == [("clash", ["README.md"])]
    assert (repo / "README.md").read_text() == "first\n" and not (repo / "c.txt").exists()
    assert git(repo, "rev-parse", "clash") == clash


def test_every_train_is_recorded_in_telemetry(repo: Path) -> None:
    make_branch(repo, "a", {"a.txt": "a\n"})
    make_branch(repo, "b", {"README.md": "b\n"})
    make_branch(repo, "c", {"README.md": "c\n"})
    items = order.from_branches(["a", "b", "c"], repo)
    run_train(repo, items, TrainOptions(target="main", verify="true"))
    kinds = [e["event_type"] for e in _events(repo)]
    assert kinds[0] == "merge_started" and kinds[-1] == "merge_completed"
    for kind in ("merge_merged", "merge_conflict", "merge_ejected", "verification_passed"):
        assert kind in kinds


def test_a_branch_with_nothing_new_is_not_merged_nor_verified(repo: Path) -> None:
    git(repo, "branch", "br/s/noop")  # a task whose agent changed nothing
    record = make_session(repo, "s", [Task("noop"), Task("after", depends_on=["noop"])],
                          {"after": {"after.txt": "x\n"}}, status={"noop": "pending"})  # fmt: skip
    record.tasks["noop"].status = "completed"
    record.tasks["noop"].branch = "br/s/noop"
    items, skipped = order.from_session(record, repo)
    result = run_train(repo, items, TrainOptions(target="main", verify="true"), skipped=skipped)
    assert [m.task_id for m in result.merged] == ["after"]  # its dependent still goes ahead
    assert [(s.task_id, s.reason) for s in result.skipped] == [("noop", "no changes")]
    assert result.verify_runs == 1 and result.ok


def test_verify_logs_mask_credentials(repo: Path, tmp_path: Path) -> None:
    from brgit.merge.verify import run_verify

    key = "sk-ant-api03-" + "Q" * 60
    log = tmp_path / "verify.log"
    outcome = run_verify(f"echo leaked {key}; exit 1", repo, log, timeout=30)
    assert not outcome.ok
    text = log.read_text()
    assert "leaked sk-a" in text and key not in text and key not in outcome.tail


def _advances(repo: Path) -> list[str]:
    """The reflog entries of main written by the train, oldest first."""
    out = git(repo, "reflog", "show", "--format=%gs", "refs/heads/main")
    return [line for line in reversed(out.splitlines()) if "br merge: advance" in line]


def test_a_quick_train_lands_its_verified_work_once(repo: Path) -> None:
    for name in ("a", "b", "c"):
        make_branch(repo, name, {f"{name}.txt": f"{name}\n"})
    opts = TrainOptions("main", verify="true")
    result = run_train(repo, order.from_branches(["a", "b", "c"], repo), opts)
    assert [m.task_id for m in result.merged] == ["a", "b", "c"]
    assert len({m.commit for m in result.merged}) == 3  # each merge is its own verified commit
    assert result.final_commit == result.merged[-1].commit == git(repo, "rev-parse", "main")
    assert len(_advances(repo)) == 1  # main and its checkout moved once, at the end
    assert (repo / "c.txt").read_text() == "c\n"
    assert not state_file_exists(repo, "verified.jsonl")


def test_a_slow_train_lands_after_every_verify(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from brgit.merge import train

    monkeypatch.setattr(train, "LAND_EVERY", 0.0)  # as if each verify took longer than that
    for name in ("a", "b", "c"):
        make_branch(repo, name, {f"{name}.txt": f"{name}\n"})
    opts = TrainOptions("main", verify="true")
    result = run_train(repo, order.from_branches(["a", "b", "c"], repo), opts)
    assert len(_advances(repo)) == 3
    assert [m.commit for m in result.merged] == [
        git(repo, "rev-parse", f"main~{n}") for n in (2, 1, 0)
    ]


def test_an_interrupted_train_lands_what_it_verified(repo: Path) -> None:
    for name in ("a", "b", "c"):
        make_branch(repo, name, {f"{name}.txt": f"{name}\n"})

    def progress(line: str) -> None:
        if line == "verify passed for c":
            raise KeyboardInterrupt  # Ctrl-C while `c` is being verified: a and b passed

    opts = TrainOptions("main", verify="true")
    with pytest.raises(KeyboardInterrupt):
        run_train(repo, order.from_branches(["a", "b", "c"], repo), opts, progress=progress)
    assert subjects(repo)[1:] == ["br merge: a", "br merge: b"]
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    assert not state_file_exists(repo, "train.json")
    assert not state_file_exists(repo, "verified.jsonl")
    merged = [e for e in _events(repo) if e["event_type"] == "merge_merged"]
    assert [e["task_id"] for e in merged] == ["a", "b"]


def state_file_exists(repo: Path, name: str) -> bool:
    return (repo / ".buildrunner" / "merge" / name).exists()


def test_a_train_ends_at_the_tree_plain_git_merges_would_give(repo: Path, tmp_path: Path) -> None:
    """Random branches, some clashing: the train's final tree is the tree a person gets by
    `git merge`-ing the same branches in the same order, skipping the ones that conflict."""
    import random
    import shutil

    rng = random.Random(6)
    for i in range(12):
        folder = f"pkg{i % 3}/sub{i % 2}"
        (repo / folder).mkdir(parents=True, exist_ok=True)
        (repo / folder / f"f{i}.txt").write_text("".join(f"{i} line {n}\n" for n in range(12)))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "tree")
    files = git(repo, "ls-files").split()
    names = []
    for b in range(10):
        edits: dict[str, str] = {f"new/b{b}.txt": f"{b}\n"}
        for rel in rng.sample(files, 2):
            lines = (repo / rel).read_text().splitlines(keepends=True)
            lines[rng.randrange(len(lines))] = f"branch {b}\n"
            edits[rel] = "".join(lines)
        make_branch(repo, f"r{b}", edits)
        names.append(f"r{b}")
    by_hand = tmp_path / "by-hand"
    shutil.copytree(repo, by_hand, symlinks=True)
    result = run_train(repo, order.from_branches(names, repo), TrainOptions("main", verify="true"))
    for name in names:
        merged = subprocess.run(
            ["git", "merge", "-q", "--no-ff", "--no-edit", name], cwd=by_hand, capture_output=True
        )
        if merged.returncode != 0:
            git(by_hand, "merge", "--abort")
    conflicted = [e.task_id for e in result.ejected]
    assert conflicted and len(result.merged) >= 5
    assert all(e.reason == CONFLICT for e in result.ejected)
    assert git(repo, "rev-parse", "main^{tree}") == git(by_hand, "rev-parse", "main^{tree}")


def test_the_checkout_found_at_landing_follows_even_if_the_user_switched_to_it(
    repo: Path,
) -> None:
    make_branch(repo, "work", {"w.txt": "w\n"})
    git(repo, "checkout", "-q", "-b", "dev")  # main is checked out nowhere when the train starts
    switch = f"git -C {repo} checkout -q main"  # ... and the user switches to it meanwhile
    result = run_train(
        repo, order.from_branches(["work"], repo), TrainOptions("main", verify=switch)
    )
    assert [m.task_id for m in result.merged] == ["work"]
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "main"
    assert (repo / "w.txt").read_text() == "w\n"  # the files came along with the branch
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""


def test_a_commit_that_lands_on_the_target_during_the_reset_is_put_back(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brgit.gitops import merge as gm

    old = git(repo, "rev-parse", "main")
    tree = git(repo, "rev-parse", "main^{tree}")
    new = git(repo, "commit-tree", tree, "-p", old, "-m", "verified merge")
    theirs = commit_file(repo, "theirs.txt", "mine\n", "the user's commit")
    # the check saw `old` (the user's commit came right after it): the reset must not win
    monkeypatch.setattr(gm, "ref_value", lambda root, ref: old)
    with pytest.raises(MergeError, match="moved during the train"):
        gm.advance(repo, "main", new, old, repo)
    assert git(repo, "rev-parse", "main") == theirs
    assert (repo / "theirs.txt").read_text() == "mine\n"
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""


def test_verified_work_that_cannot_land_is_named_in_the_one_line_error(
    repo: Path, tmp_path: Path
) -> None:
    import sys

    make_branch(repo, "a", {"a.txt": "a\n"})
    make_branch(repo, "b", {"b.txt": "theirs\n"})
    (repo / "b.txt").write_text("untracked, mine\n")  # in the way of b when main lands
    proc = subprocess.run(
        [sys.executable, "-m", "brgit", "merge", "a", "b", "--target", "main", "--verify",
         "true", "--format", "json"],
        cwd=repo, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "verified but not landed on main: b" in proc.stderr
    unlanded = proc.stderr.split("(commit ")[1].split(";")[0]
    assert git(repo, "cat-file", "-t", unlanded) == "commit"  # named, so it can be merged
    assert subjects(repo)[-1] == "br merge: a"  # what could land did
    assert (repo / "b.txt").read_text() == "untracked, mine\n"


def test_batch_squash_lists_each_branch_with_its_own_squash_commit(repo: Path) -> None:
    for name in ("a", "b", "c"):
        make_branch(repo, name, {f"{name}.txt": f"{name}\n"})
    opts = TrainOptions("main", strategy="squash", verify="true", batch=3)
    result = run_train(repo, order.from_branches(["a", "b", "c"], repo), opts)
    assert result.verify_runs == 1
    for merged in result.merged:
        assert (
            git(repo, "show", "-s", "--format=%s", merged.commit) == f"br merge: {merged.task_id}"
        )
    assert result.merged[-1].commit == result.final_commit


def test_a_failed_verify_keeps_whole_lines_and_names_its_log(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    make_branch(repo, "work", {"w.txt": "w\n"})
    long_line = "E   AssertionError: " + "value " * 80 + "END"
    verify = f"echo first; echo '{long_line}'; exit 1"
    result = run_train(
        repo, order.from_branches(["work"], repo), TrainOptions("main", verify=verify)
    )
    [ejection] = result.ejected
    assert ejection.detail == f"first | {long_line}"  # whole lines, not the command line
    assert Path(ejection.log).is_file() and long_line in Path(ejection.log).read_text()
    make_branch(repo, "again", {"again.txt": "a\n"})
    shown = br("merge", "again", "--target", "main", "--verify", verify, cwd=repo)
    assert shown.code == 1 and "Full verify output of again: " in shown.out
    assert ".buildrunner/merge/logs/" in shown.out
