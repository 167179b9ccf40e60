"""Write commit objects in-process, byte for byte what `git commit-tree -m` writes.

A merge train writes one commit per merged branch. Spawning `git commit-tree` for each costs a
process (about 2 ms); writing the loose object here costs a zlib call and a rename. The
identity comes from `git var` once per train (three at once: the config listing, and each
identity alone, which applies the strictness of `git commit-tree`). Anything this module does
not reproduce exactly makes the caller use `git commit-tree` instead: `CommitWriter.open`
returns None for signed commits, a non-SHA-1 repository, a non-UTF-8 commit encoding or
identity, shared-repository permissions, `core.fsync` settings or a relocated object
directory, and `CommitWriter.accepts` is false for a message git would rewrite.
"""

from __future__ import annotations

import hashlib
import os
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from brgit.gitops.git import run_git_all

_TRUE = frozenset({"true", "yes", "on", "1"})
# Config that changes what git would write, or where, or with which permissions.
_NEEDS_GIT: dict[str, Callable[[str], bool]] = {
    "commit.gpgsign": lambda v: v.lower() in _TRUE,
    "extensions.objectformat": lambda v: v.lower() != "sha1",
    "i18n.commitencoding": lambda v: v.lower().replace("-", "") != "utf8",
    "core.sharedrepository": lambda v: v.lower() not in ("false", "umask", "0", "no", "off"),
    "core.fsyncobjectfiles": lambda v: v.lower() in _TRUE,
    "core.fsync": lambda v: True,  # whatever it asks to flush, git does it
}
_ENV_NEEDS_GIT = ("GIT_OBJECT_DIRECTORY", "GIT_QUARANTINE_PATH")


@dataclass(frozen=True)
class Ident:
    """`Name <email>` and, when GIT_*_DATE fixes it, the date git would use."""

    who: str
    fixed_date: str | None

    def line(self, now: float) -> str:
        return f"{self.who} {self.fixed_date or _date(now)}"


class CommitWriter:
    """Writes commit objects into one repository's object store."""

    def __init__(self, objects: Path, author: Ident, committer: Ident) -> None:
        self.objects = objects
        self.author = author
        self.committer = committer

    @classmethod
    def open(cls, cwd: Path, common_dir: Path | None) -> CommitWriter | None:
        """A writer for the repository at `cwd`, or None when `git commit-tree` must be used."""
        if common_dir is None or any(os.environ.get(name) for name in _ENV_NEEDS_GIT):
            return None
        objects = common_dir / "objects"
        if not objects.is_dir():
            return None
        # `git var -l` lists the config; its identities are lenient, so each is asked for
        # alone too, which applies the strict rules of `git commit-tree` (no guessed address)
        listed, author_var, committer_var = run_git_all(
            [["var", "-l"], ["var", "GIT_AUTHOR_IDENT"], ["var", "GIT_COMMITTER_IDENT"]], cwd
        )
        if not (listed.ok and author_var.ok and committer_var.ok):
            return None  # e.g. no identity: `git commit-tree` reports it in git's words
        if any(_undecodable(r.stdout) for r in (author_var, committer_var)):
            return None  # an identity that is not UTF-8: git writes its bytes as they are
        found: dict[str, str] = {}
        for line in listed.stdout.splitlines():
            key, equals, value = line.partition("=")
            found[key.lower()] = value if equals else "true"  # a bare key is a true boolean
        if any(test(found[key]) for key, test in _NEEDS_GIT.items() if key in found):
            return None
        author = _ident(author_var.stdout.strip(), "GIT_AUTHOR_DATE")
        committer = _ident(committer_var.stdout.strip(), "GIT_COMMITTER_DATE")
        if author is None or committer is None:
            return None
        return cls(objects, author, committer)

    def accepts(self, message: str) -> bool:
        """Whether git would store `message` as it is (it rewrites Unicode noncharacters and
        stops at a NUL); the train hands any other message to `git commit-tree`."""
        return not any(_odd(c) for c in message)

    def commit(self, tree: str, parents: list[str], message: str) -> str:
        """Write the commit and return its id (the object is in place before this returns)."""
        now = time.time()
        head = [f"tree {tree}", *(f"parent {p}" for p in parents)]
        head += [f"author {self.author.line(now)}", f"committer {self.committer.line(now)}"]
        ending = "" if message.endswith("\n") or not message else "\n"  # as `-m` completes it
        body = "\n".join(head) + "\n\n" + message + ending
        return self.write(b"commit", body.encode("utf-8"))

    def write(self, kind: bytes, data: bytes) -> str:
        raw = kind + b" " + str(len(data)).encode() + b"\0" + data
        oid = hashlib.sha1(raw).hexdigest()  # noqa: S324 - git's object id, not a security use
        folder = self.objects / oid[:2]
        final = folder / oid[2:]
        try:
            os.utime(final)  # there already: freshen it, as git does, so no gc prunes it now
            return oid
        except FileNotFoundError:
            pass
        folder.mkdir(exist_ok=True)
        tmp = folder / f"tmp_obj_br{os.getpid()}_{oid[2:10]}"
        try:
            # read-only, less the umask, as git creates it
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o444)
            try:
                os.write(fd, zlib.compress(raw, 1))  # core.looseCompression's default, 1
            finally:
                os.close(fd)
            tmp.replace(final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return oid


def _undecodable(text: str) -> bool:
    return any("\udc80" <= c <= "\udcff" for c in text)


def _odd(c: str) -> bool:
    """A NUL, a lone surrogate, or a Unicode noncharacter (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF)."""
    code = ord(c)
    return (
        code == 0
        or 0xD800 <= code <= 0xDFFF  # a lone surrogate (not UTF-8 at all)
        or 0xFDD0 <= code <= 0xFDEF
        or (code & 0xFFFE) == 0xFFFE
    )


def _ident(value: str | None, date_var: str) -> Ident | None:
    """Split `Name <email> 1700000000 +0000` into who and (if fixed by env) the date."""
    if not value or ">" not in value:
        return None
    who, _, date = value.rpartition(">")
    return Ident(who + ">", date.strip() if os.environ.get(date_var) else None)


def _date(now: float) -> str:
    """`seconds ±hhmm` in the local time zone, as git writes the current time."""
    offset = time.localtime(now).tm_gmtoff // 60
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset), 60)
    return f"{int(now)} {sign}{hours:02d}{minutes:02d}"
