"""Preparing a worker's worktree: its branch and start point, copied files, env, setup command."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from brgit.config import Config
from brgit.core.session import SessionRecord, branch_for
from brgit.errors import ConfigError
from brgit.gitops import worktrees
from brgit.gitops.git import run_git


@dataclass
class Workspace:
    path: Path
    branch: str
    start: str
    env: dict[str, str]
    blocked: str | None = None  # why the task cannot start (a conflict between dependencies)


# The agents known to edit files in a worktree under `.git/`: the shell agent, and the built-in
# claude agent (its tools refuse `.git` only inside the worktree). Claude Code refuses any path
# under a `.git/` folder, and brgit cannot tell which CLI a `command` template runs, so every
# other agent is refused there.
WRITE_INSIDE_GIT = ("shell", "claude")


def worktree_path(cfg: Config, root: Path, session: str, task_id: str) -> Path:
    return worktrees.default_root(root, cfg.parallel.worktree_root) / session / task_id


def check_layout(cfg: Config, root: Path, agents: Iterable[str]) -> str | None:
    """Before any worktree is made: a worktree root inside `.git` is a ConfigError for agents
    that cannot write there, and a warning (returned) for those that can."""
    where = worktrees.default_root(root, cfg.parallel.worktree_root)
    if not worktrees.inside_git_dir(root, where):
        return None
    refused = sorted(set(agents) - set(WRITE_INSIDE_GIT))
    if refused:
        raise ConfigError(
            f"parallel.worktree_root {cfg.parallel.worktree_root!r} is inside .git, where "
            f"agent {refused[0]!r} cannot edit files (Claude Code refuses any path under .git/); "
            "choose a folder outside .git, or leave it empty for the default beside the repository"
        )
    return (
        f"parallel.worktree_root {cfg.parallel.worktree_root!r} is inside .git: agent CLIs "
        "such as Claude Code cannot edit files there"
    )


def start_points(record: SessionRecord, task_id: str) -> list[str]:
    """The commits a task starts from: the base, or its dependencies' results."""
    task = record.plan.task(task_id)
    commits = [record.tasks[d].commit for d in task.depends_on if d in record.tasks]
    found = [c for c in commits if c]
    return found or [record.base_commit]


def worker_env(cfg: Config, session: str, task_id: str, worker: int, path: Path) -> dict[str, str]:
    size = cfg.parallel.ports_per_worker
    base = cfg.parallel.port_base + (worker - 1) * size
    return {
        "BR_SESSION": session,
        "BR_TASK_ID": task_id,
        "BR_WORKER_ID": f"worker-{worker}",
        "BR_WORKTREE": str(path),
        "BR_PORT_BASE": str(base),
        "BR_PORT_RANGE": f"{base}-{base + size - 1}",
    }


def prepare(
    cfg: Config, root: Path, session: str, task_id: str, starts: Sequence[str], worker: int
) -> Workspace:
    """Create the task's worktree on `br/<session>/<task>` from `starts` (the first commit,
    with the others merged in) and set it up for the agent. A worktree and branch left by an
    earlier run of the task are replaced: every run starts fresh."""
    path = worktree_path(cfg, root, session, task_id)
    branch = branch_for(session, task_id)
    worktrees.add_worktree(root, path, branch, starts[0])
    env = worker_env(cfg, session, task_id, worker, path)
    space = Workspace(path, branch, starts[0], env)
    if len(starts) > 1:
        message = f"br: {task_id}: merge dependencies"
        space.blocked = worktrees.merge_into(path, list(starts[1:]), message)
        if space.blocked:
            return space
    copy_files(root, path, cfg.parallel.copy_files, exclude=path.parent)
    return space


def ignored_entries(root: Path) -> list[str]:
    """Ignored, untracked paths of the main checkout (whole ignored folders end in '/')."""
    out = run_git(
        ["ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z"], root
    ).stdout
    return [entry for entry in out.split("\0") if entry]


def matches(entry: str, pattern: str) -> bool:
    """gitignore-style: a pattern without '/' matches a name at any depth."""
    name = entry.rstrip("/")
    if "/" in pattern.strip("/"):
        return fnmatch.fnmatch(name, pattern.strip("/"))
    return fnmatch.fnmatch(name.rsplit("/", 1)[-1], pattern.rstrip("/"))


def copy_files(
    root: Path, dest: Path, patterns: list[str], exclude: Path | None = None
) -> list[str]:
    """Copy ignored files matching `patterns` from the main checkout into `dest`."""
    if not patterns:
        return []
    copied = []
    for entry in ignored_entries(root):
        source = root / entry.rstrip("/")
        if entry.startswith(".buildrunner") or (exclude and exclude in source.parents):
            continue
        if not any(matches(entry, p) for p in patterns):
            continue
        target = dest / entry.rstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
        elif source.exists():
            shutil.copy2(source, target)
        copied.append(entry)
    return copied


def run_shell(
    what: str, command: str, path: Path, env: dict[str, str], timeout: float
) -> str | None:
    """Run a configured command (setup, verify) in the worktree; an error line or None."""
    import os

    try:
        proc = subprocess.run(  # noqa: S602 - the user's own configured command
            command,
            shell=True,
            cwd=path,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"{what} timed out after {timeout:g}s"
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()
        return f"{what} exited {proc.returncode}" + (f": {tail[-1][:200]}" if tail else "")
    return None
