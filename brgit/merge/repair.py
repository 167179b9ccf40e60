"""Repair: an ejected branch is brought up to date with the target and handed back to its agent.

For a conflict, the target is merged into the branch in the branch's worktree and the
conflict is left in place; the agent is told the files and both sides. For a failed verify
command (or gate), the target is merged in (cleanly, or with its conflict left the same way)
and the agent is given the output. Afterwards the branch is repaired when no file is left
unmerged or holds conflict markers and the branch has a new commit (brgit commits what the
agent left, as a worker does); it then goes back into the train behind the others. Otherwise
the branch is put back where it was and stays ejected.

Running the agent is not done here: a `Fixer` (given by the caller: the agent registry for
session tasks) is handed a `RepairRequest` and works in its worktree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from brgit.errors import BuildRunnerError
from brgit.gitops import merge as gm
from brgit.gitops.git import run_git
from brgit.gitops.worktrees import attach_worktree, default_root, release
from brgit.merge.model import CONFLICT, Repair, TrainItem

if TYPE_CHECKING:
    pass

REPAIRABLE = ("conflict", "verification failed", "gate failed")
MARKER = re.compile(rb"^(<{7} |>{7} |={7}$)", re.MULTILINE)


@dataclass(frozen=True)
class RepairRequest:
    task_id: str
    branch: str
    worktree: Path  # the branch checked out, the target merged in (a conflict left in place)
    cause: str  # CONFLICT | VERIFY_FAILED | GATE_FAILED
    target: str
    target_commit: str
    files: list[str] = field(default_factory=list)  # files left in conflict
    detail: str = ""  # the ejection's detail: verify output or the gate's reason
    log: str = ""  # the whole verify output
    prompt: str = ""

    def env(self) -> dict[str, str]:
        """What a repair command is told, besides working in `worktree`."""
        return {
            "BR_REPAIR_CAUSE": self.cause,
            "BR_REPAIR_FILES": "\n".join(self.files),
            "BR_REPAIR_TARGET": self.target,
            "BR_REPAIR_LOG": self.log,
        }


class Fixer(Protocol):
    def __call__(self, request: RepairRequest) -> tuple[bool, str]:
        """Work on the request in its worktree; (ok, detail): not ok when it could not run
        (no repair command) or its agent failed. Success is judged from the worktree."""
        ...


def repair(
    root: Path,
    item: TrainItem,
    cause: str,
    target: tuple[str, str],
    fixer: Fixer,
    *,
    worktree_root: str = "",
    **found: str,
) -> Repair:
    """Hand `item` (ejected for `cause`) back to its agent; `target` is (name, verified
    commit). `found` may hold `detail` and `log` from the ejection. A branch with no worktree
    of its own is checked out under `worktree_root` (`parallel.worktree_root`, default beside
    the repository), where agent CLIs may write (none writes under `.git/`)."""
    made = _worktree_for(root, item, worktree_root)
    if isinstance(made, str):
        return Repair(item.task_id, item.branch, cause, False, made)
    where, temporary = made
    try:
        return _attempt(where, item, cause, target, fixer, found)
    finally:
        if temporary and _unused(where):  # else left for `br worktree prune` to report
            release(root, where)


def _unused(where: Path, wait: float = 5.0) -> bool:
    """Whether no process works in `where` any more (an agent stopped by Ctrl-C takes a
    moment to go): a worktree is never removed from under a running process."""
    from brgit.merge.procs import users_of
    from brgit.process import wait_until

    return wait_until(lambda: not users_of(where), wait)


def _attempt(
    where: Path,
    item: TrainItem,
    cause: str,
    target: tuple[str, str],
    fixer: Fixer,
    found: Mapping[str, str],
) -> Repair:
    def record(resolved: bool, detail: str, files: list[str], commit: str = "") -> Repair:
        return Repair(item.task_id, item.branch, cause, resolved, detail, files, commit)

    if gm.tracked_changes(where):
        return record(False, f"{where} has uncommitted changes; left alone", [])
    before = gm.head(where)
    name, commit = target
    message = f"br repair: bring {item.task_id} up to date with {name}"
    merged = run_git(
        ["merge", "--no-verify", "--no-edit", "-m", message, commit], where, check=False
    )
    files = gm.conflicted(where) if not merged.ok else []
    if not merged.ok and not files:
        _restore(where, before)
        return record(False, f"could not merge {name} into it: {merged.stderr.strip()}", [])
    up_to_date = gm.head(where)
    if merged.ok and cause == CONFLICT:  # up to date with the target, nothing left to solve
        return record(True, f"merged {name} without a conflict", [], up_to_date)
    request = RepairRequest(
        item.task_id, item.branch, where, cause, name, commit, files,
        found.get("detail", ""), found.get("log", ""),
    )  # fmt: skip
    request = replace(request, prompt=prompt(request, _their_side(where, before, commit, files)))
    ran, said = fixer(request)
    if not ran:
        _restore(where, before)
        return record(False, said or "the repair could not run", files)
    return _judge(where, before, up_to_date, files, said, record)


def _judge(
    where: Path,
    before: str,
    up_to_date: str,
    files: list[str],
    said: str,
    record: Callable[..., Repair],
) -> Repair:
    """Resolved: nothing unmerged, no conflict markers, and a new commit (made here from
    what the agent left, as a worker's changes are committed)."""
    left = [f for f in files if _has_markers(where / f)]
    if not left:
        run_git(["add", "-A"], where)  # a file saved without markers is resolved
        left = gm.conflicted(where)
    if left:
        detail = f"conflict markers left in {', '.join(left)}"
        _restore(where, before)
        return record(False, _with(detail, said), files)
    staged = not run_git(["diff", "--cached", "--quiet"], where, check=False).ok
    if staged or _merging(where):
        msg = "br repair: resolved by its agent"
        run_git(["commit", "-q", "--no-verify", "--no-edit", "-m", msg], where)
    tip = gm.head(where)
    if tip in (before, up_to_date):
        _restore(where, before)
        return record(False, _with("the agent changed nothing", said), files)
    return record(True, _with("resolved", said), files, tip)


def _with(detail: str, said: str) -> str:
    return f"{detail}: {said}" if said else detail


def _has_markers(path: Path) -> bool:
    try:
        return bool(MARKER.search(path.read_bytes()))
    except OSError:
        return False


def _merging(where: Path) -> bool:
    return run_git(["rev-parse", "-q", "--verify", "MERGE_HEAD"], where, check=False).ok


def _restore(where: Path, before: str) -> None:
    """Put the branch and its files back as they were before the repair."""
    if _merging(where):
        run_git(["merge", "--abort"], where, check=False)
    run_git(["reset", "-q", "--hard", before], where, check=False)


def _their_side(where: Path, before: str, commit: str, files: list[str]) -> list[str]:
    """The target's commits that touched the conflicting files since the branch forked."""
    if not files:
        return []
    args = ["log", "--no-merges", "--format=%h %s", f"{before}..{commit}", "--", *files]
    return run_git(args, where, check=False).stdout.splitlines()[:20]


def prompt(request: RepairRequest, theirs: list[str]) -> str:
    """What the agent is asked: the files and both sides, or the failing output."""
    lines = [f"Your branch {request.branch} (task {request.task_id}) could not be merged into "
             f"{request.target}."]  # fmt: skip
    if request.files:
        lines += [
            f"{request.target} ({request.target_commit[:12]}) has been merged into your branch "
            "in this worktree and the merge stopped with conflicts in:",
            *(f"- {f}" for f in request.files),
            "Between the <<<<<<< and ======= markers is your branch's side (HEAD); between "
            f"======= and >>>>>>> is {request.target}'s side. {request.target}'s commits that "
            "touched these files:",
            *(f"  {line}" for line in theirs or ["(none listed)"]),
            "Resolve every conflict so both changes work together, remove all markers, and "
            "leave the files saved (committing is optional).",
        ]
    if request.cause != CONFLICT:
        lines += [
            f"After merging, the check failed ({request.cause}). Its last output:",
            request.detail or "(no output)",
            *([f"The whole output is in {request.log}."] if request.log else []),
            "Fix the code so the check passes, and leave the files saved.",
        ]
    return "\n".join(lines)


def _worktree_for(root: Path, item: TrainItem, configured: str) -> tuple[Path, bool] | str:
    """The branch's own worktree if it still has the branch checked out, else a temporary
    one recorded as brgit's; a string says why there is none."""
    own = Path(item.worktree) if item.worktree else None
    if own is not None and own.is_dir():
        result = run_git(["symbolic-ref", "-q", "HEAD"], own, check=False)
        if result.ok and result.stdout.strip() == f"refs/heads/{item.branch}":
            return own, False
    elsewhere = gm.worktree_of_branch(root, item.branch)
    if elsewhere is not None:
        return f"{item.branch} is checked out at {elsewhere}; repair it there"
    path = default_root(root, configured) / "repair" / item.task_id
    try:
        return attach_worktree(root, path, item.branch), True
    except BuildRunnerError as exc:
        return f"no worktree for {item.branch}: {exc}"
