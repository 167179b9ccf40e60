"""Worker worktrees: add, list (`--porcelain`), remove, prune, and commit a worktree's changes.

GitPython has no worktree API, so this module drives the git CLI through `run_git`, which
turns every git failure into one `GitError` line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from brgit import paths
from brgit.errors import GitError, NotFoundError
from brgit.gitops.git import branch_exists, run_git, worktree_admin_lock


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
    """Where worker worktrees go: `configured`, else `<git common dir>/brgit/worktrees`.

    Inside the common dir no tool that walks the checkout (pytest, ruff, our scanners) sees them.
    """
    if configured:
        p = Path(configured).expanduser()
        return p if p.is_absolute() else repo / p
    location = paths.locate(repo)
    if location.common_dir is None:
        raise NotFoundError(f"not a git repository: {repo}")
    return location.common_dir / "brgit" / "worktrees"


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
    """Create `path` on a new branch `branch` at `start`; with `reset`, replace leftovers."""
    with worktree_admin_lock(repo):
        if reset:
            _remove(repo, path, force=True, missing_ok=True)
            if branch_exists(branch, repo):
                run_git(["branch", "-D", branch], repo)
        path.parent.mkdir(parents=True, exist_ok=True)
        run_git(["worktree", "add", "-q", "-b", branch, str(path), start], repo)
    return path


def remove_worktree(
    repo: Path, path: Path, *, force: bool = False, missing_ok: bool = False
) -> bool:
    """Remove a worktree; returns False if it was not registered and `missing_ok`."""
    with worktree_admin_lock(repo):
        return _remove(repo, path, force=force, missing_ok=missing_ok)


def _remove(repo: Path, path: Path, *, force: bool, missing_ok: bool) -> bool:
    known = {w.path.resolve() for w in list_worktrees(repo)}
    if path.resolve() not in known:
        if missing_ok:
            return False
        raise NotFoundError(f"no worktree at {path}")
    args = ["worktree", "remove", *(["--force", "--force"] if force else []), str(path)]
    run_git(args, repo)
    return True


def prune(repo: Path) -> list[str]:
    """`git worktree prune`; returns what git reported removing."""
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
        result = run_git(["merge", "--no-edit", "-q", "-m", message, commit], worktree, check=False)
        if not result.ok:
            conflicted = run_git(["diff", "--name-only", "--diff-filter=U"], worktree, check=False)
            run_git(["merge", "--abort"], worktree, check=False)
            files = ", ".join(conflicted.stdout.split()) or "unknown files"
            return f"merging dependency {commit[:10]} conflicts in {files}"
    return None
