"""What a commit would record: the staged blobs in the index (not the working tree), and the
files changed in the working tree. Uses the git CLI directly (bytes, one batch process)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from brgit.errors import GitError


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                              env=env, check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]}: {message[0] if message else 'failed'}")
    return proc.stdout


def _names(output: bytes) -> list[str]:
    return [n.decode("utf-8", "surrogateescape") for n in output.split(b"\0") if n]


def staged_names(top: Path) -> list[str]:
    return _names(_git(["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR"], top))


def staged_blobs(top: Path) -> Iterator[tuple[str, bytes]]:
    """(path, content) of every added, copied, modified or renamed file in the index."""
    names = [n for n in staged_names(top) if "\n" not in n]
    if not names:
        return
    request = "".join(f":{name}\n" for name in names).encode("utf-8", "surrogateescape")
    output = _git(["cat-file", "--batch"], top, request)
    offset = 0
    for name in names:
        end = output.index(b"\n", offset)
        header = output[offset:end].split()
        offset = end + 1
        if len(header) < 3 or header[-1] == b"missing":
            continue
        size = int(header[2])
        if header[1] == b"blob":
            yield name, output[offset : offset + size]
        offset += size + 1


def changed_files(top: Path) -> list[str]:
    """Files modified against HEAD plus untracked, not-ignored files (all tracked if no HEAD)."""
    try:
        changed = _names(_git(["diff", "--name-only", "-z", "--diff-filter=ACMR", "HEAD"], top))
    except GitError:
        changed = _names(_git(["ls-files", "-z"], top))
    untracked = _names(_git(["ls-files", "--others", "--exclude-standard", "-z"], top))
    return sorted(set(changed) | set(untracked))


def listed_files(top: Path, directory: Path, *, recursive: bool = True) -> list[Path] | None:
    """Tracked and untracked-but-not-ignored files under `directory` (None outside git)."""
    try:
        output = _git(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
                       str(directory)], top)
    except GitError:
        return None
    paths = sorted({top / name for name in _names(output)})
    if not recursive:
        paths = [p for p in paths if p.parent == directory]
    return [p for p in paths if p.is_symlink() or p.is_file()]
