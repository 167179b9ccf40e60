"""What a commit would record: the staged blobs in the index (not the working tree), the files
changed in the working tree, and the lines every commit added (`br security scan --history`).
Reads through the one git runner, in bytes (one batch process for the blobs, one streaming
`git log`); `brgit.gitops.git` imports only the standard library, so the hooks stay lean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from brgit import paths
from brgit.errors import GitError, NotFoundError
from brgit.gitops.git import run_git, run_git_bytes, stream_git

_GITLINK = b"160000"


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    return run_git_bytes(args, cwd, stdin=stdin)


def require_repository(top: Path) -> None:
    """NotFoundError (exit 6) outside a git repository, as every other command says it."""
    if not paths.locate(top).in_git:
        raise NotFoundError(f"not a git repository: {top}")


def has_commits(top: Path) -> bool:
    return run_git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], top, check=False).ok


def _names(output: bytes) -> list[str]:
    return [n.decode("utf-8", "surrogateescape") for n in output.split(b"\0") if n]


def staged_entries(top: Path) -> list[tuple[str, str]]:
    """(path, blob id) of every added, copied or modified file in the index (renames are
    additions); names of any bytes, newlines included, come through `-z`."""
    output = _git(["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev",
                   "--diff-filter=ACM"], top)
    fields = output.split(b"\0")
    entries = []
    for meta, name in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.split()
        if len(parts) >= 4 and parts[1] != _GITLINK:
            entries.append((name.decode("utf-8", "surrogateescape"), parts[3].decode("ascii")))
    return entries


def staged_names(top: Path) -> list[str]:
    return [name for name, _ in staged_entries(top)]


def staged_blobs(top: Path) -> Iterator[tuple[str, bytes]]:
    """(path, content) of every added, copied or modified file in the index."""
    entries = staged_entries(top)
    if not entries:
        return
    request = "".join(f"{blob}\n" for _, blob in entries).encode("ascii")
    output = _git(["cat-file", "--batch"], top, request)
    offset = 0
    for name, _ in entries:
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
    if has_commits(top):
        changed = _names(_git(["diff", "--name-only", "-z", "--diff-filter=ACMR", "HEAD"], top))
    else:
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
    paths_ = sorted({top / name for name in _names(output)})
    if not recursive:
        paths_ = [p for p in paths_ if p.parent == directory]
    return [p for p in paths_ if p.is_symlink() or p.is_file()]


def log_patches(top: Path, since: str | None) -> Iterator[bytes]:
    """The lines of one `git log -p` over the current branch (oldest commit first), streamed:
    each commit starts with a `\\0commit <id> <author date>` line."""
    revs = [f"{since}..HEAD"] if since else ["HEAD"]
    args = ["log", "--reverse", "-p", "-U0", "--no-color", "--no-ext-diff", "--no-renames",
            "--diff-filter=AM", "--format=%x00commit %H %aI", *revs, "--"]
    yield from stream_git(args, top, config=["core.quotePath=false"])
