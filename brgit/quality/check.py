"""`br quality check`: measure (cached), run the tests under coverage, score, report."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from brgit.errors import MissingExtraError
from brgit.quality import score
from brgit.quality.collect import Project, collect
from brgit.quality.model import QualityReport
from brgit.quality.testing import TestRun, run_tests

if TYPE_CHECKING:
    from brgit.config import QualityConfig
    from brgit.quality.cache import FactsCache
    from brgit.quality.facts import Scanner

TestRunner = Callable[[Path, str, float], TestRun]


def require(*modules: str) -> None:
    """Exit 2 with one line when the `quality` extra is not installed."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise MissingExtraError(f"this command needs the quality extra (missing: "
                                f"{', '.join(missing)}): pip install 'brgit[quality]'")


def measure_project(target: Path, cfg: QualityConfig, scanner: Scanner | None,
            cache: FactsCache) -> Project:
    require("radon")
    return collect(target, scanner, cache, tuple(cfg.exclude))


def check(target: Path, cfg: QualityConfig, scanner: Scanner, cache: FactsCache, *,
          strict: bool = False, runner: TestRunner = run_tests) -> QualityReport:
    """Score the four categories of the project in `target`."""
    require("radon", "coverage")
    found = measure_project(target, cfg, scanner, cache)
    run = runner(target, cfg.test_command, float(cfg.test_timeout_seconds))
    categories = [
        score.security(found, cfg.thresholds.security),
        score.testing(found, run, cfg.thresholds.testing),
        score.documentation(found, cfg),
        score.structure(found, cfg),
    ]
    for category in categories:
        category.strict = strict
    notes = [f"{rel}: not measured (unreadable or larger than 5 MB)" for rel in found.skipped]
    notes += [f"{f.rel}: does not parse ({f.syntax_error})" for f in found.python
              if f.syntax_error]
    return QualityReport(str(target), categories, strict, notes)
