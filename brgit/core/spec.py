"""From a spec to a plan: `# Feature:` sections of a PROJECT_SPEC.md, or `## Task NN` lists.

`SpecParser().parse(path)` returns the spec's features; `parse_tasks(text)` reads a markdown
task list (`## Task 01` with Slug, Title, Description, Files to touch, Dependencies);
`TaskDecomposer().decompose(feature)` turns a feature into build, test and docs tasks. No
model is called: decomposition is deterministic, and the plan is meant to be edited by hand.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from brgit.core.plan import Plan, Task
from brgit.errors import NotFoundError, PlanError

FEATURE = re.compile(r"^#\s*Feature:\s*(?P<name>.+?)\s*$")
TASK_HEADER = re.compile(r"^##\s+Task\s+(?P<num>\d+)\b.*$", re.IGNORECASE)
FIELD = re.compile(r"^\s*[-*]\s*\*\*(?P<key>[^*:]+):?\*\*:?\s*(?P<rest>.*)$")
KNOWN_FIELDS = (
    "slug", "title", "description", "files to touch", "dependencies", "acceptance criteria",
    "unit tests", "component tests", "integration tests", "api tests",
)
# The same fields written plainly (`Slug: x`, `- Title: y`); only known names, so a line such
# as "Note: ..." inside a description stays part of it.
PLAIN_FIELD = re.compile(
    rf"^\s*(?:[-*]\s+)?(?P<key>{'|'.join(KNOWN_FIELDS)}):\s*(?P<rest>.*)$", re.IGNORECASE
)
BULLET = re.compile(r"^\s*[-*]\s+(?P<text>.+)$")
BACKTICK = re.compile(r"`([^`]+)`")
RANGE = re.compile(r"(\d+)\s*(?:[-\u2013\u2014]|to)\s*(\d+)")  # hyphen, en dash, em dash
MAX_BUILD_TASKS = 6


@dataclass
class Feature:
    name: str
    description: str = ""
    requirements: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return slugify(self.name)


def slugify(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "task"


def _read(source: Path | str) -> str:
    if isinstance(source, Path):
        if not source.exists():
            raise NotFoundError(f"spec not found: {source}")
        return source.read_text(encoding="utf-8")
    return source


class SpecParser:
    def parse(self, source: Path | str) -> list[Feature]:
        """The `# Feature: NAME` sections of a spec (a path or its text)."""
        features: list[Feature] = []
        for line in textwrap.dedent(_read(source)).splitlines():
            match = FEATURE.match(line.strip())
            if match:
                features.append(Feature(match["name"]))
            elif features and line.strip() and not line.lstrip().startswith("#"):
                self._add(features[-1], line.strip())
        return features

    def _add(self, feature: Feature, line: str) -> None:
        feature.files += [p for p in BACKTICK.findall(line) if "/" in p or "." in p]
        bullet = BULLET.match(line)
        if bullet:
            feature.requirements.append(bullet["text"].strip())
        else:
            feature.description = f"{feature.description} {line}".strip()

    def is_task_list(self, text: str) -> bool:
        return any(TASK_HEADER.match(line.strip()) for line in text.splitlines())

    def parse_tasks(self, source: Path | str) -> list[Task]:
        """Tasks of a `## Task NN` markdown list; dependencies name tasks by number."""
        blocks = _task_blocks(_read(source))
        ids = {num: _task_id(num, fields) for num, fields in blocks}
        tasks = []
        for num, fields in blocks:
            if not fields:
                raise PlanError(
                    f"## Task {num:02d} has none of the fields Slug, Title, Description, "
                    "Files to touch, Dependencies (as `- **Title:** ...` or `Title: ...`)"
                )
            deps = [
                ids.get(n) or f"task-{n:02d}"
                for n in parse_dependencies(fields.get("dependencies", ""))
            ]
            tasks.append(
                Task(
                    id=ids[num],
                    title=fields.get("title", "").strip() or ids[num],
                    description=_description(fields),
                    role=_role(fields.get("title", "") + " " + ids[num]),
                    files=BACKTICK.findall(fields.get("files to touch", "")),
                    depends_on=[d for d in deps if d != ids[num]],
                )
            )
        return tasks


def _task_blocks(text: str) -> list[tuple[int, dict[str, str]]]:
    blocks: list[tuple[int, dict[str, str]]] = []
    key: str | None = None
    for line in text.splitlines():
        header = TASK_HEADER.match(line.strip())
        if header:
            blocks.append((int(header["num"]), {}))
            key = None
            continue
        if not blocks:
            continue
        match = FIELD.match(line) or PLAIN_FIELD.match(line)
        fields = blocks[-1][1]
        if match:
            key = match["key"].strip().lower()
            fields[key] = match["rest"].strip()
        elif key and line.strip():
            fields[key] = f"{fields[key]}\n{line.strip()}".strip()
    return blocks


def _task_id(num: int, fields: dict[str, str]) -> str:
    slug = fields.get("slug", "").strip().strip("`")
    return slugify(slug, 64) if slug else f"task-{num:02d}"


def _description(fields: dict[str, str]) -> str:
    text = fields.get("description", "")
    criteria = fields.get("acceptance criteria")
    if criteria:
        text = f"{text}\n\nAcceptance criteria:\n{criteria}"
    return text.strip()


def parse_dependencies(text: str) -> list[int]:
    """`none`, `Task 01`, `Tasks 01-03` (any dash), `Tasks 03 and 07` -> task numbers."""
    if not text.strip() or text.strip().lower().startswith("none"):
        return []
    numbers: list[int] = []
    for start, end in RANGE.findall(text):
        numbers += range(int(start), int(end) + 1)
    numbers += [int(n) for n in re.findall(r"\d+", RANGE.sub(" ", text))]
    return sorted(set(numbers))


def _role(text: str) -> str:
    lowered = text.lower()
    for role, words in (
        ("tester", ("test",)),
        ("docs", ("doc", "readme")),
        ("reviewer", ("review",)),
    ):
        if any(w in lowered for w in words):
            return role
    return "builder"


class TaskDecomposer:
    def decompose(self, feature: Feature) -> list[Task]:
        """Build task(s) (one per requirement, up to six), then a test task and a docs task."""
        base = feature.slug
        items = feature.requirements[:MAX_BUILD_TASKS]
        builders = [
            Task(
                id=f"{base}-build-{i}" if len(items) > 1 else f"{base}-build",
                title=f"{feature.name}: {item}" if items else f"Build {feature.name}",
                description=f"{feature.description}\n\n{item}".strip()
                if items
                else feature.description,
                role="builder",
                files=list(feature.files),
            )
            for i, item in enumerate(items or [""], start=1)
        ]
        built = [t.id for t in builders]
        tests = Task(
            id=f"{base}-tests",
            title=f"Test {feature.name}",
            role="tester",
            description=f"Write tests for: {feature.name}. {feature.description}".strip(),
            depends_on=built,
        )
        docs = Task(
            id=f"{base}-docs",
            title=f"Document {feature.name}",
            role="docs",
            description=f"Document {feature.name} for users.",
            depends_on=built,
        )
        return [*builders, tests, docs]

    def decompose_all(self, features: list[Feature]) -> list[Task]:
        return [task for feature in features for task in self.decompose(feature)]


def plan_from_spec(source: Path, name: str | None = None) -> Plan:
    """A plan from a spec file: a task list if it has `## Task NN` headers, else its features."""
    parser = SpecParser()
    text = _read(source)
    if parser.is_task_list(text):
        tasks = parser.parse_tasks(text)
    else:
        features = parser.parse(text)
        if not features:
            raise PlanError(f"{source}: no `# Feature:` sections and no `## Task NN` headers")
        tasks = TaskDecomposer().decompose_all(features)
    if not tasks:
        raise PlanError(f"{source}: no tasks found")
    plan = Plan(name=slugify(name or source.stem, 64), tasks=tasks, source=str(source))
    plan.validate()
    return plan
