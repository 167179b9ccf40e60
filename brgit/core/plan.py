"""Plans: tasks with dependencies, stored as hand-editable TOML.

```toml
[plan]
name = "sample"

[[tasks]]
id = "api"
title = "Add the API"
description = "..."
role = "builder"
files = ["src/api.py"]
depends_on = []
run = "python make_api.py"      # what the shell agent runs
verify = "pytest -q tests/api"   # optional, run after the agent in the worktree
repair = "python fix_api.py"     # optional: what `br merge --repair` runs for a shell task
```
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brgit.errors import NotFoundError, PlanError
from brgit.files import atomic_write
from brgit.names import ID_MAX, id_problem, slugify

ROLES = ("builder", "tester", "reviewer", "docs", "architect", "security", "ops")
_TASK_KEYS = {
    "id",
    "title",
    "description",
    "role",
    "files",
    "depends_on",
    "model",
    "run",
    "verify",
    "agent",
    "repair",
}
_PLAN_TABLES = ("plan", "tasks")
_HEADER_KEYS = ("name", "spec")


@dataclass
class Task:
    id: str
    title: str = ""
    description: str = ""
    role: str = "builder"
    files: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    model: str | None = None
    run: str | None = None
    verify: str | None = None
    agent: str | None = None
    repair: str | None = None  # shell tasks: the command `br merge --repair` runs

    def __post_init__(self) -> None:
        self.title = self.title or self.id

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "role": self.role,
            "files": list(self.files),
            "depends_on": list(self.depends_on),
        }
        for key in ("model", "run", "verify", "agent", "repair"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


@dataclass(frozen=True)
class Graph:
    """A plan's dependency graph, computed once: the order, and what a scheduler needs to keep
    a ready set up to date on each completion without re-sorting the plan. Shared by every
    caller: read it, copy what you count down (`in_degrees()` is a fresh dict). Plain data, so a
    plan pickles (for other processes) with it."""

    order: tuple[str, ...]  # dependencies first, then plan order
    dependencies: Mapping[str, tuple[str, ...]]  # each task's distinct direct dependencies
    dependents: Mapping[str, tuple[str, ...]]  # each task's direct dependents, in plan order

    def in_degrees(self) -> dict[str, int]:
        """Each task's number of distinct dependencies (a fresh dict a scheduler may count down)."""
        return {task_id: len(deps) for task_id, deps in self.dependencies.items()}


@dataclass
class Plan:
    """Tasks in plan order. The id index and the graph are computed on first use and kept; they
    follow a replaced or resized `tasks` list, and `invalidate()` drops them after a task's id or
    dependencies were changed in place."""

    name: str
    tasks: list[Task]
    source: str | None = None  # the spec it came from

    def __post_init__(self) -> None:
        self._index: dict[str, Task] = {}
        self._graph: Graph | None = None
        self._key: tuple[int, int] = (0, -1)

    def invalidate(self) -> None:
        self._index, self._graph, self._key = {}, None, (0, -1)

    def _fresh(self) -> None:
        key = (id(self.tasks), len(self.tasks))
        if key != self._key:
            self.invalidate()
            self._key = key

    def task(self, task_id: str) -> Task:
        self._fresh()
        found = self._index.get(task_id)
        if found is None or found.id != task_id:
            self._index = {}
            for task in self.tasks:
                self._index.setdefault(task.id, task)
            found = self._index.get(task_id)
        if found is None:
            raise NotFoundError(f"plan {self.name!r} has no task {task_id!r}")
        return found

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.tasks]

    def validate(self) -> None:
        """Bad names, NUL characters, duplicate ids, unknown dependencies and cycles are
        PlanErrors."""
        problem = id_problem(self.name)
        if problem:
            raise PlanError(f"plan name {self.name!r} {problem} (it names the session)")
        for task in self.tasks:
            problem = id_problem(task.id)
            if problem:
                raise PlanError(f"task id {task.id!r} {problem}")
            _check_text(task)
        self.graph()

    def graph(self) -> Graph:
        """The dependency graph (PlanError on a duplicate id, an unknown dependency or a cycle)."""
        self._fresh()
        if self._graph is None:
            self._graph = _build_graph(self.tasks)
        return self._graph

    def order(self) -> list[Task]:
        """Dependencies first, then plan order (a stable topological sort, computed once)."""
        return [self.task(task_id) for task_id in self.graph().order]

    def dependents(self, task_id: str) -> list[str]:
        """Every task that depends on `task_id`, directly or not."""
        direct = self.graph().dependents
        out: dict[str, None] = {}
        frontier = [task_id]
        while frontier:
            for child in direct.get(frontier.pop(), ()):
                if child not in out:
                    out[child] = None
                    frontier.append(child)
        return list(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "tasks": [t.to_dict() for t in self.tasks],
        }


def _check_text(task: Task) -> None:
    """A NUL cannot be passed to a process (git, a shell, an agent): refuse it at load."""
    for key, value in vars(task).items():
        values = value if isinstance(value, list) else (value,)
        if any(isinstance(v, str) and "\0" in v for v in values):
            raise PlanError(f"task {task.id!r}: {key!r} contains a NUL character")


def _build_graph(tasks: list[Task]) -> Graph:
    """Kahn's algorithm with a heap of plan positions: O((tasks + edges) log tasks)."""
    position: dict[str, int] = {}
    for i, task in enumerate(tasks):
        if task.id in position:
            raise PlanError(f"duplicate task id {task.id!r}")
        position[task.id] = i
    dependencies: dict[str, tuple[str, ...]] = {}
    dependents: dict[str, list[str]] = {task.id: [] for task in tasks}
    for task in tasks:
        distinct = tuple(dict.fromkeys(task.depends_on))
        for dep in distinct:
            if dep not in position:
                raise PlanError(f"task {task.id!r} depends on unknown task {dep!r}")
            if dep == task.id:
                raise PlanError(f"task {task.id!r} depends on itself")
            dependents[dep].append(task.id)
        dependencies[task.id] = distinct
    waiting = {task_id: len(deps) for task_id, deps in dependencies.items()}
    ready = [position[task_id] for task_id, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        done = tasks[heapq.heappop(ready)].id
        order.append(done)
        for child in dependents[done]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, position[child])
    if len(order) < len(tasks):
        raise PlanError(f"dependency cycle among tasks: {', '.join(_cycle(dependencies, order))}")
    return Graph(tuple(order), dependencies, {k: tuple(v) for k, v in dependents.items()})


def _cycle(dependencies: dict[str, tuple[str, ...]], done: list[str]) -> list[str]:
    """One cycle among the tasks that never became ready, for the error message."""
    finished = set(done)
    blocked = [t for t in dependencies if t not in finished]
    path: dict[str, int] = {}
    current = blocked[0]
    while current not in path:
        path[current] = len(path)
        current = min(d for d in dependencies[current] if d not in finished)
    walk = list(path)
    return [*walk[path[current] :], current]


def _task_from(data: Any, index: int, file: Path) -> Task:
    if not isinstance(data, dict):
        raise PlanError(f"{file}: tasks[{index}] must be a table")
    unknown = set(data) - _TASK_KEYS
    if unknown:
        raise PlanError(f"{file}: tasks[{index}]: unknown key {sorted(unknown)[0]!r}")
    if not isinstance(data.get("id"), str) or not data["id"]:
        raise PlanError(f"{file}: tasks[{index}]: 'id' is required and must be a string")
    for key in ("files", "depends_on"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PlanError(f"{file}: task {data['id']!r}: {key!r} must be a list of strings")
    for key in ("title", "description", "role", "model", "run", "verify", "agent", "repair"):
        if key in data and not isinstance(data[key], str):
            raise PlanError(f"{file}: task {data['id']!r}: {key!r} must be a string")
    return Task(
        id=data["id"],
        title=data.get("title", "") or data["id"],
        description=data.get("description", ""),
        role=data.get("role", "builder") or "builder",
        files=list(data.get("files", [])),
        depends_on=list(data.get("depends_on", [])),
        model=data.get("model") or None,
        run=data.get("run") or None,
        verify=data.get("verify") or None,
        agent=data.get("agent") or None,
        repair=data.get("repair") or None,
    )


def load_plan(file: Path) -> Plan:
    """Read and validate a plan file."""
    from brgit.config import parse_toml, read_text

    if not file.exists():
        raise NotFoundError(f"plan file not found: {file}")
    data = parse_toml(file, read_text(file))
    header = data.get("plan", {})
    tasks_data = data.get("tasks", [])
    if not isinstance(header, dict) or not isinstance(tasks_data, list):
        raise PlanError(f"{file}: expected a [plan] table and [[tasks]] entries")
    for table, known in ((data, _PLAN_TABLES), (header, _HEADER_KEYS)):
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise PlanError(f"{file}: unknown key {unknown[0]!r} (known: {', '.join(known)})")
    if not tasks_data:
        raise PlanError(f"{file}: the plan has no [[tasks]]")
    for key in _HEADER_KEYS:
        if not isinstance(header.get(key, ""), str):
            raise PlanError(f"{file}: plan.{key} must be a string")
    tasks = [_task_from(t, i, file) for i, t in enumerate(tasks_data)]
    stem = file.stem if id_problem(file.stem) is None else slugify(file.stem, ID_MAX)
    name = header.get("name") or stem
    plan = Plan(name=name, tasks=tasks, source=header.get("spec") or None)
    try:
        plan.validate()
    except PlanError as exc:
        raise PlanError(f"{file}: {exc}") from None
    return plan


def dump_plan(plan: Plan) -> str:
    """The plan as TOML meant for hand editing.

    A plan is a fixed schema of strings and lists of strings, so it is written directly: a
    JSON string is a valid TOML basic string once DEL is escaped too. tomlkit, which brgit
    uses to edit config files in place, took 73 s for a plan of 80,000 tasks; this takes 3 s.
    """
    lines = [
        "# brgit plan: edit freely; `br run` or `br parallel start` runs it.",
        "",
        "[plan]",
        f"name = {_toml(plan.name)}",
    ]
    if plan.source:
        lines.append(f"spec = {_toml(plan.source)}")
    for task in plan.tasks:
        lines += ["", "[[tasks]]"]
        lines += [f"{key} = {_toml(value)}" for key, value in task.to_dict().items()]
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, list):
        return f"[{', '.join(map(_toml, value))}]"
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def save_plan(plan: Plan, file: Path) -> None:
    plan.validate()
    atomic_write(file, dump_plan(plan))
