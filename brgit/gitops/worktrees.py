"""Worker worktrees: add, list (`--porcelain`), remove, sweep, and commit a worktree's changes.

GitPython has no worktree API, so this module drives the git CLI through `run_git`, which
turns every git failure into one `GitError` line. Every user value reaches git after
`--end-of-options`, and only worktrees brgit created and recorded are ever deleted
(`brgit.gitops.owned`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from brgit import paths
from brgit.errors import GitError, NotFoundError, UsageError
from brgit.gitops import owned
from brgit.gitops.git import branch_exists, first_line, run_git, worktree_admin_lock
from brgit.names import ref_problem


@dataclass(frozen=True)
class Worktree:
    path: Path
    head: str | None
    branch: str | None  # short name, None when detached or bare
    locked: bool = False
    prunable: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "head": self.head,
            "branch": self.branch,
            "locked": self.locked,
            "prunable": self.prunable,
        }


def default_root(repo: Path, configured: str = "") -> Path:
    """Where worker worktrees go: `configured` (relative to `repo`), else beside the main
    checkout in `<parent>/<repo name>.brgit/`, as other worktree tools do.

    Not inside `.git` (Claude Code and other agents refuse to write there) and not inside the
    checkout (pytest, ruff, scanners and file watchers would walk every worktree).
    """
    if configured:
        return (repo / Path(configured).expanduser()).resolve()
    location = paths.locate(repo)
    if location.common_dir is None:
        raise NotFoundError(f"not a git repository: {repo}")
    main = location.main_root
    return main.parent / f"{main.name}.brgit"


def inside_git_dir(repo: Path, folder: Path) -> bool:
    """Whether `folder` is inside a `.git` directory (the repository's or any other)."""
    real = folder.resolve()
    common = paths.locate(repo).common_dir
    if common is not None and (real == common or common in real.parents):
        return True
    return ".git" in real.parts


def parse_porcelain(text: str) -> list[Worktree]:
    """Parse `git worktree list --porcelain` (blank-line separated records)."""
    out: list[Worktree] = []
    for block in text.strip().split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            key, _, value = line.partition(" ")
            fields[key] = value
        if "worktree" not in fields:
            continue
        branch = fields.get("branch")
        out.append(
            Worktree(
                path=Path(fields["worktree"]),
                head=fields.get("HEAD"),
                branch=branch.removeprefix("refs/heads/") if branch else None,
                locked="locked" in fields,
                prunable="prunable" in fields,
            )
        )
    return out


def list_worktrees(repo: Path) -> list[Worktree]:
    return parse_porcelain(run_git(["worktree", "list", "--porcelain"], repo).stdout)


def add_worktree(repo: Path, path: Path, branch: str, start: str, *, reset: bool = True) -> Path:
    """Create `path` on a new branch `branch` at `start`, recorded as brgit's. With `reset`, what
    brgit left at `path` before is replaced; a folder brgit did not create is refused.

    Only `git worktree add --no-checkout` runs under the admin lock; the checkout, the long
    part, runs outside it, so several worktrees are checked out at once. Nothing here looks at
    the other worktrees, so adding one costs the same with ten or a thousand.
    """
    problem = ref_problem(branch)
    if problem:
        raise UsageError(f"branch name {branch!r} {problem}")
    with worktree_admin_lock(repo):
        if reset:
            _clear(repo, path, branch)
        if path.is_symlink() or (path.exists() and (not path.is_dir() or any(path.iterdir()))):
            raise GitError(f"{path} exists and was not created by brgit; left alone")
        path.parent.mkdir(parents=True, exist_ok=True)
        owned.record(repo, path, branch)  # the intent first: a kill just after add is covered
        args = ["worktree", "add", "-q", "--no-checkout", "-b", branch, "--end-of-options"]
        result = run_git([*args, str(path), start], repo, check=False)
        if not result.ok:
            owned.forget(repo, owned.Entry(str(path.resolve()), "", branch, ""))
            raise GitError(f"git worktree add: {first_line(result.stderr or result.stdout)}")
        owned.record(repo, path, branch)
    # `checkout -f` fills the index and the files as `worktree add` would, and runs the
    # post-checkout hook (with the new HEAD as the old one, since there was none to leave)
    run_git(["checkout", "-q", "-f"], path)
    return path


def attach_worktree(repo: Path, path: Path, branch: str) -> Path:
    """Check out the existing `branch` at `path` (which must be absent or an empty folder),
    recorded as brgit's so that `release`/`remove_worktree` may later remove it."""
    problem = ref_problem(branch)
    if problem:
        raise UsageError(f"branch name {branch!r} {problem}")
    with worktree_admin_lock(repo):
        if path.is_symlink() or (path.exists() and (not path.is_dir() or any(path.iterdir()))):
            raise GitError(f"{path} exists and was not created by brgit; left alone")
        path.parent.mkdir(parents=True, exist_ok=True)
        owned.record(repo, path, branch)
        args = ["worktree", "add", "-q", "--end-of-options", str(path), branch]
        result = run_git(args, repo, check=False)
        if not result.ok:
            owned.forget(repo, owned.Entry(str(path.resolve()), "", branch, ""))
            raise GitError(f"git worktree add: {first_line(result.stderr or result.stdout)}")
        owned.record(repo, path, branch)
    return path


def _clear(repo: Path, path: Path, branch: str) -> None:
    entry = owned.lookup(repo, path)
    if entry is not None:
        _discard(repo, entry, force=True)
    if branch_exists(branch, repo):
        run_git(["branch", "-D", "--end-of-options", branch], repo)


def remove_worktree(
    repo: Path, path: Path, *, force: bool = False, missing_ok: bool = False
) -> bool:
    """Remove a worktree brgit created; False if there is none and `missing_ok`.

    A worktree or folder brgit did not create is never removed (NotFoundError unless
    `missing_ok`); one whose folder was replaced since is left alone (GitError)."""
    with worktree_admin_lock(repo):
        entry = owned.lookup(repo, path)
        if entry is None:
            if missing_ok:
                return False
            raise NotFoundError(
                f"no worktree created by brgit at {path} (brgit removes only its own)"
            )
        _discard(repo, entry, force=force)
    return True


def release(repo: Path, path: Path) -> str | None:
    """Remove brgit's worktree at `path` whatever its state; None when it is gone (or was never
    there), else why it was left alone."""
    try:
        remove_worktree(repo, path, force=True, missing_ok=True)
    except GitError as exc:
        return str(exc)
    if path.exists() and owned.lookup(repo, path) is None:
        return f"{path} was not created by brgit; left alone"
    return None


def _discard(repo: Path, entry: owned.Entry, *, force: bool) -> None:
    folder = Path(entry.path)
    present = folder.exists() or folder.is_symlink()
    why = owned.mismatch(entry) if present else None
    if why:
        raise GitError(f"{folder} left alone: {why} since brgit created it")
    if owned.known_to_git(entry):
        flags = ["--force", "--force"] if force else []
        run_git(["worktree", "remove", *flags, "--end-of-options", entry.path], repo)
    elif present:
        if not force:
            raise GitError(f"{folder} is no longer a git worktree; --force deletes it")
        owned.delete_folder(folder)
    owned.forget(repo, entry)


def prune(repo: Path) -> list[str]:
    """`git worktree prune` (git forgets worktrees whose folder is gone); what git reported."""
    with worktree_admin_lock(repo):
        result = run_git(["worktree", "prune", "--verbose"], repo)
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def commit_all(worktree: Path, message: str) -> str | None:
    """Stage everything in `worktree` and commit; the new commit, or None if nothing changed."""
    run_git(["add", "-A"], worktree)
    if run_git(["diff", "--cached", "--quiet"], worktree, check=False).ok:
        return None
    result = run_git(["commit", "-q", "-m", message], worktree, check=False)
    if not result.ok:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise GitError(f"commit in {worktree.name} failed: {detail[-1] if detail else 'failed'}")
    return run_git(["rev-parse", "HEAD"], worktree).stdout.strip()


def merge_into(worktree: Path, commits: list[str], message: str) -> str | None:
    """Merge `commits` into the worktree's branch; returns a conflict description or None."""
    for commit in commits:
        args = ["merge", "--no-edit", "-q", "-m", message, "--end-of-options", commit]
        result = run_git(args, worktree, check=False)
        if not result.ok:
            conflicted = run_git(["diff", "--name-only", "--diff-filter=U"], worktree, check=False)
            run_git(["merge", "--abort"], worktree, check=False)
            files = ", ".join(conflicted.stdout.split()) or "unknown files"
            return f"merging dependency {commit[:10]} conflicts in {files}"
    return None
