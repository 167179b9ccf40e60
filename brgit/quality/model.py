"""Result values of `br quality check` and `br gaps analyze`, and their JSON shapes.

A category's `details` hold what lowered its score. An `error` fails the category whatever
its score (failing tests, a hard-coded key, no README); a `warning` fails it only under
`--strict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("high", "medium", "low")
CATEGORY_NAMES = ("security", "testing", "documentation", "structure")


@dataclass(frozen=True)
class Detail:
    message: str
    file: str | None = None
    line: int | None = None
    level: str = "warning"  # "error" | "warning"

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "message": self.message, "file": self.file,
                "line": self.line}


@dataclass
class Category:
    name: str
    score: int
    threshold: float
    details: list[Detail] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    strict: bool = False

    @property
    def errors(self) -> list[Detail]:
        return [d for d in self.details if d.level == "error"]

    @property
    def warnings(self) -> list[Detail]:
        return [d for d in self.details if d.level == "warning"]

    @property
    def passed(self) -> bool:
        if self.score < self.threshold or self.errors:
            return False
        return not (self.strict and self.warnings)

    def why(self) -> str:
        """One line on why the category failed (empty when it passed)."""
        if self.passed:
            return ""
        listed = self.errors or self.warnings
        where = f" ({listed[0].message}{_at(listed[0])})" if listed else ""
        if self.score < self.threshold:
            return f"{self.name} {self.score}/{self.threshold:g}{where}"
        kind = "error" if self.errors else "warning under --strict"
        return f"{self.name}: {kind}{where}"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "score": self.score, "threshold": self.threshold,
                "passed": self.passed, "metrics": self.metrics,
                "details": [d.to_dict() for d in self.details]}


def _at(detail: Detail) -> str:
    if detail.file is None:
        return ""
    return f" at {detail.file}:{detail.line}" if detail.line else f" in {detail.file}"


@dataclass
class QualityReport:
    path: str
    categories: list[Category]
    strict: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def overall_score(self) -> int:
        if not self.categories:
            return 0
        return round(sum(c.score for c in self.categories) / len(self.categories))

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.categories)

    def reason(self) -> str:
        """The gate's one line: what failed, or the passing score."""
        if self.passed:
            return f"quality gate passed: {self.overall_score}/100"
        failed = "; ".join(c.why() for c in self.categories if not c.passed)
        return f"quality gate failed: {failed}"

    def to_dict(self) -> dict[str, Any]:
        return {"overall_score": self.overall_score, "passed": self.passed,
                "strict": self.strict, "path": self.path,
                "categories": [c.to_dict() for c in self.categories], "notes": self.notes}


@dataclass(frozen=True)
class Gap:
    severity: str  # "high" | "medium" | "low"
    category: str
    message: str
    file: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "category": self.category, "message": self.message,
                "file": self.file, "line": self.line}


@dataclass
class GapReport:
    path: str
    gaps: list[Gap] = field(default_factory=list)
    spec: str | None = None
    notes: list[str] = field(default_factory=list)

    def at_least(self, severity: str) -> GapReport:
        """The gaps of `severity` or worse."""
        keep = SEVERITIES[: SEVERITIES.index(severity) + 1]
        return GapReport(self.path, [g for g in self.gaps if g.severity in keep], self.spec,
                         self.notes)

    def counts(self) -> dict[str, int]:
        return {s: sum(g.severity == s for g in self.gaps) for s in SEVERITIES}

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "spec": self.spec, "counts": self.counts(),
                "gaps": [g.to_dict() for g in self.gaps], "notes": self.notes}
