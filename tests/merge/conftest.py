"""Helpers for merge-train tests: branches made with real git, and sessions that name them."""

from __future__ import annotations

from pathlib import Path

from brgit.core.plan import Plan, Task
from brgit.core.session import SessionRecord, TaskRecord, branch_for, save_session
from tests.conftest import git


def make_branch(repo: Path, name: str, files: dict[str, str], base: str = "main") -> str:
    """A branch off `base` with one commit writing `files`; the checkout is restored."""
    before = git(repo, "symbolic-ref", "--short", "HEAD")
    git(repo, "checkout", "-q", "-b", name, base)
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        git(repo, "add", rel)
    git(repo, "commit", "-q", "-m", f"work on {name}")
    tip = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", before)
    return tip


def make_session(
    repo: Path,
    name: str,
    tasks: list[Task],
    files: dict[str, dict[str, str]],
    status: dict[str, str] | None = None,
) -> SessionRecord:
    """A saved session whose completed tasks have real branches `br/<name>/<id>`.

    A task's branch starts from its first dependency's branch (as workers do), else main.
    """
    base = git(repo, "rev-parse", "main")
    record = SessionRecord("sid-" + name, name, Plan(name, tasks), base, "main")
    for task in Plan(name, tasks).order():
        state = (status or {}).get(task.id, "completed")
        branch = branch_for(name, task.id)
        rec = TaskRecord(task.id, status=state, branch=branch)
        if state == "completed":
            start = branch_for(name, task.depends_on[0]) if task.depends_on else "main"
            rec.commit = make_branch(repo, branch, files.get(task.id, {}), start)
        record.tasks[task.id] = rec
    save_session(record, repo)
    return record


def subjects(repo: Path, rev: str = "main") -> list[str]:
    """First-parent commit subjects, oldest first."""
    out = git(repo, "log", "--first-parent", "--reverse", "--format=%s", rev)
    return out.splitlines()
