"""The plan's dependency graph: computed once, linear, with what a scheduler needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from brgit.core import plan as plan_module
from brgit.core.plan import Plan, Task, load_plan
from brgit.errors import BuildRunnerError, PlanError


def _diamond() -> Plan:
    return Plan(
        "p",
        [
            Task("d", depends_on=["b", "c"]),
            Task("c", depends_on=["a", "a"]),  # a repeated dependency counts once
            Task("b", depends_on=["a"]),
            Task("a"),
            Task("e"),
        ],
    )


def test_graph_gives_order_dependents_and_in_degrees() -> None:
    plan = _diamond()
    graph = plan.graph()
    assert graph.order == ("a", "c", "b", "d", "e")  # ready tasks in plan order
    assert graph.dependents["a"] == ("c", "b") and graph.dependents["d"] == ()
    assert graph.in_degrees() == {"d": 2, "c": 1, "b": 1, "a": 0, "e": 0}
    assert plan.dependents("a") == ["c", "b", "d"]
    counts = graph.in_degrees()
    counts["d"] -= 1  # a scheduler's copy; the plan's graph is untouched
    assert graph.in_degrees()["d"] == 2


def test_order_is_computed_once_and_follows_a_new_task_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    real = plan_module._build_graph

    def counting(tasks: list[Task]) -> plan_module.Graph:
        calls.append(len(tasks))
        return real(tasks)

    monkeypatch.setattr(plan_module, "_build_graph", counting)
    plan = _diamond()
    plan.validate()
    for _ in range(5):
        assert [t.id for t in plan.order()] == ["a", "c", "b", "d", "e"]
    assert calls == [5]
    plan.tasks.append(Task("f", depends_on=["e"]))
    assert plan.order()[-1].id == "f" and calls == [5, 6]
    plan.tasks[0].depends_on = ["e"]  # changed in place: invalidate() says so
    plan.invalidate()
    assert [t.id for t in plan.order()] == ["a", "c", "b", "e", "d", "f"]
    assert calls == [5, 6, 6]


def test_task_lookup_follows_an_id_changed_in_place() -> None:
    plan = _diamond()
    assert plan.task("e").id == "e"
    plan.tasks[4].id = "renamed"
    assert plan.task("renamed") is plan.tasks[4]


def test_a_long_cycle_is_named_without_recursion() -> None:
    n = 5000
    tasks = [Task(f"t{i}", depends_on=[f"t{(i + 1) % n}"]) for i in range(n)]
    with pytest.raises(PlanError, match="dependency cycle among tasks: t0, t1, ") as caught:
        Plan("p", tasks).validate()
    assert str(caught.value).endswith(", t0")


def test_large_plans_load_and_order(tmp_path: Path) -> None:
    """A 20,000-task chain plus fan-out: every task placed once, dependencies first."""
    n = 20_000
    tasks = [Task(f"t{i}", depends_on=[f"t{i - 1}"] if i else []) for i in range(n)]
    tasks += [Task(f"leaf{i}", depends_on=["t0", f"t{n - 1}"]) for i in range(100)]
    plan = Plan("big", tasks)
    plan.validate()
    order = [t.id for t in plan.order()]
    assert len(order) == len(set(order)) == n + 100
    assert order[:2] == ["t0", "t1"] and order[n - 1] == f"t{n - 1}"
    assert len(plan.dependents("t0")) == n - 1 + 100


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[plan]\nname = "bad name"\n[[tasks]]\nid = "a"\n', "plan name 'bad name'"),
        ('[[tasks]]\nid = "a"\nrun = "echo \\u0000"\n', "'run' contains a NUL"),
        ('[[tasks]]\nid = "a"\ntitle = "x\\u0000"\n', "'title' contains a NUL"),
        ('[[tasks]]\nid = "a..b"\n', "task id 'a..b'"),
        ('[[tasks]]\nid = "x.lock"\n', "task id 'x.lock'"),
        ('[[tasks]]\nid = "x."\n', "task id 'x.'"),
        ('[[tasks]]\nid = "x\\n"\n', "task id 'x\\\\n'"),
        ('[[tasks]]\nid = "-m"\n', "task id '-m'"),
        ('[[task]]\nid = "a"\n', "unknown key 'task'"),
        ('[plan]\nnme = "x"\n[[tasks]]\nid = "a"\n', "unknown key 'nme'"),
        ('[plan]\nname = 5\n[[tasks]]\nid = "a"\n', "plan.name must be a string"),
        ("[[tasks]]\nid = 'a'\nrun = " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
    ],
)
def test_hostile_plan_files_are_plan_errors(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "p.toml"
    file.write_text(text)
    with pytest.raises(BuildRunnerError, match=message) as caught:
        load_plan(file)
    assert caught.value.exit_code == 2 and str(caught.value).startswith(str(file))


def test_a_plan_pickles_and_copies_with_its_graph() -> None:
    import copy
    import pickle

    plan = _diamond()
    plan.validate()
    again = pickle.loads(pickle.dumps(plan))
    assert [t.id for t in again.order()] == [t.id for t in plan.order()]
    assert copy.deepcopy(plan).graph() == plan.graph()
