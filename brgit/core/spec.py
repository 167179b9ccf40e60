"""From a spec to a plan: `# Feature:` sections of a PROJECT_SPEC.md, or `## Task NN` lists.

`SpecParser().parse(path)` returns the spec's features; `parse_tasks(text)` reads a markdown
task list (`## Task 01` with Slug, Title, Description, Files to touch, Dependencies);
`TaskDecomposer().decompose(feature)` turns a feature into build, test and docs tasks. No
model is called: decomposition is deterministic, and the plan is meant to be edited by hand.

Nothing a spec says is dropped in silence: what cannot be read (a dependency naming no task
number, a slug with no letters) is a PlanError, and what is read loosely (a file list without
backticks, bullets beyond the sixth) is a warning in `SpecParser.warnings`.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from brgit.core.plan import Plan, Task
from brgit.errors import NotFoundError, PlanError
from brgit.names import ID_MAX, slugify

__all__ = [
    "Feature",
    "SpecParser",
    "SpecPlan",
    "TaskDecomposer",
    "parse_dependencies",
    "plan_from_spec",
    "read_spec",
    "slugify",
]

FEATURE = re.compile(r"^#\s*Feature:\s*(?P<name>.+?)\s*$")
TASK_HEADER = re.compile(r"^##\s+Task\s+(?P<num>\d+)\b.*$", re.IGNORECASE)
# `- **Title:** x` or `**Title:** x`; without a bullet only known names count as fields, so
# a bold "**Note:**" line inside a description stays part of it
FIELD = re.compile(r"^\s*(?P<bullet>[-*]\s*)?\*\*(?P<key>[^*:]+):?\*\*:?\s*(?P<rest>.*)$")
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
# hyphen, en dash, em dash; a number starts only where a run of digits does (no backtracking
# through every start inside a 5,000-digit run)
RANGE = re.compile(r"(?<!\d)(\d+)\s*(?:[-\u2013\u2014]|to)\s*(\d+)")
NUMBER = re.compile(r"\d+")
MAX_BUILD_TASKS = 6
MAX_DIGITS = 9  # task numbers; longer ones are refused before int() sees them
MAX_RANGE = 100_000  # numbers one dependency range may name (parse_tasks passes the task count)
NO_VALUE = ("none", "n/a", "-", "\u2014")


@dataclass
class Feature:
    name: str
    description: str = ""
    requirements: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return slugify(self.name)


def _read(source: Path | str) -> str:
    if isinstance(source, Path):
        from brgit.config import read_text

        if not source.exists():
            raise NotFoundError(f"spec not found: {source}")
        return read_text(source)
    return source


@dataclass
class SpecPlan:
    plan: Plan
    warnings: list[str] = field(default_factory=list)


class SpecParser:
    def __init__(self) -> None:
        self.warnings: list[str] = []  # what was read loosely, for the user to check

    def parse(self, source: Path | str) -> list[Feature]:
        """The `# Feature: NAME` sections of a spec (a path or its text)."""
        features: list[Feature] = []
        for line in textwrap.dedent(_read(source)).splitlines():
            match = FEATURE.match(line.strip())
            if match:
                features.append(Feature(match["name"]))
                if not re.search(r"[A-Za-z0-9]", match["name"]):
                    name = match["name"]
                    self.warnings.append(
                        f"feature {name!r} has no ASCII letters or digits to name its tasks"
                    )
            elif features and line.strip() and not line.lstrip().startswith("#"):
                self._add(features[-1], line.strip())
        for feature in features:
            extra = len(feature.requirements) - MAX_BUILD_TASKS
            if extra > 0:
                self.warnings.append(
                    f"feature {feature.name!r}: {extra} bullet(s) after the first "
                    f"{MAX_BUILD_TASKS} are not build tasks of their own"
                )
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
        ids: dict[int, str] = {}
        for num, fields in blocks:
            if num in ids:
                raise PlanError(f"## Task {num:02d} appears twice")
            ids[num] = _task_id(num, fields)
        return [self._task(num, fields, ids) for num, fields in blocks]

    def _task(self, num: int, fields: dict[str, str], ids: dict[int, str]) -> Task:
        if not fields:
            raise PlanError(
                f"## Task {num:02d} has none of the fields Slug, Title, Description, "
                "Files to touch, Dependencies (as `- **Title:** ...` or `Title: ...`)"
            )
        where = f"## Task {num:02d}"
        try:
            numbers = parse_dependencies(fields.get("dependencies", ""), limit=len(ids))
        except PlanError as exc:
            raise PlanError(f"{where}: {exc}") from None
        deps = [ids.get(n) or f"task-{n:02d}" for n in numbers]
        self.warnings += [
            f"{where}: field {key!r} is not used (known: {', '.join(KNOWN_FIELDS)})"
            for key in fields
            if key not in KNOWN_FIELDS
        ]
        return Task(
            id=ids[num],
            title=fields.get("title", "").strip() or ids[num],
            description=_description(fields),
            role=_role(fields.get("title", "") + " " + ids[num]),
            files=self._files(where, fields.get("files to touch", "")),
            depends_on=[d for d in deps if d != ids[num]],
        )

    def _files(self, where: str, text: str) -> list[str]:
        """Paths in backticks; without any, each item of a comma or line separated list whose
        first word looks like a path (has a '/' or a '.'); anything else is a warning."""
        quoted = BACKTICK.findall(text)
        if quoted or not text.strip():
            return quoted
        files: list[str] = []
        for item in re.split(r"[,\n]", text):
            item = item.strip().lstrip("-*+ ").strip()
            if not item or item.lower() in NO_VALUE:
                continue
            word = item.split()[0].strip("\"'*").rstrip(".,;:")
            if "/" in word or "." in word.strip("."):
                files.append(word)
            else:
                self.warnings.append(
                    f"{where}: Files to touch: {item[:60]!r} is not read as a path "
                    "(write paths like `src/x.py`)"
                )
        return files


def _task_blocks(text: str) -> list[tuple[int, dict[str, str]]]:
    blocks: list[tuple[int, dict[str, str]]] = []
    key: str | None = None
    for line in text.splitlines():
        header = TASK_HEADER.match(line.strip())
        if header:
            blocks.append((_number(header["num"], "## Task"), {}))
            key = None
            continue
        if not blocks:
            continue
        match = _field(line)
        fields = blocks[-1][1]
        if match:
            key = match["key"].strip().lower()
            fields[key] = match["rest"].strip()
        elif key and line.strip():
            fields[key] = f"{fields[key]}\n{line.strip()}".strip()
    return blocks


def _field(line: str) -> re.Match[str] | None:
    bold = FIELD.match(line)
    if bold and (bold["bullet"] or bold["key"].strip().lower() in KNOWN_FIELDS):
        return bold
    return PLAIN_FIELD.match(line)


def _number(text: str, where: str) -> int:
    if len(text) > MAX_DIGITS:
        raise PlanError(f"{where} {text[:12]}...: a task number has at most {MAX_DIGITS} digits")
    return int(text)


def _task_id(num: int, fields: dict[str, str]) -> str:
    raw = fields.get("slug", "").strip().strip("`")
    if not raw:
        return f"task-{num:02d}"
    slug = slugify(raw, ID_MAX)
    if slug == "task" and raw.lower() != "task":
        raise PlanError(f"## Task {num:02d}: slug {raw[:40]!r} has no letters or digits")
    return slug


def _description(fields: dict[str, str]) -> str:
    """The description, then acceptance criteria and the kinds of tests the list asks for."""
    text = fields.get("description", "")
    for key in KNOWN_FIELDS[KNOWN_FIELDS.index("acceptance criteria") :]:
        if fields.get(key):
            text = f"{text}\n\n{key.capitalize()}:\n{fields[key]}"
    return text.strip()


def parse_dependencies(text: str, *, limit: int = MAX_RANGE) -> list[int]:
    """`none`, `Task 01`, `Tasks 01-03` (any dash), `Tasks 03 and 07` -> task numbers.

    A range naming more than `limit` numbers (more than the list has tasks), a backwards range,
    a number of more than nine digits and text naming no number at all are PlanErrors."""
    stripped = text.strip()
    if not stripped or stripped.lower().startswith(NO_VALUE):
        return []
    numbers: set[int] = set()
    for start, end in RANGE.findall(text):
        low, high = _number(start, "Dependencies: Task"), _number(end, "Dependencies: Task")
        if high < low:
            raise PlanError(f"dependency range {start}-{end} runs backwards")
        if high - low >= limit:
            raise PlanError(
                f"dependency range {start}-{end} names {high - low + 1} tasks; "
                f"the list has {limit}"
            )
        numbers.update(range(low, high + 1))
    numbers.update(_number(n, "Dependencies: Task") for n in NUMBER.findall(RANGE.sub(" ", text)))
    if not numbers:
        raise PlanError(
            f"dependencies {stripped[:60]!r} name no task number "
            "(write `none`, `Task 01`, `Tasks 01-03` or `Tasks 03 and 07`)"
        )
    return sorted(numbers)


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


def read_spec(source: Path, name: str | None = None) -> SpecPlan:
    """A plan from a spec file (a task list if it has `## Task NN` headers, else its features),
    with the warnings of what was read loosely."""
    parser = SpecParser()
    text = _read(source)
    try:
        tasks = _tasks(parser, text)
        plan = Plan(name=slugify(name or source.stem, ID_MAX), tasks=tasks, source=str(source))
        plan.validate()
    except PlanError as exc:
        raise PlanError(f"{source}: {exc}") from None
    return SpecPlan(plan, parser.warnings)


def _tasks(parser: SpecParser, text: str) -> list[Task]:
    if parser.is_task_list(text):
        return parser.parse_tasks(text)
    features = parser.parse(text)
    if not features:
        raise PlanError("no `# Feature:` sections and no `## Task NN` headers")
    return TaskDecomposer().decompose_all(features)


def plan_from_spec(source: Path, name: str | None = None) -> Plan:
    """A plan from a spec file: a task list if it has `## Task NN` headers, else its features."""
    return read_spec(source, name).plan
