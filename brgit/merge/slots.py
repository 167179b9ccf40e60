"""The train's scratch worktrees ("slots") and the verify processes running in them.

Each slot is a detached worktree under git's common directory where one verify run at a time
checks a merged commit. A verify process is recorded (pid, start time, slot) in
`.buildrunner/merge/running/<slot>.json` while it runs, so that after a crash
`br merge --abort` can stop exactly those processes (a pid reused by another program has
another start time and is left alone) before it removes any worktree.
"""

from __future__ import annotations

import json
import queue
from dataclasses import asdict, dataclass
from pathlib import Path

from brgit import paths
from brgit.gitops import merge as gm
from brgit.merge import procs


@dataclass(frozen=True)
class RunRecord:
    train_id: str
    slot: int
    pid: int  # also the process group's id (each verify run leads its own group)
    started: int | None  # the process's start time (clock ticks since boot)
    scratch: str


def running_dir(root: Path) -> Path:
    return root / paths.STORE_DIRNAME / "merge" / "running"


def slot_paths(scratch: Path, count: int) -> list[Path]:
    """Slot 0 is the train's recorded scratch path; more slots sit beside it."""
    return [scratch if n == 0 else scratch.with_name(f"{scratch.name}.{n}") for n in range(count)]


class Slots:
    """`count` scratch worktrees, made when first needed; each is lent to one job at a time."""

    def __init__(self, root: Path, train_id: str, where: list[Path]) -> None:
        self.root = root
        self.train_id = train_id
        self.paths = where
        self.made: set[int] = set()
        self._free: queue.SimpleQueue[int] = queue.SimpleQueue()
        for n in range(len(where)):
            self._free.put(n)

    def acquire(self) -> int:
        return self._free.get()

    def release(self, slot: int) -> None:
        self._free.put(slot)

    def place(self, slot: int, commit: str) -> Path:
        """The slot's worktree, at `commit` (made there the first time)."""
        path = self.paths[slot]
        if slot in self.made:
            gm.checkout(path, commit)
        else:
            gm.add_scratch(self.root, path, commit)
            self.made.add(slot)
        return path

    def started(self, slot: int, pid: int) -> None:
        from brgit.parallel.control import process_start

        record = RunRecord(self.train_id, slot, pid, process_start(pid), str(self.paths[slot]))
        folder = running_dir(self.root)
        folder.mkdir(parents=True, exist_ok=True)
        file = folder / f"{slot}.json"
        tmp = file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(record)), encoding="utf-8")
        tmp.replace(file)

    def ended(self, slot: int) -> None:
        (running_dir(self.root) / f"{slot}.json").unlink(missing_ok=True)

    def remove_all(self) -> None:
        for slot in sorted(self.made):
            gm.remove_scratch(self.root, self.paths[slot])
        self.made.clear()


def read_running(root: Path) -> list[RunRecord]:
    """The verify runs recorded as running (an unreadable record is skipped)."""
    found = []
    for file in sorted(running_dir(root).glob("*.json")):
        try:
            found.append(RunRecord(**json.loads(file.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError):
            continue
    return found


def clear_running(root: Path) -> None:
    folder = running_dir(root)
    for file in folder.glob("*.json"):
        file.unlink(missing_ok=True)
    for file in folder.glob("*.tmp"):
        file.unlink(missing_ok=True)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def stop_recorded(record: RunRecord, wait: float = 5.0) -> bool:
    """Stop a recorded verify run and everything in its process group; True once none of it
    is left. The group is ours when its leader still has the recorded start time, or when the
    leader is gone (a group id stays taken while any member lives, so no other group can
    have it then); a leader with another start time means the pid was reused: left alone."""
    if not is_ours(record):
        return True  # the pid belongs to another process: ours is long gone
    return procs.stop_group(record.pid, wait)


def is_ours(record: RunRecord) -> bool:
    """False when the recorded pid now leads a process with another start time."""
    from brgit.parallel.control import process_start

    now = process_start(record.pid)
    return now is None or record.started is None or now == record.started
