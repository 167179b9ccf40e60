"""Hostile specs, plans and config values: one line on stderr, exit 2, never "unexpected"."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from brgit.config import load_config
from brgit.core.spec import SpecParser, parse_dependencies, read_spec
from brgit.errors import ConfigError, PlanError


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _text(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(text, encoding="utf-8")


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


HOSTILE_SPECS: dict[str, tuple[Callable[[Path], None], str]] = {
    "huge range": (
        _text("## Task 01\nTitle: a\n\n## Task 02\nTitle: b\nDependencies: Tasks 01-999999999\n"),
        "names 999999999 tasks; the list has 2",
    ),
    "5,000-digit task number": (
        _text(f"## Task {'7' * 5000}\nTitle: x\n"),
        "a task number has at most 9 digits",
    ),
    "5,000-digit dependency": (
        _text(f"## Task 01\nTitle: x\nDependencies: Task {'7' * 5000}\n"),
        "a task number has at most 9 digits",
    ),
    "backwards range": (
        _text("## Task 01\nTitle: a\n## Task 03\nTitle: c\nDependencies: Tasks 03-01\n"),
        "runs backwards",
    ),
    "dependency without a number": (
        _text("## Task 01\nTitle: a\nDependencies: the login work\n"),
        "name no task number",
    ),
    "duplicate task number": (_text("## Task 01\nTitle: a\n## Task 1\nTitle: b\n"), "twice"),
    "slug without letters": (_text("## Task 01\nSlug: ***\n"), "has no letters or digits"),
    "Latin-1 spec": (_bytes("# Feature: caf\u00e9\n- x\n".encode("latin-1")), "not UTF-8"),
    "symlink to /dev/zero": (_zero, "not a regular file"),
    "FIFO": (_fifo, "not a regular file"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_SPECS))
def test_br_plan_refuses_hostile_specs_in_one_line(
    repo: Path, br: Any, case: str
) -> None:
    make, message = HOSTILE_SPECS[case]
    spec = repo / "spec.md"
    make(spec)
    result = br("plan", "spec.md", "-o", "out.plan.toml", cwd=repo)
    assert result.code == 2, result.err
    assert message in result.err and result.err.count("\n") == 1
    assert "unexpected" not in result.err and not (repo / "out.plan.toml").exists()


def test_a_plan_run_refuses_deep_toml_and_a_fifo(repo: Path, tmp_path: Path, br: Any) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("[[tasks]]\nid = 'a'\nrun = " + "[" * 5000 + "]" * 5000 + "\n")
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    for plan in (deep, fifo):
        result = br("parallel", "start", "s", "--plan", str(plan), cwd=repo)
        assert result.code == 2 and result.err.count("\n") == 1, result.err
        assert "unexpected" not in result.err


def test_files_to_touch_without_backticks(tmp_path: Path) -> None:
    spec = tmp_path / "tasks.md"
    spec.write_text(
        "## Task 01\n**Files to touch:** src/x.py\n"
        "## Task 02\n- **Files to touch:** src/a.py, docs/b.md\n"
        "## Task 03\nFiles to touch:\n- `src/c.py`\n"
        "## Task 04\nFiles to touch:\n- src/d.py (new)\n- whatever fits\n- none\n"
    )
    read = read_spec(spec)
    files = [t.files for t in read.plan.tasks]
    assert files == [["src/x.py"], ["src/a.py", "docs/b.md"], ["src/c.py"], ["src/d.py"]]
    assert read.warnings == [
        "## Task 04: Files to touch: 'whatever fits' is not read as a path "
        "(write paths like `src/x.py`)"
    ]


def test_br_plan_prints_and_returns_warnings(repo: Path, br: Any) -> None:
    import json

    (repo / "spec.md").write_text("## Task 01\nTitle: a\nFiles to touch: the usual ones\n")
    result = br("plan", "spec.md", "--format", "json", cwd=repo)
    assert result.code == 0
    assert json.loads(result.out)["warnings"] == [
        "## Task 01: Files to touch: 'the usual ones' is not read as a path "
        "(write paths like `src/x.py`)"
    ]
    assert result.err.startswith("br: warning: ## Task 01: Files to touch")


def test_extra_feature_bullets_are_a_warning() -> None:
    parser = SpecParser()
    features = parser.parse("# Feature: Big\n" + "".join(f"- item {i}\n" for i in range(8)))
    assert len(features[0].requirements) == 8
    assert parser.warnings == [
        "feature 'Big': 2 bullet(s) after the first 6 are not build tasks of their own"
    ]


def test_ranges_expand_only_within_the_list() -> None:
    assert parse_dependencies("Tasks 01-03", limit=3) == [1, 2, 3]
    with pytest.raises(PlanError, match="names 4 tasks; the list has 3"):
        parse_dependencies("Tasks 01-04", limit=3)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "-1", "-0.01", "ten"])
def test_cost_limits_from_the_environment_must_be_numbers_of_zero_or_more(
    repo: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("BR_COST_LIMIT_DAILY", value)
    with pytest.raises(ConfigError, match="BR_COST_LIMIT_DAILY: expected a number of 0 or more"):
        load_config(repo)


def test_zero_still_turns_a_budget_off(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BR_COST_LIMIT_DAILY", "0")
    assert load_config(repo).routing.cost_limits.daily == 0.0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("daily = nan", "expected a finite number, got nan"),
        ("daily = inf", "expected a finite number, got inf"),
        ("weekly = -1.0", "must not be negative"),
        ("monthly = -5", "must not be negative"),
    ],
)
def test_cost_limits_in_config_must_be_finite_and_not_negative(
    repo: Path, line: str, message: str
) -> None:
    (repo / ".buildrunner").mkdir()
    (repo / ".buildrunner" / "config.toml").write_text(f"[routing.cost_limits]\n{line}\n")
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(repo)
    assert "config.toml:2: routing.cost_limits." in str(caught.value)


def test_env_budget_error_is_one_line_exit_2(
    repo: Path, br: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BR_COST_LIMIT_DAILY", "nan")
    result = br("worktree", "list", cwd=repo)
    assert result.code == 2 and result.err.count("\n") == 1 and "nan" in result.err


@pytest.mark.parametrize(
    "text",
    [
        "[parallel]\ncopy_files = " + "[" * 5000 + "]" * 5000 + "\n",
        "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
    ],
)
def test_deeply_nested_config_is_a_config_error(repo: Path, br: Any, text: str) -> None:
    (repo / ".buildrunner").mkdir()
    (repo / ".buildrunner" / "config.toml").write_text(text)
    result = br("worktree", "list", cwd=repo)
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "unexpected" not in result.err
    init = br("init", cwd=repo)  # the tomlkit path (keeps comments) refuses it the same way
    assert init.code == 2 and "unexpected" not in init.err
