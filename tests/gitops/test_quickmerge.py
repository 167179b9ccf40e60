"""In-process merges answer only when git's would be the same, and then exactly git's tree."""

from __future__ import annotations

import os
import random
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from brgit.gitops import merge as gm
from brgit.gitops.git import run_git
from brgit.gitops.objects import CommitWriter
from brgit.gitops.quickmerge import QuickMerger, unique_bases
from tests.conftest import git

Edit = Callable[[Path], None]


def _write(rel: str, text: str) -> Edit:
    def edit(root: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)

    edit.__doc__ = f"write {rel} {text!r}"
    return edit


def _remove(rel: str) -> Edit:
    def edit(root: Path) -> None:
        git(root, "rm", "-rq", rel)

    edit.__doc__ = f"remove {rel}"
    return edit


def _chmod(rel: str) -> Edit:
    return lambda root: (root / rel).chmod(0o755)


def _link(rel: str, to: str) -> Edit:
    return lambda root: os.symlink(to, root / rel)


def _rename(old: str, new: str) -> Edit:
    def edit(root: Path) -> None:
        (root / new).parent.mkdir(parents=True, exist_ok=True)
        git(root, "mv", old, new)

    edit.__doc__ = f"rename {old} {new}"
    return edit


BASE = {
    "top.txt": "top\n",
    "lines.txt": "".join(f"line {i}\n" for i in range(20)),
    "src/a.py": "a = 1\n",
    "src/b.py": "b = 2\n",
    "src/deep/c.py": "c = 3\n",
    "docs/readme.md": "docs\n",
}


@pytest.fixture
def base_repo(repo: Path) -> Path:
    for rel, text in BASE.items():
        _write(rel, text)(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


def _branch(repo: Path, name: str, edits: list[Edit]) -> str:
    git(repo, "checkout", "-q", "-b", name, "main")
    for edit in edits:
        edit(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", name)
    tip = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "main")
    return tip


def _quick_and_git(repo: Path, ours: list[Edit], theirs: list[Edit]) -> tuple[str | None, str]:
    """(the in-process tree or None, git merge-tree's tree or 'conflict')."""
    start = git(repo, "rev-parse", "main")
    mine = _branch(repo, f"ours{len(git(repo, 'branch').split())}", ours)
    other = _branch(repo, f"theirs{len(git(repo, 'branch').split())}", theirs)
    writer = CommitWriter.open(repo, repo / ".git")
    quick = QuickMerger.open(repo, writer, start, [other])
    assert quick is not None and quick.eligible(other)
    try:
        ours_tree = git(repo, "rev-parse", f"{mine}^{{tree}}")
        answer = quick.merge_tree(mine, ours_tree, other)
    finally:
        quick.close()
    predicted = gm.predict(mine, other, repo)
    return answer, predicted.tree if predicted.clean else "conflict"


CASES: dict[str, tuple[list[Edit], list[Edit], bool]] = {
    # name: (ours, theirs, answered in-process)
    "disjoint new files": ([_write("o.txt", "o\n")], [_write("t.txt", "t\n")], True),
    "new files in one folder": (
        [_write("src/o.py", "o\n")],
        [_write("src/t.py", "t\n"), _write("src/deep/new/t.py", "t\n")],
        True,
    ),
    "each side edits its own file": (
        [_write("src/a.py", "a = 10\n")],
        [_write("src/deep/c.py", "c = 30\n")],
        True,
    ),
    "the same edit on both sides": (
        [_write("top.txt", "same\n")],
        [_write("top.txt", "same\n"), _write("t.txt", "t\n")],
        True,
    ),
    "ours unchanged": ([], [_write("t.txt", "t\n")], True),
    "they delete a file ours left alone": ([_write("o.txt", "o\n")], [_remove("top.txt")], True),
    "they rename a file ours left alone": (
        [_write("o.txt", "o\n")],
        [_rename("src/b.py", "lib/b.py")],
        True,
    ),
    "they make a file executable": ([_write("o.txt", "o\n")], [_chmod("src/a.py")], True),
    "they add a symlink": ([_write("o.txt", "o\n")], [_link("link", "top.txt")], True),
    "both edit one file, cleanly mergeable": (
        [_write("lines.txt", BASE["lines.txt"].replace("line 1\n", "ONE\n"))],
        [_write("lines.txt", BASE["lines.txt"].replace("line 18\n", "EIGHTEEN\n"))],
        False,
    ),
    "both edit one line: conflict": (
        [_write("top.txt", "mine\n")],
        [_write("top.txt", "theirs\n")],
        False,
    ),
    "the same deletion on both sides only": ([_remove("top.txt")], [_remove("top.txt")], True),
    "both delete one file, and more": (
        [_remove("top.txt"), _write("o.txt", "o\n")],
        [_remove("top.txt"), _write("t.txt", "t\n")],
        False,
    ),
    "both rename one file apart": (
        [_rename("top.txt", "a.txt")],
        [_rename("top.txt", "b.txt")],
        False,
    ),
    "they remove a folder": ([_write("o.txt", "o\n")], [_remove("docs")], False),
    "they rename a folder ours added to": (
        [_write("src/deep/o.py", "o\n")],
        [_rename("src/deep", "lib/deep")],
        False,
    ),
    "file against folder": ([_write("x", "file\n")], [_write("x/inside", "dir\n")], False),
    "both turn a folder into the same file": (
        [_remove("docs/readme.md"), _write("docs", "same\n"), _write("o.txt", "o\n")],
        [_remove("docs/readme.md"), _write("docs", "same\n"), _write("t.txt", "t\n")],
        False,
    ),
    "ours renames what they edit": (
        [_rename("src/a.py", "src/z.py")],
        [_write("src/a.py", "a = 100\n")],
        False,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_in_process_merge_agrees_with_git_merge_tree(base_repo: Path, case: str) -> None:
    ours, theirs, answered = CASES[case]
    quick, by_git = _quick_and_git(base_repo, ours, theirs)
    if answered:
        assert quick == by_git  # the very same tree object
    else:
        assert quick is None  # handed to git


def test_random_edits_never_disagree_with_git(base_repo: Path) -> None:
    """Random edit mixes: whenever the in-process merge answers, it is git's tree."""
    rng = random.Random(20261123)
    files = [*BASE, "new/one.txt", "new/two.txt", "src/new.py", "docs/more.md"]

    def edits() -> list[Edit]:
        chosen: list[Edit] = []
        for rel in rng.sample(files, rng.randint(0, 4)):
            kind = rng.random()
            if kind < 0.6:
                chosen.append(_write(rel, rng.choice(["x\n", "y\n", f"{rel}\n"])))
            elif rel in BASE and kind < 0.8:
                chosen.append(_remove(rel))
            elif rel in BASE:
                chosen.append(_rename(rel, f"moved/{rel}"))
        return chosen

    answered = 0
    for _ in range(120):
        ours, theirs = edits(), edits()
        try:
            quick, by_git = _quick_and_git(base_repo, ours, theirs)
        except (subprocess.CalledProcessError, OSError):  # an edit mix that cannot be made
            # (moving a moved file, writing under a file): skipped; anything else fails the test
            git(base_repo, "checkout", "-q", "-f", "main")
            continue
        if quick is not None:
            answered += 1
            shown = [[e.__doc__ for e in ours], [e.__doc__ for e in theirs]]
            assert quick == by_git, shown
    assert answered >= 30  # the in-process path was exercised, not just skipped


def test_only_branches_with_one_way_out_of_their_history_are_merged_in_process(
    base_repo: Path,
) -> None:
    start = git(base_repo, "rev-parse", "main")
    alone = _branch(base_repo, "alone", [_write("a.txt", "a\n")])
    git(base_repo, "checkout", "-q", "-b", "stacked", "alone")
    _write("s.txt", "s\n")(base_repo)
    git(base_repo, "add", "-A")
    git(base_repo, "commit", "-q", "-m", "on top of alone")
    stacked = git(base_repo, "rev-parse", "HEAD")
    git(base_repo, "checkout", "-q", "main")
    writer = CommitWriter.open(base_repo, base_repo / ".git")
    # `stacked` shares `alone`'s commit: neither is decided in-process; nor is the start itself
    # (it brings nothing)
    assert QuickMerger.open(base_repo, writer, start, [alone, stacked, start]) is None
    listed = run_git(["rev-list", "--parents", alone, stacked, "--not", start], base_repo)
    assert unique_bases(listed, [alone, stacked, start]) == {}
    assert unique_bases(listed, [alone]) == {alone: start}
    independent = _branch(base_repo, "independent", [_write("i.txt", "i\n")])
    quick = QuickMerger.open(base_repo, writer, start, [independent])
    assert quick is not None and quick.bases == {independent: start}
    quick.close()
    assert QuickMerger.open(base_repo, None, start, [independent]) is None  # no writer


def test_a_train_merged_in_process_leaves_a_sound_repository(base_repo: Path) -> None:
    from brgit.merge import order
    from brgit.merge.model import TrainOptions
    from brgit.merge.train import run_train

    names = [f"w{i}" for i in range(5)]
    for i, name in enumerate(names):
        _branch(base_repo, name, [_write(f"src/w{i}.py", f"w = {i}\n")])
    _branch(base_repo, "edits-top", [_write("lines.txt", "changed\n")])
    _branch(base_repo, "also-top", [_write("lines.txt", "conflict\n")])
    items = order.from_branches([*names, "edits-top", "also-top"], base_repo)
    result = run_train(base_repo, items, TrainOptions("main", verify="test -f top.txt"))
    assert [m.task_id for m in result.merged] == [*names, "edits-top"]
    assert [e.task_id for e in result.ejected] == ["also-top"]
    assert git(base_repo, "fsck", "--strict", "--no-progress", "--no-dangling") == ""
    assert sorted(git(base_repo, "ls-tree", "--name-only", "main", "src/").split()) == sorted(
        ["src/a.py", "src/b.py", "src/deep", *(f"src/w{i}.py" for i in range(5))]
    )
    assert git(base_repo, "status", "--porcelain", "--untracked-files=no") == ""


def test_a_folder_emptied_between_both_sides_is_dropped_as_git_drops_it(
    base_repo: Path,
) -> None:
    for rel in ("pair/one.txt", "pair/two.txt"):
        _write(rel, f"{rel}\n")(base_repo)
    git(base_repo, "add", "-A")
    git(base_repo, "commit", "-q", "-m", "a folder of two")
    quick, by_git = _quick_and_git(base_repo, [_remove("pair/one.txt")], [_remove("pair/two.txt")])
    assert quick == by_git and quick is not None
    assert "pair" not in git(base_repo, "ls-tree", "--name-only", quick).split()


def test_a_tree_with_a_mode_git_would_rewrite_is_left_to_git(base_repo: Path) -> None:
    start = git(base_repo, "rev-parse", "main")
    blob = git(base_repo, "rev-parse", "main:top.txt")
    odd = (
        subprocess.run(
            ["git", "hash-object", "-w", "-t", "tree", "--literally", "--stdin"],
            cwd=base_repo,
            input=b"100664 odd.txt\0" + bytes.fromhex(blob),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    theirs = git(base_repo, "commit-tree", odd, "-p", start, "-m", "odd mode")
    writer = CommitWriter.open(base_repo, base_repo / ".git")
    quick = QuickMerger.open(base_repo, writer, start, [theirs])
    assert quick is not None
    try:
        start_tree = git(base_repo, "rev-parse", "main^{tree}")
        assert quick.merge_tree(start, start_tree, theirs) is None
    finally:
        quick.close()
