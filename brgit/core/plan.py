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

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brgit.errors import NotFoundError, PlanError

TASK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
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


@dataclass
class Plan:
    name: str
    tasks: list[Task]
    source: str | None = None  # the spec it came from

    def task(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise NotFoundError(f"plan {self.name!r} has no task {task_id!r}")

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.tasks]

    def validate(self) -> None:
        """Duplicate ids, unknown dependencies and cycles are PlanErrors."""
        seen: set[str] = set()
        for task in self.tasks:
            if not TASK_ID.match(task.id):
                raise PlanError(
                    f"task id {task.id!r} must be letters, digits, '.', '_' or '-' (max 64)"
                )
            if task.id in seen:
                raise PlanError(f"duplicate task id {task.id!r}")
            seen.add(task.id)
        for task in self.tasks:
            for dep in task.depends_on:
                if dep not in seen:
                    raise PlanError(f"task {task.id!r} depends on unknown task {dep!r}")
                if dep == task.id:
                    raise PlanError(f"task {task.id!r} depends on itself")
        self.order()

    def order(self) -> list[Task]:
        """Dependencies first, then plan order (a stable topological sort)."""
        position = {t.id: i for i, t in enumerate(self.tasks)}
        pending = {t.id: set(t.depends_on) for t in self.tasks}
        done: list[Task] = []
        while pending:
            ready = [t for t, deps in pending.items() if not deps]
            ready.sort(key=lambda t: position[t])
            if not ready:
                raise PlanError(f"dependency cycle among tasks: {', '.join(_cycle(pending))}")
            tid = ready[0]
            done.append(self.task(tid))
            del pending[tid]
            for deps in pending.values():
                deps.discard(tid)
        return done

    def dependents(self, task_id: str) -> list[str]:
        """Every task that depends on `task_id`, directly or not."""
        out: list[str] = []
        frontier = [task_id]
        while frontier:
            current = frontier.pop()
            for task in self.tasks:
                if current in task.depends_on and task.id not in out:
                    out.append(task.id)
                    frontier.append(task.id)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "tasks": [t.to_dict() for t in self.tasks],
        }


def _cycle(pending: dict[str, set[str]]) -> list[str]:
    """One cycle among the blocked tasks, for the error message."""
    start = next(iter(pending))
    path = [start]
    while True:
        nxt = sorted(pending[path[-1]])[0]
        if nxt in path:
            return [*path[path.index(nxt) :], nxt]
        path.append(nxt)


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
    if not tasks_data:
        raise PlanError(f"{file}: the plan has no [[tasks]]")
    tasks = [_task_from(t, i, file) for i, t in enumerate(tasks_data)]
    plan = Plan(name=str(header.get("name") or file.stem), tasks=tasks, source=header.get("spec"))
    plan.validate()
    return plan


def dump_plan(plan: Plan) -> str:
    """The plan as TOML meant for hand editing."""
    import tomlkit

    document = tomlkit.document()
    document.add(
        tomlkit.comment("brgit plan: edit freely; `br run` or `br parallel start` runs it.")
    )
    header = tomlkit.table()
    header.add("name", plan.name)
    if plan.source:
        header.add("spec", plan.source)
    document.add("plan", header)
    tasks = tomlkit.aot()
    for task in plan.tasks:
        table = tomlkit.table()
        for key, value in task.to_dict().items():
            table.add(key, value)
        tasks.append(table)
    document.add("tasks", tasks)
    return tomlkit.dumps(document)


def save_plan(plan: Plan, file: Path) -> None:
    from brgit.config import atomic_write

    plan.validate()
    atomic_write(file, dump_plan(plan))
