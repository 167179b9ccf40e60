"""Git plumbing of the merge train: prediction, the scratch worktree, merges, safe ref updates.

Everything here shells out to git (GitPython has no API for worktrees or `merge-tree`) through
`run_git`, so every failure becomes a `GitError` with git's own first line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from brgit.errors import GitError, MergeError, NotFoundError
from brgit.gitops.git import Background, first_line, rev_parse, run_git, worktree_admin_lock
from brgit.gitops.objects import CommitWriter
from brgit.gitops.quickmerge import QuickMerger

NO_HOOKS = "--no-verify"
# Each `git merge` would otherwise spawn `git maintenance run --auto`; the train runs it once.
QUIET = ["-c", "maintenance.auto=false", "-c", "gc.auto=0"]


@dataclass(frozen=True)
class Prediction:
    """What `git merge-tree --write-tree` says a merge would give."""

    clean: bool
    tree: str
    conflicts: list[str] = field(default_factory=list)


@dataclass
class Workspace:
    """Where a train merges: the repository, its scratch worktree (if files are needed), and
    the in-process commit writer (None: `git commit-tree` writes the commits).

    `upcoming` is the branch the train expects to merge next: as soon as a merge commit is
    written, `git merge-tree` starts predicting that branch on it, in the background, while
    the scratch worktree is brought up to date and verified."""

    repo: Path
    scratch: Path | None = None
    writer: CommitWriter | None = None
    upcoming: str | None = None
    quick: QuickMerger | None = None  # merges that need no content merge, in-process
    _ahead: dict[tuple[str, str], Background] = field(default_factory=dict)

    def look_ahead(self, ours: str, theirs: str) -> None:
        """Start predicting `theirs` on `ours` in the background, so the next merge does not
        wait for `git merge-tree`. Unused (and harmless) if the train goes another way."""
        if self.quick is not None and self.quick.eligible(theirs):
            return  # most likely merged in-process, without git
        if (ours, theirs) not in self._ahead:
            self._ahead.clear()
            where = self.scratch or self.repo
            self._ahead[(ours, theirs)] = Background(lambda: predict(ours, theirs, where))

    def predict(self, ours: str, theirs: str) -> Prediction:
        ours_tree = _TREES.get(ours)
        if self.quick is not None and ours_tree is not None:
            tree = self.quick.merge_tree(ours, ours_tree, theirs)
            if tree is not None:
                return Prediction(True, tree)
        ahead = self._ahead.pop((ours, theirs), None)
        if ahead is not None:
            found: Prediction = ahead.result()
            return found
        return predict(ours, theirs, self.scratch or self.repo)

    def close(self) -> None:
        if self.quick is not None:
            self.quick.close()
            self.quick = None


@dataclass(frozen=True)
class StepResult:
    """One merge done in the scratch worktree: the new HEAD, or the conflicting files."""

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
    tree: str, parents: list[str], message: str, cwd: Path, *, forecast: bool = True
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


def tip_and_tree(root: Path, branch: str) -> tuple[str, str]:
    """A branch's commit and its tree, in one process; NotFoundError if there is no branch."""
    ref = f"refs/heads/{branch}"
    result = run_git(["rev-parse", f"{ref}^{{commit}}", f"{ref}^{{tree}}"], root, check=False)
    lines = result.stdout.split()
    if not result.ok or len(lines) != 2:
        raise NotFoundError(f"no branch named {branch!r} to merge into")
    _TREES[lines[0]] = lines[1]
    return lines[0], lines[1]


def head(worktree: Path) -> str:
    """The commit at HEAD; read from the file when HEAD is detached (no process spawned)."""
    detached = _detached_head(worktree)
    return detached or run_git(["rev-parse", "HEAD"], worktree).stdout.strip()


def _git_dir(worktree: Path) -> Path | None:
    dotgit = worktree / ".git"
    try:
        if dotgit.is_file():
            return Path(dotgit.read_text(encoding="utf-8").split("gitdir:", 1)[1].strip())
    except (OSError, IndexError):
        return None
    return dotgit if dotgit.is_dir() else None


def _detached_head(worktree: Path) -> str | None:
    git_dir = _git_dir(worktree)
    try:
        text = (git_dir / "HEAD").read_text(encoding="utf-8").strip() if git_dir else ""
    except OSError:
        return None
    return text if len(text) in (40, 64) and all(c in _HEX for c in text) else None


_HEX = frozenset("0123456789abcdef")


def add_scratch(root: Path, path: Path, commit: str) -> Path:
    """A detached worktree at `commit` where the train merges and verifies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with worktree_admin_lock(root):
        run_git(["worktree", "add", "--detach", "-q", "-f", str(path), commit], root)
    return path


def remove_scratch(root: Path, path: Path) -> None:
    """Remove the scratch worktree (whatever state it is in) and prune git's record of it."""
    with worktree_admin_lock(root):
        removed = False
        if path.exists():
            args = ["worktree", "remove", "--force", "--force", str(path)]
            removed = run_git(args, root, check=False).ok
        if path.exists() and _in_scratch_area(root, path):
            import shutil

            shutil.rmtree(path, ignore_errors=True)
        if not removed:  # `worktree remove` also drops git's record; else prune does
            run_git(["worktree", "prune"], root, check=False)


def _in_scratch_area(root: Path, path: Path) -> bool:
    """Only a folder directly inside brgit's own `<git common dir>/brgit-merge/` (where
    `add_scratch` puts them) is ever deleted by hand, whatever a train record says."""
    from brgit import paths

    common = paths.locate(root).common_dir
    real = path.resolve()
    return common is not None and not path.is_symlink() and real.parent == common / "brgit-merge"


def reset_to(worktree: Path, commit: str) -> None:
    """Put the scratch worktree back at `commit`, dropping a half-done merge or rebase."""
    git_dir = _git_dir(worktree)
    if git_dir is not None and any(
        (git_dir / m).exists() for m in ("rebase-merge", "rebase-apply")
    ):
        run_git(["rebase", "--abort"], worktree, check=False)
    run_git(["reset", "-q", "--hard", commit], worktree)
    run_git(["clean", "-fdq"], worktree, check=False)


def conflicted(worktree: Path) -> list[str]:
    out = run_git(["diff", "--name-only", "--diff-filter=U", "-z"], worktree, check=False).stdout
    return [p for p in out.split("\0") if p]


def merge_commit(ws: Workspace, base: str, rev: str, message: str) -> StepResult:
    """A merge commit of `rev` on `base` (its message names the task)."""
    return _plumb(ws, base, rev, message, squash=False)


def squash(ws: Workspace, base: str, rev: str, message: str) -> StepResult:
    """All of `rev`'s changes as one commit on `base`."""
    return _plumb(ws, base, rev, message, squash=True)


def _plumb(ws: Workspace, base: str, rev: str, message: str, *, squash: bool) -> StepResult:
    """Merge with plumbing: `merge-tree` (same engine as `git merge`) and a commit object
    (written in-process when it can be, else `commit-tree`); with a scratch worktree (at
    `base`), `read-tree -m -u` brings its files along. A conflict leaves everything untouched.
    Fewer and lighter processes than `git merge`."""
    where = ws.scratch or ws.repo
    prediction = ws.predict(base, rev)
    if not prediction.clean:
        return StepResult(False, base, prediction.conflicts)
    if prediction.tree == tree_of(where, base):
        return StepResult(True, base)  # already contained: nothing to commit
    parents = [base] if squash else [base, rev]
    if ws.writer is not None and ws.writer.accepts(message):
        commit = ws.writer.commit(prediction.tree, parents, message)
    else:
        commit = commit_tree(prediction.tree, parents, message, where, forecast=False)
    _TREES[commit] = prediction.tree
    if ws.upcoming is not None:
        ws.look_ahead(commit, ws.upcoming)
    if ws.scratch is not None:
        scratch = ws.scratch
        if not run_git(["read-tree", "-m", "-u", base, commit], scratch, check=False).ok:
            reset_to(scratch, base)  # the verify command left changes behind
            run_git(["read-tree", "-m", "-u", base, commit], scratch)
        _set_detached_head(scratch, commit, base)
    return StepResult(True, commit)


def _set_detached_head(worktree: Path, commit: str, before: str) -> None:
    """Point the scratch worktree's detached HEAD at `commit` (its private file; no process)."""
    git_dir = _git_dir(worktree)
    if git_dir is None or _detached_head(worktree) != before:
        run_git(["update-ref", "--no-deref", "HEAD", commit, before], worktree)
        return
    tmp = git_dir / "HEAD.br-tmp"
    tmp.write_text(commit + "\n", encoding="utf-8")
    tmp.replace(git_dir / "HEAD")


_TREES: dict[str, str] = {}


def tree_of(cwd: Path, commit: str) -> str:
    """The tree of `commit` (remembered for the commits the train wrote)."""
    if commit not in _TREES:
        if len(_TREES) > 4096:
            _TREES.clear()
        _TREES[commit] = run_git(["rev-parse", f"{commit}^{{tree}}"], cwd).stdout.strip()
    return _TREES[commit]


def rebase(worktree: Path, rev: str) -> StepResult:
    """Replay `rev`'s commits on the scratch HEAD, then fast-forward to them."""
    before = head(worktree)
    run_git(["checkout", "-q", "--detach", rev], worktree)
    result = run_git([*QUIET, "rebase", "-q", NO_HOOKS, before], worktree, check=False)
    if not result.ok:
        return _failed_or_raise(worktree, before, result.stderr + result.stdout)
    return StepResult(True, head(worktree))


def _failed_or_raise(worktree: Path, before: str, output: str) -> StepResult:
    """A conflict is an outcome (with its files); any other failure is a GitError."""
    files = conflicted(worktree)
    reset_to(worktree, before)
    if files or "CONFLICT" in output:
        return StepResult(False, before, files)
    raise GitError(f"merge failed: {first_line(output)}")


def worktree_of_branch(root: Path, branch: str) -> Path | None:
    """The worktree that has `branch` checked out, if any."""
    out = run_git(["worktree", "list", "--porcelain"], root).stdout
    current: Path | None = None
    for line in out.splitlines():
        if line.startswith("worktree "):
            current = Path(line[len("worktree ") :])
        elif line == f"branch refs/heads/{branch}":
            return current
    return None


def tracked_changes(worktree: Path) -> list[str]:
    """Uncommitted changes to tracked files (staged or not)."""
    out = run_git(["status", "--porcelain", "--untracked-files=no"], worktree).stdout
    return [line for line in out.splitlines() if line]


def advance(root: Path, branch: str, new: str, old: str, checkout: Path | None) -> None:
    """Move `branch` from `old` to `new`, never from anything else.

    Not checked out: `git update-ref` compare-and-swap. Checked out in a worktree: after
    checking the branch is still at `old`, `git reset --keep` there moves branch, index and
    files together, and refuses (changing nothing) rather than overwrite local changes or
    untracked files.
    """
    ref = f"refs/heads/{branch}"
    if checkout is None:
        args = ["update-ref", "-m", f"br merge: advance to {new[:12]}", ref, new, old]
        if not run_git(args, root, check=False).ok:
            raise MergeError(f"{branch} moved during the train; left it at {current(root, ref)}")
        return
    if not _has_checked_out(checkout, ref):  # switched away meanwhile: plain CAS then
        return advance(root, branch, new, old, None)
    if ref_value(root, ref) != old:
        raise MergeError(f"{branch} moved during the train; left it at {current(root, ref)}")
    action = f"br merge: advance to {new[:12]}"
    moved = run_git(
        ["reset", "-q", "--keep", new], checkout, check=False, env={"GIT_REFLOG_ACTION": action}
    )
    if not moved.ok:
        raise MergeError(
            f"could not update the checkout of {branch} at {checkout}: {first_line(moved.stderr)}"
        )
    # `reset --keep` moves whatever the branch points at by then: if a commit landed on it
    # between the check above and the reset (a window of one process start), put it back
    before = _moved_from(root, ref, action)
    if before is not None and before != old:
        run_git(["reset", "-q", "--keep", before], checkout, check=False)
        raise MergeError(f"{branch} moved during the train; left it at {current(root, ref)}")


def _moved_from(root: Path, ref: str, action: str) -> str | None:
    """The commit `ref` pointed at before the newest reflog entry written with `action`."""
    from brgit import paths

    common = paths.locate(root).common_dir
    if common is None:
        return None
    try:
        lines = (common / "logs" / ref).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None  # no reflog (core.logAllRefUpdates off): nothing to check against
    for line in reversed(lines.splitlines()[-50:]):
        if action in line.partition("\t")[2]:
            return line.split(" ", 1)[0]
    return None


def _has_checked_out(worktree: Path, ref: str) -> bool:
    """Whether `worktree`'s HEAD is (still) the symbolic ref `ref`, read from its HEAD file."""
    git_dir = _git_dir(worktree)
    try:
        text = (git_dir / "HEAD").read_text(encoding="utf-8").strip() if git_dir else ""
    except OSError:
        return False
    return text == f"ref: {ref}"


def ref_value(root: Path, ref: str) -> str:
    """A branch's commit, read from its loose ref file when there is one (no process)."""
    from brgit import paths

    common = paths.locate(root).common_dir
    try:
        text = (common / ref).read_text(encoding="utf-8").strip() if common else ""
    except OSError:
        text = ""
    return text if len(text) in (40, 64) else current(root, ref)


def maintain(root: Path) -> None:
    """What each skipped `git merge` would have done: `git maintenance run --auto`, once."""
    run_git(["maintenance", "run", "--auto", "--quiet"], root, check=False)


def current(root: Path, rev: str) -> str:
    try:
        return rev_parse(rev, root)
    except NotFoundError:
        return "(missing)"
