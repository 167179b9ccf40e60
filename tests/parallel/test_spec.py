from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brgit.core.plan import load_plan
from brgit.core.spec import SpecParser, TaskDecomposer, parse_dependencies, plan_from_spec
from brgit.errors import PlanError

SPEC = """
    # Project

    # Feature: User Authentication
    Add login/logout functionality in `src/auth.py`.
    - Login form
    - Logout endpoint

    # Feature: Search
    Full-text search over notes.
"""

TASKS = """# Tasks

## Task 01
- **Slug:** db-columns
- **Title:** Add columns
- **Description:**
  Add the token columns.
- **Files to touch:**
  `db/migrations.py`
  `tests/test_db.py`
- **Dependencies:** none
- **Acceptance criteria:**
  - columns exist

## Task 02
- **Title:** Write tests for repo
- **Dependencies:** Task 01

## Task 03
- **Slug:** service
- **Title:** Service
- **Dependencies:** Tasks 01\u201302
"""


def test_features_are_parsed_from_an_indented_spec() -> None:
    features = SpecParser().parse(SPEC)
    assert [f.name for f in features] == ["User Authentication", "Search"]
    auth = features[0]
    assert auth.description == "Add login/logout functionality in `src/auth.py`."
    assert auth.requirements == ["Login form", "Logout endpoint"]
    assert auth.files == ["src/auth.py"]


def test_decomposer_builds_then_tests_and_docs() -> None:
    auth, search = SpecParser().parse(SPEC)
    tasks = TaskDecomposer().decompose(auth)
    assert [t.id for t in tasks] == [
        "user-authentication-build-1",
        "user-authentication-build-2",
        "user-authentication-tests",
        "user-authentication-docs",
    ]
    assert tasks[2].role == "tester" and tasks[2].depends_on == [t.id for t in tasks[:2]]
    assert tasks[0].files == ["src/auth.py"]
    assert TaskDecomposer().decompose(search)[0].id == "search-build"


def test_task_list() -> None:
    tasks = SpecParser().parse_tasks(TASKS)
    assert [t.id for t in tasks] == ["db-columns", "task-02", "service"]
    assert tasks[0].files == ["db/migrations.py", "tests/test_db.py"]
    assert tasks[0].description == "Add the token columns.\n\nAcceptance criteria:\n- columns exist"
    assert tasks[1].role == "tester" and tasks[1].depends_on == ["db-columns"]
    assert tasks[2].depends_on == ["db-columns", "task-02"]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("none", []),
        ("Task 01", [1]),
        ("Tasks 01-03", [1, 2, 3]),
        ("Tasks 03 and 07", [3, 7]),
        ("Tasks 02\u201305, Task 09", [2, 3, 4, 5, 9]),
        ("", []),
    ],
)
def test_dependencies(text: str, numbers: list[int]) -> None:
    assert parse_dependencies(text) == numbers


def test_unknown_dependency_and_empty_spec(tmp_path: Path) -> None:
    bad = tmp_path / "tasks.md"
    bad.write_text("## Task 01\n- **Title:** a\n- **Dependencies:** Task 07\n")
    with pytest.raises(PlanError, match="unknown task 'task-07'"):
        plan_from_spec(bad)
    empty = tmp_path / "PROJECT_SPEC.md"
    empty.write_text("# Nothing here\n")
    with pytest.raises(PlanError, match="no `# Feature:` sections"):
        plan_from_spec(empty)


def test_br_plan_writes_an_editable_plan(repo: Path, br: Any) -> None:
    spec = repo / "PROJECT_SPEC.md"
    spec.write_text(SPEC)
    result = br("plan", "PROJECT_SPEC.md", "-o", "plan.toml", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    loaded = load_plan(repo / "plan.toml")
    assert [t["id"] for t in data["tasks"]] == loaded.ids
    assert loaded.name == "project-spec" and len(loaded.tasks) == 7
    again = br("plan", "PROJECT_SPEC.md", "-o", "plan.toml", cwd=repo)
    assert again.code == 2 and "--force" in again.err
    missing = br("plan", "nope.md", cwd=repo)
    assert missing.code == 6


def test_task_fields_written_plainly_are_read() -> None:
    text = (
        "## Task 01\nSlug: add-util\nTitle: Add the util module\nDescription: A helper.\n"
        "Note: keep it small.\nDependencies: none\n\n"
        "## Task 02\n- Slug: use-util\n- Title: Use it\n- Dependencies: Task 01\n"
    )
    first, second = SpecParser().parse_tasks(text)
    assert (first.id, first.title) == ("add-util", "Add the util module")
    assert first.description == "A helper.\nNote: keep it small."
    assert (second.id, second.depends_on) == ("use-util", ["add-util"])


def test_a_task_block_without_fields_is_an_error_not_an_empty_task() -> None:
    with pytest.raises(PlanError, match="## Task 01 has none of the fields"):
        SpecParser().parse_tasks("## Task 01\nsomething vague\n")


def test_nothing_a_task_list_says_is_dropped_in_silence() -> None:
    parser = SpecParser()
    (task,) = parser.parse_tasks(
        "## Task 01\n**Title:** Add x\n**Description:** Do it.\n**Note:** bold, not a field\n"
        "- **Unit tests:** test_x covers it\n- **Owner:** sam\n"
    )
    assert task.title == "Add x"
    assert task.description == (
        "Do it.\n**Note:** bold, not a field\n\nUnit tests:\ntest_x covers it"
    )
    assert parser.warnings == [
        "## Task 01: field 'owner' is not used (known: slug, title, description, files to "
        "touch, dependencies, acceptance criteria, unit tests, component tests, integration "
        "tests, api tests)"
    ]


def test_a_feature_name_without_letters_is_a_warning() -> None:
    parser = SpecParser()
    assert [f.slug for f in parser.parse("# Feature: ***\n# Feature: Task\n")] == ["task", "task"]
    assert parser.warnings == ["feature '***' has no ASCII letters or digits to name its tasks"]
