"""The worktrees brgit created: one small JSON record each under `.buildrunner/worktrees/`.

brgit deletes a folder only when both hold:

1. it recorded the folder here when it created it: just before `git worktree add`, only for
   a path that was absent or an empty folder, and again with git's admin folder right after;
2. the folder is still that worktree: a real directory (not a symlink) whose `.git` file names
   the admin folder git gave it then. That `.git` file is the marker inside the worktree; brgit
   adds no file of its own there, since an agent's `git add -A` would commit it.

Nothing is ever deleted for not being known to git, and nothing is looked up by scanning the
worktree root (which may be shared with other projects, e.g. `worktree_root = ".."`).
One record per worktree keeps creating and removing one O(1) in the number of worktrees.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from brgit import paths
from brgit.errors import GitError
from brgit.gitops.git import worktree_admin_lock

REGISTRY = "worktrees"


@dataclass(frozen=True)
class Entry:
    path: str  # the worktree folder, resolved when it was created
    gitdir: str  # git's admin folder for it, as its `.git` file named it then
    branch: str
    created_at: str


def registry_dir(repo: Path) -> Path:
    return paths.locate(repo).store / REGISTRY


def _record_file(repo: Path, resolved: str) -> Path:
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()
    return registry_dir(repo) / f"{digest[:32]}.json"


def record(repo: Path, path: Path, branch: str) -> Entry:
    """Record the worktree brgit creates at `path` (before `git worktree add`: the intent;
    after it: with the admin folder its `.git` file names)."""
    import datetime as dt

    from brgit.files import atomic_write

    gitdir = paths.read_gitfile(path / ".git")
    entry = Entry(
        path=str(path.resolve()),
        gitdir=str(gitdir) if gitdir else "",
        branch=branch,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    # no fsync: a record lost to a power cut only means the folder is left alone and reported
    atomic_write(_record_file(repo, entry.path), json.dumps(asdict(entry)), durable=False)
    return entry


def lookup(repo: Path, path: Path) -> Entry | None:
    """brgit's record of the worktree at `path`, if it created one there."""
    resolved = str(path.resolve())
    return _read(_record_file(repo, resolved), resolved)


def _read(file: Path, expected: str | None = None) -> Entry | None:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        entry = Entry(**data)
    except (OSError, ValueError, TypeError):
        return None
    if not all(isinstance(v, str) for v in asdict(entry).values()):
        return None
    if expected is not None and entry.path != expected:
        return None
    return entry if entry.gitdir else _settle(entry)


def _settle(entry: Entry) -> Entry:
    """A record written just before `git worktree add` (the process was killed before it could
    write the admin folder in): the folder is that worktree if its `.git` file names an admin
    folder of git's that names this folder back."""
    target = paths.read_gitfile(Path(entry.path) / ".git")
    if target is None or not known_to_git(replace(entry, gitdir=str(target))):
        return entry
    return replace(entry, gitdir=str(target))


def forget(repo: Path, entry: Entry) -> None:
    _record_file(repo, entry.path).unlink(missing_ok=True)


def entries(repo: Path) -> list[Entry]:
    """Every record (unreadable ones are skipped: they authorise nothing)."""
    folder = registry_dir(repo)
    found = (_read(f) for f in sorted(folder.glob("*.json"))) if folder.is_dir() else ()
    return [e for e in found if e is not None]


def mismatch(entry: Entry) -> str | None:
    """Why the folder at `entry.path` is no longer the worktree brgit made, or None if it is."""
    folder = Path(entry.path)
    if folder.is_symlink() or not folder.is_dir():
        return "not a directory"
    dotgit = folder / ".git"
    if not dotgit.is_file() or dotgit.is_symlink():
        return "its .git file is gone"
    target = paths.read_gitfile(dotgit)
    if not entry.gitdir or target is None or str(target) != entry.gitdir:
        return "its .git file names another repository or worktree"  # or none that names it
    return None


def known_to_git(entry: Entry) -> bool:
    """git still has the admin folder of this worktree, pointing back at it."""
    if not entry.gitdir:
        return False
    back = Path(entry.gitdir) / "gitdir"
    try:
        text = back.read_text(encoding="utf-8").strip()
    except OSError:
        return False
    target = Path(text) if Path(text).is_absolute() else (back.parent / text).resolve()
    return target.parent == Path(entry.path)


def delete_folder(folder: Path) -> None:
    import shutil

    try:
        shutil.rmtree(folder)
    except OSError as exc:
        raise GitError(f"cannot delete {folder}: {exc.strerror or exc}") from None


@dataclass
class Sweep:
    """What `sweep` did: brgit's leftovers deleted, records of folders that are gone, and
    folders left alone with the reason."""

    removed: list[str] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)
    left: list[tuple[str, str]] = field(default_factory=list)


def sweep(repo: Path, own_root: Path | None = None) -> Sweep:
    """brgit's leftovers (run after `git worktree prune`): a folder brgit recorded that git no
    longer knows is deleted if it is still the worktree brgit made, else left alone and reported.
    Live worktrees stay. Unrecorded folders are reported, never touched: those beside recorded
    ones, and those two levels down in `own_root` (the default root, a folder only brgit uses;
    a configured root may be shared, e.g. "..", so it is not listed)."""
    done = Sweep()
    with worktree_admin_lock(repo):  # no add is half done while the records are read
        recorded = entries(repo)
        for entry in recorded:
            if not known_to_git(entry):
                _sweep_one(repo, entry, done)
    parents = {Path(e.path).parent for e in recorded}
    if own_root is not None and own_root.is_dir():
        parents |= {d for d in own_root.iterdir() if d.is_dir() and not d.is_symlink()}
    mine = {Path(e.path) for e in recorded if Path(e.path).exists()}
    done.left += [(str(f), "not created by brgit") for f in _strangers(parents, mine)]
    return done


def _sweep_one(repo: Path, entry: Entry, done: Sweep) -> None:
    folder = Path(entry.path)
    if not (folder.exists() or folder.is_symlink()):
        forget(repo, entry)
        done.forgotten.append(entry.path)
        return
    why = mismatch(entry)
    try:
        if why:
            raise GitError(why)
        delete_folder(folder)
    except GitError as exc:
        done.left.append((entry.path, str(exc)))
        return
    forget(repo, entry)
    done.removed.append(entry.path)


def _strangers(parents: set[Path], mine: set[Path]) -> list[Path]:
    return [
        child
        for parent in sorted(parents)
        if parent.is_dir()
        for child in sorted(parent.iterdir())
        if child not in mine and child.is_dir()
    ]
