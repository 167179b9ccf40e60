"""Gates: checks run on the merged result after verify passes; a failing gate ejects the branch."""

from __future__ import annotations

from pathlib import Path

import pytest

from brgit.config import Config
from brgit.merge import gates, order
from brgit.merge.model import GATE_FAILED, TrainOptions
from brgit.merge.train import run_train
from tests.merge.conftest import make_branch


class NoTodo:
    """A test gate: fails when a tracked text file says TODO."""

    name = "no-todo"

    def __init__(self) -> None:
        self.seen: list[Path] = []

    def check(self, worktree: Path) -> tuple[bool, str]:
        self.seen.append(worktree)
        found = sorted(p.name for p in worktree.glob("*.txt") if "TODO" in p.read_text())
        return (False, f"TODO left in {', '.join(found)}") if found else (True, "")


@pytest.fixture
def no_todo(monkeypatch: pytest.MonkeyPatch) -> NoTodo:
    gate = NoTodo()
    monkeypatch.setitem(gates.GATES, "no-todo", lambda cfg: gate)
    return gate


def test_a_failing_gate_ejects_the_branch_with_its_reason(repo: Path, no_todo: NoTodo) -> None:
    make_branch(repo, "clean", {"clean.txt": "done\n"})
    make_branch(repo, "sloppy", {"sloppy.txt": "TODO finish\n"})
    make_branch(repo, "later", {"later.txt": "done\n"})
    names = ["clean", "sloppy", "later"]
    opts = TrainOptions("main", verify="true", gates=("no-todo",))
    resolved = gates.resolve(opts.gates, Config())
    result = run_train(repo, order.from_branches(names, repo), opts, gates=resolved)
    assert [m.task_id for m in result.merged] == ["clean", "later"]
    [ejection] = result.ejected
    assert (ejection.task_id, ejection.reason) == ("sloppy", GATE_FAILED)
    assert ejection.detail == "no-todo: TODO left in sloppy.txt"
    assert no_todo.seen and all(".git" in str(p) for p in no_todo.seen)  # scratch worktrees
    assert not (repo / "sloppy.txt").exists()


def test_gates_run_without_a_verify_command_and_bisect_in_batches(
    repo: Path, no_todo: NoTodo
) -> None:
    names = [f"g{i}" for i in range(6)]
    for i, name in enumerate(names):
        make_branch(repo, name, {f"{name}.txt": "TODO\n" if i == 3 else "ok\n"})
    opts = TrainOptions("main", batch=6, gates=("no-todo",))
    result = run_train(repo, order.from_branches(names, repo), opts, gates=[no_todo])
    assert [e.task_id for e in result.ejected] == ["g3"]
    assert [m.task_id for m in result.merged] == [n for n in names if n != "g3"]


def test_a_gate_that_raises_fails_and_the_train_goes_on(repo: Path) -> None:
    class Broken:
        name = "broken"

        def check(self, worktree: Path) -> tuple[bool, str]:
            raise RuntimeError("cannot read the coverage data")

    make_branch(repo, "x", {"x.txt": "x\n"})
    result = run_train(
        repo, order.from_branches(["x"], repo), TrainOptions("main"), gates=[Broken()]
    )
    [ejection] = result.ejected
    assert ejection.detail == "broken: RuntimeError: cannot read the coverage data"


def test_gates_from_the_command_line_and_the_config(repo: Path, br, no_todo: NoTodo) -> None:  # type: ignore[no-untyped-def]
    make_branch(repo, "sloppy", {"sloppy.txt": "TODO\n"})
    shown = br("merge", "sloppy", "--target", "main", "--gate", "no-todo", cwd=repo)
    assert shown.code == 1 and "gate failed" in shown.out
    unknown = br("merge", "sloppy", "--target", "main", "--gate", "nope", cwd=repo)
    assert unknown.code == 2 and "unknown gate 'nope'" in unknown.err
    config = repo / ".buildrunner" / "config.toml"
    config.parent.mkdir(exist_ok=True)
    config.write_text('[merge]\ngate = ["no-todo"]\n')
    assert br("merge", "sloppy", "--target", "main", cwd=repo).code == 1
