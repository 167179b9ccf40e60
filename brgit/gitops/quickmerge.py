"""Merges that need no content merge, done in-process; everything else goes to `git merge-tree`.

A merge train mostly merges worker branches that each add or change their own files. For such
a merge git's answer is fixed by the three trees alone: a path changed on one side only takes
that side's version. `QuickMerger` computes exactly that, reading objects through one
long-lived `git cat-file --batch` and writing the new trees in-process, so a merge costs no
process. It answers only when the result cannot differ from `git merge-tree`'s, and returns
None otherwise (the caller then asks git):

- the merge base must be unique and known without a search: the branch's own commits (those
  not reachable from the train's start, from one `git rev-list`) are shared with no other
  branch of the train, and leave that history through exactly one parent, which is then the
  only merge base of the branch and anything built on the start;
- no path may be changed on both sides unless identically (a content merge, a conflict, a
  directory/file clash), descending into directories changed on both sides;
- no path the base had may be gone from both sides, even inside a directory both sides
  changed alike, nor turned from a folder into a file (or back) on both sides: git could pair
  a rename of it on one side against its deletion or another rename on the other;
- no folder may be removed or replaced on the branch's side (rename and directory-rename
  detection can only matter there);
- every tree entry read must use one of git's canonical modes (git rewrites others);
- a folder that ends up empty is dropped, as git drops it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from brgit.gitops.git import GitResult, git_env, git_program, run_git
from brgit.gitops.objects import CommitWriter

TREE_MODE = b"40000"
CANONICAL_MODES = frozenset({TREE_MODE, b"100644", b"100755", b"120000", b"160000"})
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
MAX_HISTORY = 20_000  # branch commits read from `git rev-list`; more than this: ask git


class ObjectReader:
    """Objects from one long-lived `git cat-file --batch` process."""

    def __init__(self, cwd: Path) -> None:
        env = git_env()
        self._proc = subprocess.Popen(
            [git_program(env.get("PATH", "")), "cat-file", "--batch"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def read(self, oid: str) -> tuple[bytes, bytes]:
        """(type, content) of `oid`; KeyError if git does not have it."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(oid.encode() + b"\n")
        self._proc.stdin.flush()
        header = self._proc.stdout.readline().split()
        if len(header) != 3:
            raise KeyError(oid)
        data = self._proc.stdout.read(int(header[2]) + 1)[:-1]
        return header[1], data

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


class QuickMerger:
    """In-process merges of a train's branches onto commits built on `start`."""

    def __init__(self, reader: ObjectReader, writer: CommitWriter, bases: dict[str, str]) -> None:
        self.reader = reader
        self.writer = writer
        self.bases = bases  # branch tip -> its unique merge base with anything on the start
        self._trees: dict[str, str] = {}

    @classmethod
    def open(
        cls, cwd: Path, writer: CommitWriter | None, start: str, tips: Sequence[str]
    ) -> QuickMerger | None:
        """None when nothing can be merged in-process (no writer, no eligible branch)."""
        if writer is None or not tips:
            return None
        # at most one commit more than it uses: an unrelated history is not read whole
        limit = f"--max-count={MAX_HISTORY + 1}"
        args = ["rev-list", "--parents", limit, *dict.fromkeys(tips), "--not", start]
        listed = run_git(args, cwd, check=False)
        bases = unique_bases(listed, tips)
        if not bases:
            return None
        return cls(ObjectReader(cwd), writer, bases)

    def eligible(self, theirs: str) -> bool:
        return theirs in self.bases

    def merge_tree(self, ours: str, ours_tree: str, theirs: str) -> str | None:
        """The tree of merging branch tip `theirs` into commit `ours` (built on the train's
        start, with tree `ours_tree`), or None when git must decide."""
        base = self.bases.get(theirs)
        if base is None:
            return None
        try:
            tree = self._merge(self._tree_of(base), ours_tree, self._tree_of(theirs))
            if tree is not None:
                self._entries(tree)  # git rewrites a root with odd modes: let it
            return tree
        except (KeyError, ValueError):  # an object git does not have, or cannot parse
            return None
        except OSError:  # the cat-file process is gone: git merges the rest
            self.bases = {}
            return None

    def close(self) -> None:
        self.reader.close()

    # ------------------------------------------------------------------ objects

    def _tree_of(self, commit: str) -> str:
        if commit not in self._trees:
            kind, data = self.reader.read(commit)
            if kind != b"commit" or not data.startswith(b"tree "):
                raise ValueError(commit)
            self._trees[commit] = data[5:45].decode()
        return self._trees[commit]

    def _entries(self, tree: str) -> dict[bytes, tuple[bytes, bytes]]:
        """name -> (mode, raw 20-byte id) of a tree object; ValueError for a mode git would
        rewrite (it writes only canonical modes; `git fsck` flags others)."""
        kind, data = self.reader.read(tree)
        if kind != b"tree":
            raise ValueError(tree)
        found: dict[bytes, tuple[bytes, bytes]] = {}
        at = 0
        while at < len(data):
            space = data.index(b" ", at)
            nul = data.index(b"\0", space)
            mode = data[at:space]
            if mode not in CANONICAL_MODES:
                raise ValueError(f"{tree}: mode {mode!r}")
            found[data[space + 1 : nul]] = (mode, data[nul + 1 : nul + 21])
            at = nul + 21
        return found

    # ------------------------------------------------------------------ the merge

    def _merge(self, base: str, ours: str, theirs: str) -> str | None:
        if ours == theirs or theirs == base:
            return ours
        if ours == base:
            return theirs
        b, o, t = self._entries(base), self._entries(ours), self._entries(theirs)
        merged = dict(o)
        for name in b.keys() | o.keys() | t.keys():
            was, mine, other = b.get(name), o.get(name), t.get(name)
            if other == was:
                continue  # theirs left it alone: ours stands
            if other == mine:  # the same change on both sides
                if mine is None or _is_tree(was) != _is_tree(mine):
                    return None  # gone from both sides (or a folder both replaced): renames?
                if was is not None and _is_tree(was) and self._loses(was, mine):
                    return None  # the same, deeper down
                continue
            if mine == was:  # only theirs changed it
                if _is_tree(was) and not _is_tree(other):
                    return None  # a folder they removed or replaced (renamed?): let git decide
                if other is None:
                    merged.pop(name, None)
                else:
                    merged[name] = other
                continue
            # changed on both sides, differently: only two directories can still be merged
            if not (_is_tree(was) and _is_tree(mine) and _is_tree(other)):
                return None
            assert was is not None and mine is not None and other is not None
            sub = self._merge(was[1].hex(), mine[1].hex(), other[1].hex())
            if sub is None:
                return None
            if sub == EMPTY_TREE:
                merged.pop(name, None)  # git keeps no empty folder
            else:
                merged[name] = (TREE_MODE, bytes.fromhex(sub))
        return self.writer.write(b"tree", _tree_bytes(merged))

    def _loses(self, was: tuple[bytes, bytes], now: tuple[bytes, bytes]) -> bool:
        """Whether folder `now` lacks anything folder `was` had, at any depth (a path that
        became a folder, or stopped being one, counts as lost)."""
        before, after = self._entries(was[1].hex()), self._entries(now[1].hex())
        for name, entry in before.items():
            new = after.get(name)
            if new is None or _is_tree(entry) != _is_tree(new):
                return True
            if new != entry and _is_tree(entry) and self._loses(entry, new):
                return True
        return False


def _is_tree(entry: tuple[bytes, bytes] | None) -> bool:
    return entry is not None and entry[0] == TREE_MODE


def _tree_bytes(entries: dict[bytes, tuple[bytes, bytes]]) -> bytes:
    """A tree object's content, in git's order (a directory sorts as if its name ended in /)."""

    def key(name: bytes) -> bytes:
        return name + b"/" if entries[name][0] == TREE_MODE else name

    return b"".join(
        entries[name][0] + b" " + name + b"\0" + entries[name][1]
        for name in sorted(entries, key=key)
    )


def unique_bases(listed: GitResult, tips: Sequence[str]) -> dict[str, str]:
    """From `git rev-list --parents TIPS --not START`: each tip whose own commits are shared
    with no other tip and leave that history through exactly one parent -> that parent."""
    if not listed.ok:
        return {}
    lines = listed.stdout.splitlines()
    if len(lines) > MAX_HISTORY:
        return {}
    parents = {}
    for line in lines:
        ids = line.split()
        if ids:
            parents[ids[0]] = ids[1:]
    owners: dict[str, int] = {}
    reach: dict[str, set[str]] = {}
    for tip in dict.fromkeys(tips):
        seen: set[str] = set()
        todo = [tip] if tip in parents else []
        while todo:
            commit = todo.pop()
            if commit not in seen:
                seen.add(commit)
                todo.extend(p for p in parents[commit] if p in parents)
        reach[tip] = seen
        for commit in seen:
            owners[commit] = owners.get(commit, 0) + 1
    bases: dict[str, str] = {}
    for tip, seen in reach.items():
        if not seen or any(owners[c] > 1 for c in seen):
            continue  # nothing of its own (git says "no changes"), or stacked on another
        exits = {p for c in seen for p in parents[c] if p not in parents}
        if len(exits) == 1:
            bases[tip] = exits.pop()
    return bases
