"""Worktrees by hand (`br worktree`): spawn one like a worker's, list, remove, prune."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brgit.config import Config
from brgit.errors import NotFoundError
from brgit.gitops import owned, worktrees
from brgit.gitops.git import rev_parse, run_git
from brgit.parallel import workspace

MANUAL = "manual"


@dataclass
class Spawned:
    name: str
    path: Path
    branch: str
    base: str
    copied: list[str]
    env: dict[str, str]
    warning: str | None = None  # e.g. a worktree root inside .git

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "branch": self.branch,
            "base": self.base,
            "copied": self.copied,
            "env": self.env,
            "warning": self.warning,
        }


def spawn(
    root: Path, cfg: Config, name: str, *, base: str | None = None, branch: str | None = None
) -> Spawned:
    """A worktree at `<worktree root>/manual/NAME` on `br/manual/NAME`, set up like a worker's."""
    from brgit.core.session import check_name

    check_name(name)
    warning = workspace.check_layout(cfg, root, ())
    start = rev_parse(base or cfg.parallel.base_branch or "HEAD", root)
    path = worktrees.default_root(root, cfg.parallel.worktree_root) / MANUAL / name
    branch = branch or f"br/{MANUAL}/{name}"
    worktrees.add_worktree(root, path, branch, start, reset=False)
    copied = workspace.copy_files(root, path, cfg.parallel.copy_files, exclude=path.parent)
    env = workspace.worker_env(cfg, MANUAL, name, 1, path)
    if cfg.parallel.setup_command:
        err = workspace.run_shell(
            "setup command", cfg.parallel.setup_command, path, env, cfg.agent.timeout_seconds
        )
        if err:
            from brgit.errors import ParallelError

            raise ParallelError(f"worktree {path} created, but {err}")
    return Spawned(name, path, branch, start, copied, env, warning)


def listing(root: Path, cfg: Config) -> list[dict[str, Any]]:
    """git's worktrees; `brgit` marks those brgit created (its registry, not their location)."""
    mine = {Path(e.path) for e in owned.entries(root)}
    rows = []
    for tree in worktrees.list_worktrees(root):
        data = tree.to_dict()
        data["brgit"] = tree.path in mine
        rows.append(data)
    return rows


def find(root: Path, cfg: Config, target: str) -> Path:
    """A worktree by path, by branch, or by its manual name."""
    for tree in worktrees.list_worktrees(root):
        if target in (str(tree.path), tree.branch) or tree.branch == f"br/{MANUAL}/{target}":
            return tree.path
    candidate = Path(target).expanduser()
    if candidate.exists():
        return candidate.resolve()
    raise NotFoundError(f"no worktree named {target!r} (see `br worktree list`)")


def remove(
    root: Path, cfg: Config, target: str, *, force: bool = False, delete_branch: bool = False
) -> dict[str, Any]:
    """Remove a worktree brgit created (and its branch with `delete_branch`); any other is
    refused, whatever `force` says."""
    path = find(root, cfg, target)
    branch = next((t.branch for t in worktrees.list_worktrees(root) if t.path == path), None)
    worktrees.remove_worktree(root, path, force=force)
    if delete_branch and branch:
        run_git(["branch", "-D", "--end-of-options", branch], root)
    return {"path": str(path), "branch": branch, "branch_deleted": bool(delete_branch and branch)}


def prune_stale(root: Path, cfg: Config) -> dict[str, Any]:
    """Forget worktrees whose folder is gone; delete leftovers brgit created and recorded that
    git no longer knows; report every other folder and leave it alone."""
    pruned = worktrees.prune(root)
    own = None if cfg.parallel.worktree_root else worktrees.default_root(root)
    done = owned.sweep(root, own)
    return {
        "pruned": pruned,
        "removed_folders": done.removed,
        "forgotten": done.forgotten,
        "left_alone": [{"path": path, "reason": why} for path, why in done.left],
    }
