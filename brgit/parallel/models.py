"""Model choice for a task: the routing component when installed, else plan or default."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brgit.config import Config
from brgit.core.plan import Task
from brgit.errors import BuildRunnerError


@dataclass
class ModelChoice:
    """What `select_model` settled on (mirrors brgit.routing.selector.ModelChoice)."""

    model: str
    model_id: str
    source: str = "default"
    reasons: list[str] = field(default_factory=list)
    estimated_cost: float = 0.0


def choose(task: Task, cfg: Config, root: Path) -> ModelChoice:
    """Ask the routing component when it is installed; else the task's model or the default."""
    try:
        selector: Any = importlib.import_module("brgit.routing.selector")
    except ImportError:
        selector = None
    if selector is not None:
        picked = selector.choose_model(task, cfg, root)
        return ModelChoice(
            picked.model,
            picked.model_id,
            picked.source,
            list(picked.reasons),
            picked.estimated_cost,
        )
    wanted = task.model or cfg.routing.default_model
    model_id = wanted
    try:
        from brgit.routing.catalog import load_catalog

        model_id = load_catalog(cfg.models).resolve(wanted).id
    except BuildRunnerError:  # an unknown alias is kept as given
        model_id = wanted
    source = "plan" if task.model else "default"
    return ModelChoice(wanted, model_id, source, [f"{source}: {wanted}"])
