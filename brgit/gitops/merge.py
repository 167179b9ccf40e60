"""Git plumbing of the merge train: prediction, merges, scratch worktrees, safe ref updates.

Git writes every object and ref: trees come from `git merge-tree --write-tree` (the `ort`
engine of `git merge`), commits from `git commit-tree`, and the target moves only through
`git update-ref <ref> <new> <old>` (compare-and-swap) or `git reset --keep` in its checkout.
Nothing here reads or writes files inside `.git` itself, so object formats, ref storage
(files or reftable) and new `core.*` settings stay git's business. Every failure becomes a
`GitError` (or `MergeError`) with git's own first line.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from brgit.errors import GitError, MergeError, NotFoundError
from brgit.gitops.git import first_line, rev_parse, run_git, worktree_admin_lock

NO_HOOKS = "--no-verify"
# `git rebase` would otherwise spawn `git maintenance run --auto`; the train runs it once.
QUIET = ["-c", "maintenance.auto=false", "-c", "gc.auto=0"]


@dataclass(frozen=True)
class Prediction:
    """What `git merge-tree --write-tree` says a merge would give."""

    clean: bool
    tree: str
    conflicts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StepResult:
    """One merge: the new commit (`base` itself when nothing changed), or the conflicts."""

    ok: bool
    commit: str
    conflicts: list[str] = field(default_factory=list)


def predict(ours: str, theirs: str, cwd: Path) -> Prediction:
    """Predict merging `theirs` into `ours`; touches no working tree, index or ref.

    git 2.39 exits 1 both for a conflict and for a bad ref; only the conflict prints a tree,
    so an empty stdout is an error, never a conflict.
    """
    args = ["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", ours, theirs]
    result = run_git(args, cwd, check=False)
    parts = [p for p in result.stdout.split("\0") if p]
    if result.returncode not in (0, 1) or not parts:
        raise GitError(f"git merge-tree {ours} {theirs}: {first_line(result.stderr)}")
    conflicts = list(dict.fromkeys(parts[1:]))
    return Prediction(result.returncode == 0, parts[0], conflicts)


def commit_tree(
    tree: str, parents: list[str], message: str, cwd: Path, *, forecast: bool = False
) -> str:
    """Write a commit object (no ref moves); a `forecast` one is not signed as the user."""
    args = ["commit-tree", tree, *(a for p in parents for a in ("-p", p)), "-m", message]
    return run_git(args, cwd, env=_FORECAST_IDENTITY if forecast else None).stdout.strip()


_FORECAST_IDENTITY = {
    "GIT_AUTHOR_NAME": "br forecast",
    "GIT_AUTHOR_EMAIL": "br@localhost",
    "GIT_COMMITTER_NAME": "br forecast",
    "GIT_COMMITTER_EMAIL": "br@localhost",
}


def tip(root: Path, branch: str) -> str:
    """A branch's commit; NotFoundError if there is no such branch."""
    ref = f"refs/heads/{branch}"
    result = run_git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root, check=False)
    if not result.ok or not result.stdout.strip():
        raise NotFoundError(f"no branch named {branch!r} to merge into")
    return result.stdout.strip()


def tree_of(cwd: Path, commit: str) -> str:
    return run_git(["rev-parse", f"{commit}^{{tree}}"], cwd).stdout.strip()


@dataclass
class Merger:
    """Merges for one train: plumbing for `merge` and `squash`, a worktree for `rebase`.

    `trees` remembers the tree of each commit this merger saw or wrote (one train's worth;
    it goes with the merger), so "did the merge change anything" costs no extra process."""

    repo: Path
    builder: Path | None = None  # a worktree, needed only to rebase
    trees: dict[str, str] = field(default_factory=dict)

    def tree(self, commit: str) -> str:
        if commit not in self.trees:
            self.trees[commit] = tree_of(self.repo, commit)
        return self.trees[commit]

    def merge(self, base: str, rev: str, message: str, *, squash: bool = False) -> StepResult:
        """`rev` merged on `base` as a merge commit (or, `squash`, one ordinary commit)."""
        prediction = predict(base, rev, self.repo)
        if not prediction.clean:
            return StepResult(False, base, prediction.conflicts)
        if prediction.tree == self.tree(base):
            return StepResult(True, base)  # already contained: nothing to commit
        parents = [base] if squash else [base, rev]
        commit = commit_tree(prediction.tree, parents, message, self.repo)
        self.trees[commit] = prediction.tree
        return StepResult(True, commit)

    def rebase(self, base: str, rev: str) -> StepResult:
        """`rev`'s commits replayed on `base` in the builder worktree (linear history)."""
        if self.builder is None:
            raise MergeError("the rebase strategy needs a scratch worktree")
        where = self.builder
        run_git(["checkout", "-q", "-f", "--detach", rev], where)
        result = run_git([*QUIET, "rebase", "-q", NO_HOOKS, base], where, check=False)
        if not result.ok:
            files = conflicted(where)
            run_git(["rebase", "--abort"], where, check=False)
            if files or "CONFLICT" in result.stderr + result.stdout:
                return StepResult(False, base, files)
            raise GitError(f"rebase failed: {first_line(result.stderr + result.stdout)}")
        return StepResult(True, head(where))


def head(worktree: Path) -> str:
    return run_git(["rev-parse", "HEAD"], worktree).stdout.strip()


def conflicted(worktree: Path) -> list[str]:
    out = run_git(["diff", "--name-only", "--diff-filter=U", "-z"], worktree, check=False).stdout
    return [p for p in out.split("\0") if p]


def add_scratch(root: Path, path: Path, commit: str) -> Path:
    """A detached worktree at `commit` where the train verifies (or rebases)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with worktree_admin_lock(root):
        run_git(["worktree", "add", "--detach", "-q", "-f", str(path), commit], root)
    return path


def remove_scratch(root: Path, path: Path) -> None:
    """Remove a scratch worktree (whatever state it is in) and prune git's record of it."""
    with worktree_admin_lock(root):
        removed = False
        if path.exists():
            args = ["worktree", "remove", "--force", "--force", str(path)]
            removed = run_git(args, root, check=False).ok
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
        if not removed:  # `worktree remove` also drops git's record; else prune does
            run_git(["worktree", "prune"], root, check=False)


def checkout(worktree: Path, commit: str) -> None:
    """Put a scratch worktree at `commit`: tracked files follow, whatever a verify run left in
    them; untracked files (caches, build output) stay unless `commit` tracks them."""
    run_git(["checkout", "-q", "-f", "--detach", commit], worktree)


def worktree_of_branch(root: Path, branch: str) -> Path | None:
    """The worktree that has `branch` checked out, if any."""
    out = run_git(["worktree", "list", "--porcelain"], root).stdout
    current_path: Path | None = None
    for line in out.splitlines():
        if line.startswith("worktree "):
            current_path = Path(line[len("worktree ") :])
        elif line == f"branch refs/heads/{branch}":
            return current_path
    return None


def tracked_changes(worktree: Path) -> list[str]:
    """Uncommitted changes to tracked files (staged or not)."""
    out = run_git(["status", "--porcelain", "--untracked-files=no"], worktree).stdout
    return [line for line in out.splitlines() if line]


def advance(root: Path, branch: str, new: str, old: str, checkout_at: Path | None) -> None:
    """Move `branch` from `old` to `new`, never from anything else.

    Not checked out: `git update-ref` compare-and-swap. Checked out in a worktree: after
    checking the branch is still at `old`, `git reset --keep` there moves branch, index and
    files together, and refuses (changing nothing) rather than overwrite local changes or
    untracked files.
    """
    ref = f"refs/heads/{branch}"
    if checkout_at is None:
        args = ["update-ref", "-m", f"br merge: advance to {new[:12]}", ref, new, old]
        if not run_git(args, root, check=False).ok:
            raise MergeError(f"{branch} moved during the train; left it at {current(root, ref)}")
        return
    if not _has_checked_out(checkout_at, ref):  # switched away meanwhile: plain CAS then
        return advance(root, branch, new, old, None)
    if ref_value(root, ref) != old:
        raise MergeError(f"{branch} moved during the train; left it at {current(root, ref)}")
    action = f"br merge: advance to {new[:12]}"
    moved = run_git(
        ["reset", "-q", "--keep", new], checkout_at, check=False, env={"GIT_REFLOG_ACTION": action}
    )
    if not moved.ok:
        raise MergeError(
            f"could not update the checkout of {branch} at {checkout_at}: "
            f"{first_line(moved.stderr)}"
        )
    # `reset --keep` moves whatever the branch points at by then: if a commit landed on it
    # between the check above and the reset (a window of one process start), put it back
    before = _moved_from(root, ref, action)
    if before is not None and before != old:
        run_git(["reset", "-q", "--keep", before], checkout_at, check=False)
        raise MergeError(f"{branch} moved during the train; left it at {current(root, ref)}")


def _moved_from(root: Path, ref: str, action: str) -> str | None:
    """The commit `ref` pointed at before its newest reflog entry written with `action`
    (None without a reflog, e.g. `core.logAllRefUpdates` off: nothing to check against)."""
    args = ["reflog", "show", "-n", "50", "--format=%H%x00%gs", ref, "--"]
    result = run_git(args, root, check=False)
    entries = [line.split("\0", 1) for line in result.stdout.splitlines() if "\0" in line]
    for index, (_, subject) in enumerate(entries):
        if action in subject:
            return entries[index + 1][0] if index + 1 < len(entries) else None
    return None


def _has_checked_out(worktree: Path, ref: str) -> bool:
    """Whether `worktree`'s HEAD is (still) the symbolic ref `ref`."""
    result = run_git(["symbolic-ref", "-q", "HEAD"], worktree, check=False)
    return result.ok and result.stdout.strip() == ref


def ref_value(root: Path, ref: str) -> str:
    """A branch's commit, or "(missing)"."""
    return current(root, ref)


def maintain(root: Path) -> None:
    """`git maintenance run --auto`, once per train (plumbing commands never trigger it)."""
    run_git(["maintenance", "run", "--auto", "--quiet"], root, check=False)


def current(root: Path, rev: str) -> str:
    try:
        return rev_parse(rev, root)
    except NotFoundError:
        return "(missing)"
