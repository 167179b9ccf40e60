"""Spec features and plan tasks, matched against the code and tests that implement them.

The spec is read by brgit's own parsers (`brgit.core.spec`, `brgit.core.plan`): `# Feature:`
sections of a PROJECT_SPEC.md, a `## Task NN` list, or a plan's TOML. A feature matches the
source file whose module path and definitions share the most of the feature name's words
(at least half of them), or a file the feature names; its tests are the test files that
share those words or import the matched module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from brgit.errors import PlanError
from brgit.quality.collect import Project
from brgit.quality.facts import FileFacts
from brgit.quality.files import module_name
from brgit.quality.imports import ModuleMap
from brgit.quality.pysource import split_words

STOP_WORDS = frozenset({
    "the", "and", "for", "with", "that", "this", "from", "into", "add", "adds", "new",
    "support", "feature", "implement", "allow", "make", "use", "using", "via", "all", "can",
    "build", "task", "test", "tests", "write", "docs", "document", "should", "must",
})
MIN_SHARE = 0.5


@dataclass(frozen=True)
class SpecItem:
    name: str
    kind: str  # "feature" | "task"
    line: int | None
    files: tuple[str, ...]
    text: str


@dataclass
class SpecMatch:
    item: SpecItem
    code: FileFacts | None
    tests: list[FileFacts]


def load_spec(path: Path) -> list[SpecItem]:
    from brgit.core.plan import load_plan
    from brgit.core.spec import FEATURE, TASK_HEADER, SpecParser

    if path.suffix == ".toml":
        plan = load_plan(path)
        return [SpecItem(t.title, "task", None, tuple(t.files), t.description)
                for t in plan.tasks]
    text = path.read_text(encoding="utf-8")
    parser = SpecParser()
    if parser.is_task_list(text):
        lines = _lines(text, TASK_HEADER)
        return [SpecItem(t.title, "task", line, tuple(t.files), t.description)
                for t, line in zip(parser.parse_tasks(text), lines, strict=False)]
    features = parser.parse(text)
    if not features:
        raise PlanError(f"{path}: no `# Feature:` sections and no `## Task NN` headers")
    lines = _lines(text, FEATURE)
    return [SpecItem(f.name, "feature", line, tuple(f.files),
                     "\n".join([f.description, *f.requirements]).strip())
            for f, line in zip(features, lines, strict=False)]


def _lines(text: str, header: re.Pattern[str]) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if header.match(line.strip())]


def _norm(words: set[str]) -> set[str]:
    return {w[:-1] if w.endswith("s") and len(w) > 4 else w for w in words} - STOP_WORDS


def item_words(item: SpecItem) -> set[str]:
    return _norm(split_words(item.name))


def _share(words: set[str], facts: FileFacts) -> float:
    return len(words & _norm(set(facts.words))) / len(words) if words else 0.0


def match(item: SpecItem, found: Project) -> SpecMatch:
    words = item_words(item)
    named = [f for f in found.sources if f.rel in item.files or
             any(f.rel.endswith("/" + n) for n in item.files)]
    ranked = sorted(((_share(words, f), f.rel, f) for f in found.sources), key=lambda t: -t[0])
    code = named[0] if named else next((f for s, _, f in ranked if s >= MIN_SHARE), None)
    tests = [t for t in found.tests if _share(words, t) >= MIN_SHARE]
    if code is not None:
        mapping = ModuleMap(found.python)
        module = module_name(code.rel)
        tests += [t for t in found.tests if t not in tests and any(
            module in mapping.resolve(t, imp) for imp in t.imports)]
    return SpecMatch(item, code, tests)
