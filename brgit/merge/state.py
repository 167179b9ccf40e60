"""The train's state file, `.buildrunner/merge/train.json`: one train at a time, and `--abort`.

The file is written when a train starts and removed when it ends. If `br` dies mid-train (a
crash, SIGKILL), the file and the scratch worktree stay behind; the target branch is still at
its last verified commit, because only verified commits are ever written to it.
`abort()` removes the scratch worktree and the file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from brgit import paths
from brgit.errors import MergeError
from brgit.gitops import merge as gm
from brgit.parallel.control import pid_alive as alive


@dataclass(frozen=True)
class TrainState:
    train_id: str
    pid: int
    target: str
    start_commit: str
    scratch: str
    started_at: str
    session: str | None = None


def state_file(root: Path) -> Path:
    return root / paths.STORE_DIRNAME / "merge" / "train.json"


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


def begin(root: Path, target: str, start_commit: str, session: str | None) -> TrainState:
    """Claim the train slot; refuse if another train runs or a stopped one was not cleaned up."""
    from brgit.config import atomic_write

    old = read(root)
    if old is not None:
        if alive(old.pid) and _is_br(old.pid) and old.pid != os.getpid():
            raise MergeError(f"a merge train is already running (pid {old.pid})")
        raise MergeError(
            f"a merge train stopped mid-way (pid {old.pid}); run `br merge --abort` first"
        )
    train_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    state = TrainState(
        train_id,
        os.getpid(),
        target,
        start_commit,
        str(scratch_path(root, train_id)),
        dt.datetime.now(dt.UTC).isoformat(),
        session,
    )
    try:
        atomic_write(state_file(root), json.dumps(asdict(state), indent=2))
    except OSError as exc:
        raise MergeError(f"cannot write {state_file(root)}: {exc.strerror or exc}") from None
    return state


def finish(root: Path, state: TrainState) -> None:
    gm.remove_scratch(root, Path(state.scratch))
    state_file(root).unlink(missing_ok=True)


def abort(root: Path) -> TrainState | None:
    """Clean up a stopped or crashed train; None when there is nothing to clean."""
    state = read(root)
    if state is None:
        return None
    if state.pid != os.getpid() and alive(state.pid) and _is_br(state.pid):
        raise MergeError(f"the merge train is still running (pid {state.pid}); stop it first")
    finish(root, state)
    return state


def _is_br(pid: int) -> bool:
    """Whether `pid` still looks like a brgit process (pids get reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # cannot tell: assume it is
    return b"br" in cmdline
