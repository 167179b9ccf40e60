"""Where brgit keeps its data: `.buildrunner/` in the main worktree of the current repository.

The main worktree is found through git's common directory, so `br` run inside any linked
worktree (a worker's) reads and writes the same store as the main checkout. Discovery reads
the `.git` file/directory and the `commondir` file directly instead of spawning git, because
every command (and every hook) starts here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

STORE_DIRNAME = ".buildrunner"
CONFIG_FILENAME = "config.toml"


@dataclass(frozen=True)
class RepoLocation:
    """Where a command runs: the checkout it is in, and the main checkout that owns the store."""

    worktree: Path | None  # top of the checkout containing cwd (None outside git)
    git_dir: Path | None  # that checkout's own git dir (.git or .git/worktrees/<name>)
    common_dir: Path | None  # the repository's shared git dir
    main_root: Path  # the main worktree (or cwd outside git): the store lives here

    @property
    def store(self) -> Path:
        return self.main_root / STORE_DIRNAME

    @property
    def in_git(self) -> bool:
        return self.common_dir is not None


def read_gitfile(dotgit: Path) -> Path | None:
    """The git dir a `.git` file names (`gitdir: X`, X made absolute), or None."""
    try:
        text = dotgit.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    target = Path(text[len("gitdir:") :].strip())
    return target if target.is_absolute() else (dotgit.parent / target).resolve()


def _common_dir(git_dir: Path) -> Path:
    marker = git_dir / "commondir"
    try:
        rel = marker.read_text(encoding="utf-8").strip()
    except OSError:
        return git_dir
    common = Path(rel)
    return (common if common.is_absolute() else git_dir / common).resolve()


def locate(start: Path | None = None) -> RepoLocation:
    """Find the checkout containing `start` (default: cwd) and the main worktree."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        dotgit = folder / ".git"
        if dotgit.is_dir():
            git_dir: Path | None = dotgit
        elif dotgit.is_file():
            git_dir = read_gitfile(dotgit)
        else:
            continue
        if git_dir is None:
            continue
        common = _common_dir(git_dir)
        main_root = common.parent if common.name == ".git" else folder
        return RepoLocation(folder, git_dir, common, main_root)
    return RepoLocation(None, None, None, here)


def store_dir(start: Path | None = None) -> Path:
    """The `.buildrunner/` directory that belongs to the repository containing `start`."""
    override = os.environ.get("BR_STORE_DIR")
    if override:
        return Path(override).resolve()
    return locate(start).store


def config_path(start: Path | None = None) -> Path:
    """The config file: `$BR_CONFIG_FILE` if set, else `.buildrunner/config.toml`."""
    override = os.environ.get("BR_CONFIG_FILE")
    if override:
        return Path(override).resolve()
    return store_dir(start) / CONFIG_FILENAME
