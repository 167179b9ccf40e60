"""Speculative verification: several train prefixes checked at once, the same end as one at a time."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from brgit.merge import order
from brgit.merge.model import CONFLICT, VERIFY_FAILED, TrainOptions, TrainResult
from brgit.merge.train import run_train
from tests.conftest import git
from tests.merge.conftest import make_branch

BREAKS = "test ! -f broken"
NAMES = [f"b{i}" for i in range(7)]


def _branches(repo: Path, bad: set[int], clash_after: int | None = None) -> list[str]:
    """Seven branches, each adding its own file; `bad` ones also add `broken` (verify fails).
    With `clash_after`, that branch and the next both edit README.md (a conflict only when
    both get in)."""
    for i, name in enumerate(NAMES):
        files = {f"{name}.txt": f"{name}\n"}
        if i in bad:
            files["broken"] = f"{name}\n"
        if clash_after is not None and i in (clash_after, clash_after + 1):
            files["README.md"] = f"{name} was here\n"
        make_branch(repo, name, files)
    return NAMES


def _train(repo: Path, **opts: object) -> TrainResult:
    options = TrainOptions("main", verify=BREAKS, **opts)  # type: ignore[arg-type]
    return run_train(repo, order.from_branches(NAMES, repo), options)


def _outcome(repo: Path, result: TrainResult) -> tuple[list[str], list[tuple[str, str]], str]:
    ejected = [(e.task_id, e.reason) for e in result.ejected]
    return [m.task_id for m in result.merged], ejected, git(repo, "rev-parse", "main^{tree}")


def _side_by_side(repo: Path, tmp_path: Path, **opts: object) -> tuple[object, object]:
    """The same train one branch at a time and with `opts`, on two copies of one repository."""
    copy = tmp_path / "copy"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(repo, copy, symlinks=True)
    one = _outcome(repo, _train(repo))
    other = _outcome(copy, _train(copy, **opts))
    return one, other


@pytest.mark.parametrize("depth", [3, 7], ids=["groups", "one-a-unit"])
@pytest.mark.parametrize("bad", [{0}, {3}, {6}, {1, 4}], ids=["start", "middle", "end", "two"])
def test_speculation_ends_where_one_at_a_time_ends(
    repo: Path, tmp_path: Path, bad: set[int], depth: int
) -> None:
    _branches(repo, bad)
    one, speculated = _side_by_side(repo, tmp_path, speculate=depth)
    assert speculated == one
    merged, ejected, _ = speculated  # type: ignore[misc]
    assert ejected == [(NAMES[i], VERIFY_FAILED) for i in sorted(bad)]
    assert merged == [n for i, n in enumerate(NAMES) if i not in bad]


def test_speculation_with_batches_ends_where_one_at_a_time_ends(repo: Path, tmp_path: Path) -> None:
    _branches(repo, {2, 5})
    one, speculated = _side_by_side(repo, tmp_path, speculate=2, batch=3)
    assert speculated == one


def test_a_conflict_with_a_branch_that_then_fails_is_not_final(repo: Path, tmp_path: Path) -> None:
    """b2 breaks the tests and edits README.md; b3 edits README.md too. One at a time, b2 is
    ejected first and b3 then merges cleanly: speculation, which merged b3 on top of b2
    before b2 was verified, must reach the same end."""
    _branches(repo, {2}, clash_after=2)
    pristine = tmp_path / "pristine"
    shutil.copytree(repo, pristine, symlinks=True)
    one, speculated = _side_by_side(repo, tmp_path / "s", speculate=3)
    assert speculated == one
    assert one[1] == [("b2", VERIFY_FAILED)]  # type: ignore[index]
    _, batched = _side_by_side(pristine, tmp_path / "b", batch=4)
    assert batched == one


def test_a_real_conflict_is_still_ejected_when_speculating(repo: Path) -> None:
    _branches(repo, set(), clash_after=4)
    result = _train(repo, speculate=3)
    assert [(e.task_id, e.reason) for e in result.ejected] == [("b5", CONFLICT)]
    assert len(result.merged) == 6


def test_verify_runs_get_their_slot_and_stay_within_the_bound(repo: Path, tmp_path: Path) -> None:
    """Each verify run is told its slot; no more run at once than the CPUs allow."""
    _branches(repo, set())
    seen = tmp_path / "seen"
    seen.mkdir()
    verify = (
        f'echo "$BR_VERIFY_SLOT" > {seen}/$$.slot; '
        f"touch {seen}/$$.running; "
        f"ls {seen} | grep -c running >> {seen}/$$.count; sleep 0.2; rm {seen}/$$.running"
    )
    result = run_train(
        repo, order.from_branches(NAMES, repo), TrainOptions("main", verify=verify, speculate=8)
    )
    assert len(result.merged) == 7
    bound = min(8, os.cpu_count() or 1)
    slots = {int(f.read_text()) for f in seen.glob("*.slot")}
    assert slots and slots <= set(range(bound))
    at_once = [int(line) for f in seen.glob("*.count") for line in f.read_text().split()]
    assert max(at_once) <= bound


def test_ctrl_c_while_speculating_lands_only_verified_work_and_stops_every_run(
    repo: Path, tmp_path: Path
) -> None:
    _branches(repo, set())
    pids = tmp_path / "pids"
    pids.mkdir()
    verify = f"echo $$ > {pids}/$$; sleep 0.3"
    def progress(line: str) -> None:
        if line.startswith("verify passed for b2"):
            raise KeyboardInterrupt

    opts = TrainOptions("main", verify=verify, speculate=7)  # one branch a unit
    with pytest.raises(KeyboardInterrupt):
        run_train(repo, order.from_branches(NAMES, repo), opts, progress=progress)
    subjects = git(repo, "log", "--first-parent", "--format=%s", "main").splitlines()
    assert subjects[:2] == ["br merge: b1", "br merge: b0"]  # verified and landed, in order
    assert "br merge: b2" not in subjects
    for file in pids.iterdir():  # every verify run started is gone
        assert not _alive(int(file.name))
    assert "brgit-merge" not in git(repo, "worktree", "list")
    assert not (repo / ".buildrunner" / "merge" / "train.json").exists()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
