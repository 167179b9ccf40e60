"""The train's state file, `.buildrunner/merge/train.json`: one train at a time, and `--abort`.

The file is written when a train starts and removed when it ends. If `br` dies mid-train (a
crash, SIGKILL), the file and the scratch worktree stay behind; the target branch is at a
verified commit, because only verified commits are ever written to it.

Between landings (see `brgit.merge.train`) the newest verified commit is recorded in
`verified.jsonl` after every verify run that passed. `abort()` lands that commit on the target
(compare-and-swap from where the train left it; a checkout follows with `git reset --keep`), so
a crash costs no verified work, then removes the scratch worktree and both files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from brgit import paths
from brgit.errors import GitError, MergeError
from brgit.gitops import merge as gm
from brgit.gitops.git import run_git


@dataclass(frozen=True)
class TrainState:
    train_id: str
    pid: int
    target: str
    start_commit: str
    scratch: str
    started_at: str
    session: str | None = None
    pid_started: int | None = None  # the start time of `br`'s process (pids get reused)
    slots: int = 1  # scratch worktrees for checks: `scratch`, then `scratch.1`, ...
    builder: str = ""  # the worktree the rebase strategy works in, if any

    def worktrees(self) -> list[Path]:
        """Every scratch worktree this train may have made."""
        from brgit.merge.slots import slot_paths

        made = slot_paths(Path(self.scratch), max(1, self.slots))
        return made + ([Path(self.builder)] if self.builder else [])


@dataclass(frozen=True)
class Verified:
    """Verified work that has not landed on the target yet."""

    train_id: str
    target: str
    landed: str  # where the target is
    verified: str  # the newest verified commit
    tasks: list[str]  # the tasks merged between the two


@dataclass(frozen=True)
class Aborted:
    """What `abort()` did: the train it cleaned up, and the verified work it landed."""

    state: TrainState
    landed: str | None = None  # the commit the target moved to
    tasks: list[str] | None = None
    problem: str | None = None  # why verified work could not land (it names the commit)
    stopped: tuple[int, ...] = ()  # verify runs (process groups) it found running and stopped


def state_file(root: Path) -> Path:
    return root / paths.STORE_DIRNAME / "merge" / "train.json"


def verified_file(root: Path) -> Path:
    return root / paths.STORE_DIRNAME / "merge" / "verified.jsonl"


def log_dir(root: Path) -> Path:
    return root / paths.STORE_DIRNAME / "merge" / "logs"


def scratch_path(root: Path, train_id: str) -> Path:
    common = paths.locate(root).common_dir or root / ".git"
    return common / "brgit-merge" / train_id


def read(root: Path) -> TrainState | None:
    file = state_file(root)
    if not file.exists():
        return None
    try:
        return TrainState(**json.loads(file.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise MergeError(f"{file}: unreadable train state ({exc}); remove it by hand") from None


def begin(
    root: Path,
    target: str,
    start_commit: str,
    session: str | None,
    *,
    slots: int = 1,
    builder: bool = False,
) -> TrainState:
    """Claim the train slot; refuse if another train runs or a stopped one was not cleaned up."""
    from brgit.config import atomic_write
    from brgit.parallel.control import process_start

    old = read(root)
    if old is not None:
        if running(old):
            raise MergeError(f"a merge train is already running (pid {old.pid})")
        raise MergeError(
            f"a merge train stopped mid-way (pid {old.pid}); run `br merge --abort` first"
        )
    train_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + os.urandom(3).hex()
    scratch = scratch_path(root, train_id)
    state = TrainState(
        train_id,
        os.getpid(),
        target,
        start_commit,
        str(scratch),
        dt.datetime.now(dt.UTC).isoformat(),
        session,
        process_start(os.getpid()),
        slots,
        str(scratch.with_name(f"{scratch.name}.rebase")) if builder else "",
    )
    try:
        # no fsync: the file guards against a killed `br`; after a power loss, a lost or
        # garbled file at worst leaves a scratch worktree to remove by hand
        atomic_write(state_file(root), json.dumps(asdict(state), indent=2), durable=False)
    except OSError as exc:
        raise MergeError(f"cannot write {state_file(root)}: {exc.strerror or exc}") from None
    return state


def note_verified(root: Path, record: Verified) -> None:
    """Record verified work not landed yet: one line appended to a journal (a single write, no
    fsync: this guards against a killed process; after a power loss the target is still at a
    verified commit). The newest complete line counts."""
    line = json.dumps(
        {
            "train_id": record.train_id,
            "target": record.target,
            "landed": record.landed,
            "verified": record.verified,
            "tasks": record.tasks,
        }
    )
    file = verified_file(root)
    try:
        fd = os.open(file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as exc:
        raise MergeError(f"cannot write {file}: {exc.strerror or exc}") from None


def landed(root: Path) -> None:
    """Everything verified has landed: nothing for `abort()` to recover."""
    verified_file(root).unlink(missing_ok=True)


def read_verified(root: Path, train_id: str) -> Verified | None:
    """The newest verified-not-landed record of train `train_id` (a torn line is skipped)."""
    try:
        lines = verified_file(root).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None  # none, or unreadable: the target stays where it is (a verified commit)
    for line in reversed(lines):
        try:
            record = Verified(**json.loads(line))
        except (ValueError, TypeError):
            continue
        return record if record.train_id == train_id else None
    return None


def finish(root: Path, state: TrainState, *, scratch_removed: bool = False) -> None:
    if not scratch_removed:
        for path in state.worktrees():
            if path.exists():
                gm.remove_scratch(root, path)
    verified_file(root).unlink(missing_ok=True)
    state_file(root).unlink(missing_ok=True)


def abort(root: Path) -> Aborted | None:
    """Clean up a stopped or crashed train: stop the verify runs it left behind, land its
    verified work, then remove its scratch worktrees; None when there is nothing to clean."""
    from brgit.merge import slots

    state = read(root)
    if state is None:
        return None
    if running(state):
        raise MergeError(f"the merge train is still running (pid {state.pid}); stop it first")
    stopped = _stop_what_it_started(root, state)
    result = Aborted(state)
    record = read_verified(root, state.train_id)
    if record is not None and record.verified != record.landed:
        result = _land(root, state, record)
    finish(root, state)
    result = replace(result, stopped=stopped)
    slots.clear_running(root)
    return result


def _stop_what_it_started(root: Path, state: TrainState) -> tuple[int, ...]:
    """Stop the recorded verify runs (process groups), then make sure nothing else still
    works inside a scratch worktree: nothing is removed from under a running process.
    Returns the runs that were still running."""
    from brgit.merge import procs, slots

    stopped = []
    for run in slots.read_running(root):
        if run.train_id != state.train_id:
            continue
        if procs.group_members(run.pid) and slots.is_ours(run):
            stopped.append(run.pid)
        if not slots.stop_recorded(run):
            raise MergeError(
                f"verify run pid {run.pid} of train {state.train_id} did not stop; "
                "nothing was removed (stop it, then run `br merge --abort` again)"
            )
    for path in state.worktrees():
        users = procs.users_of(path) if path.exists() else []
        if users:
            pids = ", ".join(str(p) for p in users[:5])
            raise MergeError(
                f"process(es) {pids} still work in {path}; nothing was removed "
                "(stop them, then run `br merge --abort` again)"
            )
    return tuple(stopped)


def _land(root: Path, state: TrainState, record: Verified) -> Aborted:
    try:
        checkout = gm.worktree_of_branch(root, record.target)
        gm.advance(root, record.target, record.verified, record.landed, checkout)
    except (MergeError, GitError) as exc:
        ref = f"refs/heads/{record.target}"
        contained = ["merge-base", "--is-ancestor", record.verified, ref]
        if run_git(contained, root, check=False).ok:  # it had landed before the crash
            return Aborted(state, record.verified, record.tasks)
        problem = f"{exc}; the verified merge is commit {record.verified}"
        return Aborted(state, None, record.tasks, problem)
    return Aborted(state, record.verified, record.tasks)


def running(state: TrainState) -> bool:
    """Whether the train's `br` process is alive (another process reusing its pid is not)."""
    from brgit.parallel.control import pid_alive

    if state.pid == os.getpid():
        return False
    if state.pid_started is not None:
        return pid_alive(state.pid, state.pid_started)
    return pid_alive(state.pid) and _is_br(state.pid)  # recorded without its start time


def _is_br(pid: int) -> bool:
    """Whether `pid` still looks like a brgit process (pids get reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # cannot tell: assume it is
    return b"br" in cmdline
