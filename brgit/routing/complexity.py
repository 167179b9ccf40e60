"""ComplexityEstimator: an explainable score for how hard a task is.

Every point of the 0-100 score comes from a named `ComplexityFactor` (description length,
keyword groups for risk, security, data migration, concurrency and architecture, files,
dependencies, role), so `reasoning` says exactly why a task scored what it did. With
`use_ai=True` the cheapest model is asked for the same estimate as JSON (see `ai_estimate`);
any failure falls back to this heuristic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brgit.routing.catalog import Catalog, ModelInfo, load_catalog
from brgit.routing.projection import Projector

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.core.plan import Task

LEVELS = (("simple", 0), ("moderate", 30), ("complex", 55), ("critical", 80))
LEVEL_MODEL = {"simple": "haiku", "moderate": "sonnet", "complex": "opus", "critical": "opus"}
BASE_SCORE = 15


@dataclass(frozen=True)
class KeywordGroup:
    name: str
    weight: int
    reason: str
    pattern: re.Pattern[str]


def _words(*stems: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(stems) + r")\w*", re.IGNORECASE)


KEYWORDS: tuple[KeywordGroup, ...] = (
    KeywordGroup("security", 20, "Requires security considerations", _words(
        r"auth(?:n|z|enticat\w*|ori[sz]\w*)?\b", "jwt", "oauth", "password", "encrypt",
        "crypt", "permission", "secret", "token", "csrf", "xss", "injection", "vulnerab",
        "sanitiz", "credential")),
    KeywordGroup("risk", 20, "Touches production, money or an incident", _words(
        "production", "critical", "outage", "incident", "payment", "billing", "hotfix",
        "data loss", "rollback", "compliance")),
    KeywordGroup("data_migration", 15, "Changes stored data or its schema", _words(
        "migrat", "schema", "database", "backfill", r"sql\b", "alembic", "data model")),
    KeywordGroup("concurrency", 15, "Concurrency is hard to get right", _words(
        "concurren", "thread", "async", r"race\b", r"lock(?:s|ing)?\b", "deadlock", "parallel",
        "distributed", "queue")),
    KeywordGroup("architecture", 12, "Architectural or cross-cutting change", _words(
        "architect", "refactor", "redesign", "framework", "microservice", "subsystem",
        "rewrite", "cross-cutting", "protocol")),
    KeywordGroup("feature", 8, "New functionality", _words(
        "implement", r"add(?:s|ed|ing)?\b", "build", "create", "integrat", r"api\b", "endpoint",
        "feature")),
    KeywordGroup("small_change", -12, "Small, local change", _words(
        "typo", "rename", "readme", "docstring", "comment", r"format(?:ting)?\b", r"lint\b",
        "bump", "spelling", "wording")),
)  # fmt: skip

ROLE_WEIGHT = {"architect": 15, "security": 15, "builder": 5, "ops": 5, "reviewer": 0,
               "tester": 0, "docs": -8}  # fmt: skip


@dataclass(frozen=True)
class ComplexityFactor:
    name: str
    weight: int  # points added to (or taken from) the score
    detail: str


@dataclass
class ComplexityResult:
    task_description: str
    complexity_level: str  # simple / moderate / complex / critical
    complexity_score: int  # 0-100
    recommended_model: str  # haiku / sonnet / opus (or a configured alias)
    estimated_cost: float  # USD, for the recommended model
    estimated_time_minutes: int
    factors: list[ComplexityFactor] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    source: str = "heuristic"  # heuristic | ai

    def to_dict(self) -> dict[str, Any]:
        """The API reference's JSON keys, plus factors and source."""
        return {
            "task": self.task_description,
            "complexity_level": self.complexity_level,
            "complexity_score": self.complexity_score,
            "recommended_model": self.recommended_model,
            "estimated_cost": round(self.estimated_cost, 4),
            "estimated_time_minutes": self.estimated_time_minutes,
            "reasoning": list(self.reasoning),
            "factors": [vars(f) for f in self.factors],
            "source": self.source,
        }


def level_for(score: int) -> str:
    return [name for name, floor in LEVELS if score >= floor][-1]


def projected_minutes(score: int, model: ModelInfo) -> int:
    """Working minutes grow with the score and scale with the model's typical latency."""
    return max(1, round((5 + score * 1.5) * model.typical_latency_ms / 1000))


class ComplexityEstimator:
    def __init__(
        self,
        catalog: Catalog | None = None,
        cfg: Config | None = None,
        root: Path | None = None,
        *,
        projector: Projector | None = None,
    ) -> None:
        self.cfg = cfg
        self.catalog = catalog or load_catalog(cfg.models if cfg else None)
        self.root = root
        self.projector = projector or Projector()

    def estimate(
        self,
        description: str,
        *,
        files: list[str] | None = None,
        depends_on: list[str] | None = None,
        role: str | None = None,
        use_ai: bool = False,
    ) -> ComplexityResult:
        """Estimate one task; with `use_ai` ask the cheapest model and fall back on failure."""
        result = self.heuristic(description, files or [], depends_on or [], role)
        if use_ai:
            from brgit.routing.ai_estimate import ask_model

            return ask_model(self, result)
        return result

    def estimate_task(self, task: Task, *, use_ai: bool = False) -> ComplexityResult:
        text = f"{task.title}. {task.description}" if task.description else task.title
        return self.estimate(
            text, files=task.files, depends_on=task.depends_on, role=task.role, use_ai=use_ai
        )

    def heuristic(
        self, description: str, files: list[str], depends_on: list[str], role: str | None
    ) -> ComplexityResult:
        factors = self.factors(description, files, depends_on, role)
        score = max(0, min(100, BASE_SCORE + sum(f.weight for f in factors)))
        return self.result(description, score, factors)

    def result(
        self, description: str, score: int, factors: list[ComplexityFactor], *, source: str = ""
    ) -> ComplexityResult:
        level = level_for(score)
        model = self.catalog.resolve(LEVEL_MODEL[level])
        reasoning = [f.detail for f in sorted(factors, key=lambda f: -abs(f.weight)) if f.weight]
        reasoning.append(f"{level.capitalize()} overall (score {score}/100)")
        return ComplexityResult(
            task_description=description,
            complexity_level=level,
            complexity_score=score,
            recommended_model=LEVEL_MODEL[level],
            estimated_cost=self.projector.cost(model),
            estimated_time_minutes=projected_minutes(score, model),
            factors=factors,
            reasoning=reasoning,
            source=source or "heuristic",
        )

    def factors(
        self, description: str, files: list[str], depends_on: list[str], role: str | None
    ) -> list[ComplexityFactor]:
        found = [_length_factor(description)]
        for group in KEYWORDS:
            hits = sorted({m.group(0).lower() for m in group.pattern.finditer(description)})
            if hits:
                detail = f"{group.reason} ({', '.join(hits)})"
                found.append(ComplexityFactor(group.name, group.weight, detail))
        if files:
            points = min(15, 3 * len(files))
            found.append(ComplexityFactor("files", points, f"Touches {len(files)} file(s)"))
        if depends_on:
            points = min(12, 4 * len(depends_on))
            found.append(
                ComplexityFactor("dependencies", points, f"Depends on {len(depends_on)} task(s)")
            )
        if role and ROLE_WEIGHT.get(role, 0):
            found.append(ComplexityFactor("role", ROLE_WEIGHT[role], f"Role: {role}"))
        return found


def _length_factor(description: str) -> ComplexityFactor:
    words = len(description.split())
    points = 0 if words < 8 else 5 if words < 30 else 10 if words < 80 else 15
    detail = f"Description of {words} words" + (" (detailed)" if points >= 10 else "")
    return ComplexityFactor("description_length", points, detail)
