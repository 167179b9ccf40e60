"""Names that become git refs, folders and command arguments: task ids, sessions, branches.

A task id or session name is one component of a branch (`br/<session>/<task>`), one folder of a
worktree path and one file name in the store, so brgit narrows git's rules to a small alphabet.
A branch name given by a user (`br worktree spawn --branch`) follows `git check-ref-format
--branch` exactly. Both are checked in Python (a plan of thousands of tasks is validated
without spawning git) and both refuse a leading `-`, so no name can reach git as an option.
"""

from __future__ import annotations

import re

ID_MAX = 64
_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{ID_MAX - 1}}}")
# git check-ref-format(1), rules 4, 5 and 10: control characters, space, ~ ^ : ? * [ and \.
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def id_problem(name: str) -> str | None:
    """Why `name` cannot be a task id or session name, or None when it can."""
    if not _ID.fullmatch(name):  # fullmatch: a trailing newline is not accepted
        return (
            f"must be letters, digits, '.', '_' or '-', start with a letter or digit "
            f"(max {ID_MAX})"
        )
    if name.endswith("."):  # the last component of br/<session>/<task>: git refuses it there
        return "ends with '.'"
    return _component_problem(name)


def ref_problem(name: str) -> str | None:
    """Why `name` is not a branch name under `git check-ref-format --branch`, or None."""
    if not name:
        return "is empty"
    if name.startswith("-"):
        return "starts with '-'"
    if name in ("@", "HEAD"):
        return f"is {name!r}"
    bad = _REF_FORBIDDEN.search(name)
    if bad:
        return f"contains {bad.group()!r}"
    if "@{" in name:
        return "contains '@{'"
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return "has an empty '/' component"
    if name.endswith("."):
        return "ends with '.'"
    for part in name.split("/"):
        problem = _component_problem(part)
        if problem:
            return problem
    return None


def _component_problem(part: str) -> str | None:
    if ".." in part:
        return "contains '..'"
    if part.startswith("."):
        return "has a component starting with '.'"
    if part.endswith(".lock"):
        return "has a component ending in '.lock'"
    return None


def slugify(text: str, limit: int = 40) -> str:
    """Lower-case letters and digits joined by '-': always a valid id (`task` if none is left)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "task"
