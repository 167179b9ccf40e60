"""Which files a check looks at: git's (tracked, and untracked but not ignored) under the
target, or a walk outside git; which of them are tests; what module each Python file is."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from brgit import paths
from brgit.errors import GitError

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".buildrunner", "build", "dist",
})
README_NAMES = ("README.md", "README.rst", "README.txt", "README")


def project_files(target: Path, exclude: Sequence[str] = ()) -> list[str]:
    """POSIX paths relative to `target`, sorted, without skipped folders or `exclude` matches."""
    listed = _git_files(target) if paths.locate(target).in_git else None
    names = listed if listed is not None else _walk(target)
    return sorted(n for n in names if not _skipped(n) and not excluded(n, exclude))


def _git_files(target: Path) -> list[str] | None:
    from brgit.gitops.git import run_git

    try:
        result = run_git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         target)
    except GitError:
        return None
    names = [n for n in result.stdout.split("\0") if n]
    return [n for n in names if (target / n).is_file() and not (target / n).is_symlink()]


def _walk(target: Path) -> list[str]:
    found = []
    for top, dirs, names in os.walk(target):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        base = Path(top).relative_to(target)
        found += [(base / n).as_posix() for n in names if not Path(top, n).is_symlink()]
    return found


def _skipped(rel: str) -> bool:
    return bool(SKIP_DIRS.intersection(rel.split("/")[:-1]))


def excluded(rel: str, patterns: Sequence[str]) -> bool:
    """gitignore-style: `docs/`, `*.min.js`, `legacy/**` match a file or a folder above it."""
    name = rel.rsplit("/", 1)[-1]
    for pattern in patterns:
        bare = pattern.rstrip("/").removesuffix("/**")
        if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(name, pattern):
            return True
        if rel.startswith(bare + "/") or fnmatch.fnmatchcase(rel, bare + "/*"):
            return True
    return False


def is_test(rel: str) -> bool:
    """A test file: under a `tests`/`test` folder, `test_*.py`, `*_test.py` or `conftest.py`."""
    parts = rel.split("/")
    name = parts[-1]
    return bool({"tests", "test"}.intersection(parts[:-1])) or name.startswith("test_") \
        or name.endswith("_test.py") or name == "conftest.py"


def module_name(rel: str) -> str:
    """`src/pkg/mod.py` -> `pkg.mod`; `pkg/__init__.py` -> `pkg`."""
    parts = list(PurePosixPath(rel).with_suffix("").parts)
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def readme(target: Path) -> Path | None:
    for name in README_NAMES:
        if (target / name).is_file():
            return target / name
    return None
