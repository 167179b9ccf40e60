"""A matrix of recorded outcomes: each task run on each tier, for replaying a routing policy.

CSV with a header and one row per task and tier: `task_id, repo, text, model, tier, resolved,
produced_patch, cost_usd` (other columns are ignored). `tier` names a brgit model (an alias such
as `haiku` or a catalog id): the replay climbs the file's tiers in catalog order. `resolved`
and `produced_patch` are 0/1 (or true/false); `cost_usd` is what the run cost. Every task needs
one row for every tier in the file, with the same repository and text.

A malformed file is a `UsageError` (exit 2) naming the file and line; a missing one is
`NotFoundError` (exit 6).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from brgit.errors import NotFoundError, RoutingError, UsageError

if TYPE_CHECKING:
    from brgit.routing.catalog import Catalog, ModelInfo

COLUMNS = ("task_id", "repo", "text", "model", "tier", "resolved", "produced_patch", "cost_usd")
FLAGS = {"1": True, "0": False, "true": True, "false": False}
MAX_FIELD = 10_000_000  # task texts run to tens of kB; csv's default limit is 128 kB


@dataclass(frozen=True)
class Arm:
    """One recorded run: a task on one tier."""

    model: str  # as the file names it (the agent's real model)
    resolved: bool  # hidden-test verdict: for scoring, or a verify's verdict with --verify
    produced_patch: bool
    cost_usd: float


@dataclass
class MatrixTask:
    task_id: str
    repo: str
    text: str
    arms: dict[str, Arm] = field(default_factory=dict)  # catalog model id -> run


@dataclass
class Matrix:
    path: Path
    tasks: list[MatrixTask]
    ladder: list[ModelInfo]  # the file's tiers as catalog models, cheapest first


class _Rows:
    """Builds the matrix row by row; every problem is one line naming file:line."""

    def __init__(self, path: Path, catalog: Catalog) -> None:
        self.path = path
        self.catalog = catalog
        self.tasks: dict[str, MatrixTask] = {}
        self.tiers: dict[str, ModelInfo] = {}  # label in the file -> catalog model

    def fail(self, line: int, message: str) -> UsageError:
        return UsageError(f"{self.path}:{line}: {message}")

    def add(self, line: int, row: dict[str, str | None]) -> None:
        values = {c: (row.get(c) or "").strip() for c in COLUMNS}
        empty = [c for c in ("task_id", "repo", "tier", "cost_usd") if not values[c]]
        if empty or None in row:
            raise self.fail(line, f"missing {', '.join(empty) or 'columns'} (or a stray comma)")
        model = self._tier(line, values["tier"])
        task = self.tasks.setdefault(
            values["task_id"], MatrixTask(values["task_id"], values["repo"], row["text"] or "")
        )
        if (task.repo, task.text) != (values["repo"], row["text"] or ""):
            raise self.fail(line, f"task {task.task_id!r}: repo or text differs between its rows")
        if model.id in task.arms:
            raise self.fail(line, f"task {task.task_id!r} has two rows for tier {values['tier']}")
        task.arms[model.id] = Arm(
            values["model"] or model.id,
            self._flag(line, "resolved", values["resolved"]),
            self._flag(line, "produced_patch", values["produced_patch"]),
            self._cost(line, values["cost_usd"]),
        )

    def _tier(self, line: int, label: str) -> ModelInfo:
        if label not in self.tiers:
            try:
                model = self.catalog.resolve(label)
            except RoutingError as exc:
                raise self.fail(line, f"tier: {exc}") from None
            clash = [k for k, m in self.tiers.items() if m.tier == model.tier]
            if clash:
                raise self.fail(line, f"tiers {clash[0]} and {label} are both tier {model.tier}")
            self.tiers[label] = model
        return self.tiers[label]

    def _flag(self, line: int, column: str, value: str) -> bool:
        if value.lower() not in FLAGS:
            raise self.fail(line, f"{column}: expected 0 or 1, got {value[:20]!r}")
        return FLAGS[value.lower()]

    def _cost(self, line: int, value: str) -> float:
        try:
            cost = float(value)
        except ValueError:
            raise self.fail(line, f"cost_usd: expected a number, got {value[:20]!r}") from None
        if not math.isfinite(cost) or cost < 0:
            raise self.fail(line, f"cost_usd: expected a number of dollars >= 0, got {value!r}")
        return cost

    def matrix(self) -> Matrix:
        if not self.tasks:
            raise UsageError(f"{self.path}: no tasks in the file")
        ladder = sorted(self.tiers.values(), key=lambda m: m.tier)
        for task in self.tasks.values():
            missing = [m.name for m in ladder if m.id not in task.arms]
            if missing:
                raise UsageError(
                    f"{self.path}: task {task.task_id!r} has no row for tier {missing[0]}"
                )
        return Matrix(self.path, list(self.tasks.values()), ladder)


def load_matrix(path: Path, catalog: Catalog) -> Matrix:
    """Parse and check a matrix file."""
    try:
        handle = path.open(newline="", encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"matrix file not found: {path}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    rows = _Rows(path, catalog)
    previous_limit = csv.field_size_limit(MAX_FIELD)
    try:
        with handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise UsageError(f"{path}:1: missing column(s) {', '.join(missing)}")
            for row in reader:
                rows.add(reader.line_num, row)
    except csv.Error as exc:
        raise UsageError(f"{path}: not a CSV file: {exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    finally:
        csv.field_size_limit(previous_limit)
    return rows.matrix()
