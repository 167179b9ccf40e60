"""The four scored categories, each 0-100, from measured facts and one test run.

- security: 100, less 30 per high, 10 per medium and 2 per low finding; a high finding is an
  error (the category fails whatever its score).
- testing: coverage.py's total over the project's non-test Python files (covered lines plus
  covered branches over statements plus branches); failing tests are an error.
- documentation: 80% public docstring coverage, 20% the README (full marks from
  `quality.readme_min_words` words, half for a shorter one); no README is an error.
- structure: the share of functions and modules within the limits (complexity, lines), less
  10 per import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from brgit.quality import files as project
from brgit.quality.imports import ModuleMap, cycles
from brgit.quality.model import Category, Detail

if TYPE_CHECKING:
    from brgit.config import QualityConfig
    from brgit.quality.collect import Project
    from brgit.quality.testing import TestRun

PENALTY = {"high": 30, "medium": 10, "low": 2}
MAX_DETAILS = 200  # per category; the counts in `metrics` are always complete


def _clamp(value: float) -> int:
    return max(0, min(100, round(value)))


def security(found: Project, threshold: float) -> Category:
    hits = [(f.rel, h) for f in found.files for h in f.security]
    score = _clamp(100 - sum(PENALTY.get(h.severity, 10) for _, h in hits))
    details = [Detail(f"{h.severity} {h.kind}: {h.rule}", rel, h.line,
                      "error" if h.severity == "high" else "warning") for rel, h in hits]
    counts = {s: sum(h.severity == s for _, h in hits) for s in PENALTY}
    return Category("security", score, threshold, details[:MAX_DETAILS],
                    {"files_scanned": len(found.files), "findings": counts})


def testing(found: Project, run: TestRun, threshold: float) -> Category:
    sources = {f.rel for f in found.sources}
    measured = {rel: c for rel, c in run.files.items() if rel in sources}
    statements = sum(c.statements for c in measured.values())
    branches = sum(c.branches for c in measured.values())
    covered = sum(c.covered_lines + c.covered_branches for c in measured.values())
    total = statements + branches
    percent = 100.0 * covered / total if total else 0.0
    details = []
    if not run.passed:
        why = "timed out" if run.exit_code is None else f"exit code {run.exit_code}"
        details.append(Detail(f"tests failed ({why}): {run.command}", level="error"))
    if not total:
        details.append(Detail("no project code was measured (no tests ran any of it)",
                              level="error"))
    for rel, c in sorted(measured.items()):
        file_total = c.statements + c.branches
        share = 100.0 * (c.covered_lines + c.covered_branches) / file_total if file_total else 100
        if share < threshold:
            line = c.missing[0] if c.missing else None
            details.append(Detail(f"{share:.0f}% covered", rel, line))
    metrics = {
        "tests_passed": run.passed, "exit_code": run.exit_code, "command": run.command,
        "coverage": round(percent, 1),
        "line_coverage": _share(sum(c.covered_lines for c in measured.values()), statements),
        "branch_coverage": _share(sum(c.covered_branches for c in measured.values()), branches),
        "files_measured": len(measured),
    }
    return Category("testing", _clamp(percent), threshold, details[:MAX_DETAILS], metrics)


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def documentation(found: Project, cfg: QualityConfig) -> Category:
    items = [(f.rel, d) for f in found.sources for d in f.documented]
    covered = sum(d.covered for _, d in items)
    percent = 100.0 * covered / len(items) if items else 100.0
    details = []
    readme = project.readme(found.target)
    words = len(readme.read_text(encoding="utf-8", errors="replace").split()) if readme else 0
    if readme is None:
        details.append(Detail("no README", level="error"))
    elif words < cfg.readme_min_words:
        details.append(Detail(f"README has {words} words (quality.readme_min_words is "
                              f"{cfg.readme_min_words})", readme.name))
    readme_score = 100 if words >= cfg.readme_min_words else 50 if readme else 0
    details += [Detail(_undocumented(d.kind, d.name), rel, d.line)
                for rel, d in items if not d.covered]
    metrics = {"docstring_coverage": round(percent, 1), "public_objects": len(items),
               "documented": covered, "readme": readme.name if readme else None,
               "readme_words": words}
    return Category("documentation", _clamp(0.8 * percent + 0.2 * readme_score),
                    cfg.thresholds.documentation, details[:MAX_DETAILS], metrics)


def _undocumented(kind: str, name: str) -> str:
    return "module has no docstring" if kind == "module" else \
        f"public {kind} {name} has no docstring"


def structure(found: Project, cfg: QualityConfig) -> Category:
    details: list[Detail] = []
    units = bad = 0
    for facts in found.sources:
        units += 1 + len(facts.functions)
        if facts.lines > cfg.max_module_lines:
            bad += 1
            details.append(Detail(f"module has {facts.lines} lines (quality.max_module_lines "
                                  f"is {cfg.max_module_lines})", facts.rel, 1))
        for fn in facts.functions:
            problems = _function_problems(fn.complexity, fn.length, cfg)
            if problems:
                bad += 1
                details.append(Detail(f"{fn.name}: {problems}", facts.rel, fn.line))
    loops = cycles(ModuleMap(found.python).edges(found.sources, load_time_only=True))
    for loop in loops:
        chain = " -> ".join([loop[0].source, *(e.target for e in loop)])
        details.append(Detail(f"import cycle: {chain}", _rel_of(found, loop[0].source),
                              loop[0].line))
    score = 100.0 * (units - bad) / units if units else 100.0
    metrics = {"modules": len(found.sources), "functions": units - len(found.sources),
               "over_limits": bad, "import_cycles": len(loops),
               "max_complexity": max((f.complexity for s in found.sources
                                      for f in s.functions), default=0)}
    return Category("structure", _clamp(score - 10 * len(loops)), cfg.thresholds.structure,
                    details[:MAX_DETAILS], metrics)


def _function_problems(complexity: int, length: int, cfg: QualityConfig) -> str:
    problems = []
    if complexity > cfg.max_complexity:
        problems.append(f"complexity {complexity} (quality.max_complexity is "
                        f"{cfg.max_complexity})")
    if length > cfg.max_function_lines:
        problems.append(f"{length} lines (quality.max_function_lines is "
                        f"{cfg.max_function_lines})")
    return "; ".join(problems)


def _rel_of(found: Project, module: str) -> str | None:
    return next((f.rel for f in found.python if project.module_name(f.rel) == module), None)
