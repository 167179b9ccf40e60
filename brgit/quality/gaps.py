"""`br gaps analyze`: what is missing or unfinished, each gap with a severity, file and line.

| category | severity | what |
|---|---|---|
| credentials | high | a secret the scanner found in the code |
| sql-injection | the finding's | SQL built from input |
| stub | high / medium | `raise NotImplementedError`; a public function whose body is `pass`/`...` |
| todo | low | a TODO, FIXME or XXX comment |
| untested | medium | a module no test imports |
| spec | high / medium | a spec feature with no matching code; with code but no tests |
| docstring | low | a public class, function or method without a docstring |
| error-handling | medium / low | bare `except:` or one swallowing every error; a narrower one |

Test files are only scanned for secrets and SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from brgit.quality.collect import Project
from brgit.quality.files import module_name
from brgit.quality.imports import ModuleMap
from brgit.quality.model import SEVERITIES, Gap, GapReport
from brgit.quality.specs import SpecMatch, load_spec, match

if TYPE_CHECKING:
    from brgit.config import QualityConfig
    from brgit.quality.ai import Ask
    from brgit.quality.cache import FactsCache
    from brgit.quality.facts import Scanner

NOT_MODULES = ("__init__.py", "__main__.py", "conftest.py", "setup.py")
DEFAULT_SPEC = "PROJECT_SPEC.md"


def analyze(target: Path, cfg: QualityConfig, scanner: Scanner | None, cache: FactsCache, *,
            spec: Path | None = None, ask: Ask | None = None) -> GapReport:
    """Every gap in the project at `target`; `spec` defaults to its PROJECT_SPEC.md if any."""
    from brgit.quality.check import measure_project

    found = measure_project(target, cfg, scanner, cache)
    if spec is None and (target / DEFAULT_SPEC).is_file():
        spec = target / DEFAULT_SPEC
    matches = [match(item, found) for item in load_spec(spec)] if spec else []
    label = _label(spec, target)
    report = GapReport(str(target), sorted_gaps(find_gaps(found, matches, label)), label)
    if ask is not None:
        from brgit.quality.ai import compare

        extra, report.notes = compare(matches, target, ask, label)
        report.gaps = sorted_gaps([*report.gaps, *extra])
    return report


def _label(spec: Path | None, target: Path) -> str | None:
    if spec is None:
        return None
    try:
        return spec.resolve().relative_to(target.resolve()).as_posix()
    except ValueError:
        return str(spec)


def sorted_gaps(gaps: Iterable[Gap]) -> list[Gap]:
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(gaps, key=lambda g: (order[g.severity], g.file or "", g.line or 0,
                                       g.category, g.message))


def find_gaps(found: Project, matches: list[SpecMatch], spec: str | None = None) -> list[Gap]:
    return [*security_gaps(found), *code_gaps(found), *untested(found),
            *spec_gaps(matches, spec)]


def security_gaps(found: Project) -> Iterator[Gap]:
    for facts in found.files:
        for hit in facts.security:
            if hit.kind == "secret":
                yield Gap("high", "credentials", f"hard-coded credential ({hit.rule})",
                          facts.rel, hit.line)
            else:
                yield Gap(hit.severity, "sql-injection", hit.message, facts.rel, hit.line)


def code_gaps(found: Project) -> Iterator[Gap]:
    for facts in found.sources:
        for spot in facts.spots:
            gap = _spot_gap(spot.kind, spot.text, spot.public, spot.broad)
            if gap is not None:
                yield Gap(gap[0], gap[1], gap[2], facts.rel, spot.line)
        for item in facts.documented:
            if not item.covered and item.kind != "module":
                yield Gap("low", "docstring", f"public {item.kind} {item.name} has no docstring",
                          facts.rel, item.line)


def _spot_gap(kind: str, text: str, public: bool, broad: bool) -> tuple[str, str, str] | None:
    if kind == "not-implemented":
        return "high", "stub", f"{text} raises NotImplementedError"
    if kind == "pass-only":
        return "medium", "stub", f"public function {text} has an empty body"
    if kind == "todo":
        return "low", "todo", text
    if kind == "bare-except":
        return "medium", "error-handling", text
    if kind == "swallowed":
        return ("medium" if broad else "low"), "error-handling", text
    return None


def untested(found: Project) -> Iterator[Gap]:
    """Modules with definitions that no test file imports."""
    mapping = ModuleMap(found.python)
    imported = {edge.target for edge in mapping.edges(found.tests, load_time_only=False)}
    for facts in found.sources:
        if facts.rel.rsplit("/", 1)[-1] in NOT_MODULES or not facts.defs:
            continue
        if module_name(facts.rel) not in imported:
            yield Gap("medium", "untested", f"no test imports {module_name(facts.rel)}",
                      facts.rel, 1)


def spec_gaps(matches: list[SpecMatch], where: str | None) -> Iterator[Gap]:
    for m in matches:
        label = f"spec {m.item.kind} '{m.item.name}'"
        if m.code is None and not m.tests:
            yield Gap("high", "spec", f"{label}: no code or tests match it", where, m.item.line)
        elif m.code is None:
            yield Gap("high", "spec", f"{label}: tests match it but no code", where, m.item.line)
        elif not m.tests:
            yield Gap("medium", "spec", f"{label}: built in {m.code.rel} but no test covers it",
                      where, m.item.line)
