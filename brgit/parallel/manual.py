"""Worktrees by hand (`br worktree`): spawn one like a worker's, list, remove, prune."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brgit.config import Config
from brgit.errors import NotFoundError
from brgit.gitops import worktrees
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "branch": self.branch,
            "base": self.base,
            "copied": self.copied,
            "env": self.env,
        }


def spawn(
    root: Path, cfg: Config, name: str, *, base: str | None = None, branch: str | None = None
) -> Spawned:
    """A worktree at `<worktree root>/manual/NAME` on `br/manual/NAME`, set up like a worker's."""
    from brgit.core.session import check_name

    check_name(name)
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
    return Spawned(name, path, branch, start, copied, env)


def listing(root: Path, cfg: Config) -> list[dict[str, Any]]:
    managed = worktrees.default_root(root, cfg.parallel.worktree_root).resolve()
    rows = []
    for tree in worktrees.list_worktrees(root):
        data = tree.to_dict()
        data["brgit"] = managed in tree.path.resolve().parents
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
    path = find(root, cfg, target)
    branch = next((t.branch for t in worktrees.list_worktrees(root) if t.path == path), None)
    worktrees.remove_worktree(root, path, force=force)
    if delete_branch and branch:
        run_git(["branch", "-D", branch], root)
    return {"path": str(path), "branch": branch, "branch_deleted": bool(delete_branch and branch)}


def prune_stale(root: Path, cfg: Config) -> dict[str, Any]:
    """Forget worktrees whose folder is gone; delete leftover folders git no longer knows."""
    pruned = worktrees.prune(root)
    managed = worktrees.default_root(root, cfg.parallel.worktree_root)
    known = {t.path.resolve() for t in worktrees.list_worktrees(root)}
    removed = []
    for session in sorted(managed.iterdir()) if managed.exists() else []:
        for folder in sorted(session.iterdir()) if session.is_dir() else []:
            if folder.is_dir() and folder.resolve() not in known:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(str(folder))
    return {"pruned": pruned, "removed_folders": removed}
