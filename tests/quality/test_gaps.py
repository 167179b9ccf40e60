"""`br gaps analyze` on generated projects: every planted gap found, none high when clean."""

from __future__ import annotations

import json
from pathlib import Path

from tests.quality.conftest import CLEAN, MakeProject, planted


def gaps_of(br, path: Path, *args: str) -> list[dict]:  # type: ignore[no-untyped-def]
    result = br("gaps", "analyze", "--format", "json", *args, cwd=path)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    for gap in data["gaps"]:
        assert set(gap) == {"severity", "category", "message", "file", "line"}
    return data["gaps"]


def find(gaps: list[dict], category: str, file: str | None = None) -> list[dict]:
    return [g for g in gaps if g["category"] == category and (file is None or g["file"] == file)]


def test_every_planted_gap_is_found(dirty: Path, br) -> None:  # type: ignore[no-untyped-def]
    gaps = gaps_of(br, dirty)
    [key] = find(gaps, "credentials", "shop/config.py")
    assert (key["severity"], key["line"]) == ("high", 3)
    stubs = {(g["line"], g["severity"]) for g in find(gaps, "stub", "shop/payments.py")}
    assert stubs == {(6, "high"), (9, "medium")}  # NotImplementedError; pass-only charge()
    untested = {g["file"] for g in find(gaps, "untested")}
    assert untested == {"shop/payments.py", "shop/reports.py", "shop/pricing.py"}
    [spec] = find(gaps, "spec")
    assert spec["severity"] == "high" and "Password reset" in spec["message"]
    assert (spec["file"], spec["line"]) == ("PROJECT_SPEC.md", 5)
    [bare] = find(gaps, "error-handling")
    assert (bare["severity"], bare["file"], bare["line"]) == ("medium", "shop/payments.py", 17)
    [todo] = find(gaps, "todo")
    assert (todo["severity"], todo["line"]) == ("low", 19)
    [doc] = find(gaps, "docstring")
    assert "charge" in doc["message"] and doc["severity"] == "low"
    assert [g["severity"] for g in gaps] == sorted(
        (g["severity"] for g in gaps), key=["high", "medium", "low"].index)


def test_clean_project_has_no_high_gap(clean: Path, br) -> None:  # type: ignore[no-untyped-def]
    gaps = gaps_of(br, clean)
    assert [g for g in gaps if g["severity"] == "high"] == []
    assert gaps == []  # fully tested, documented, and its one spec feature is built and tested


def test_severity_filter_keeps_that_level_and_worse(dirty: Path, br) -> None:  # type: ignore[no-untyped-def]
    high = gaps_of(br, dirty, "--severity", "high")
    medium = gaps_of(br, dirty, "--severity", "medium")
    assert {g["severity"] for g in high} == {"high"}
    assert {g["severity"] for g in medium} == {"high", "medium"}
    assert len(gaps_of(br, dirty)) > len(medium) > len(high)
    bad = br("gaps", "analyze", "--severity", "urgent", cwd=dirty)
    assert bad.code == 2 and "--severity" in bad.err


def test_table_output_groups_by_severity_and_masks_the_key(dirty: Path, br) -> None:  # type: ignore[no-untyped-def]
    result = br("gaps", "analyze", cwd=dirty)
    assert result.code == 0
    assert result.out.startswith("Gap Analysis Results")
    assert "HIGH SEVERITY (3):" in result.out and "LOW SEVERITY" in result.out
    assert "(shop/config.py:3)" in result.out
    key = planted()["shop/config.py"].split('"')[-2]
    assert key not in result.out + result.err


def test_spec_option_reads_a_task_list_and_a_plan(make_project: MakeProject, br) -> None:  # type: ignore[no-untyped-def]
    tasks = (
        "## Task 01\n- **Slug:** totals\n- **Title:** Cart totals\n\n"
        "## Task 02\n- **Slug:** export\n- **Title:** Invoice export\n"
    )
    plan = (
        '[plan]\nname = "p"\n\n[[tasks]]\nid = "invoice"\ntitle = "Invoice export"\n\n'
        '[[tasks]]\nid = "totals"\ntitle = "Cart totals"\n'
    )
    root = make_project({**CLEAN, "TASKS.md": tasks, "plan.toml": plan})
    for spec, line in (("TASKS.md", 5), ("plan.toml", None)):
        [gap] = find(gaps_of(br, root, "--spec", spec), "spec")
        assert "Invoice export" in gap["message"] and gap["severity"] == "high"
        assert (gap["file"], gap["line"]) == (spec, line)
    missing = br("gaps", "analyze", "--spec", "nope.md", cwd=root)
    assert missing.code == 6 and "spec not found" in missing.err


def test_feature_with_code_but_no_test_is_medium(make_project: MakeProject, br) -> None:  # type: ignore[no-untyped-def]
    spec = CLEAN["PROJECT_SPEC.md"] + "\n# Feature: Weekly reports\n"
    root = make_project({**CLEAN, "PROJECT_SPEC.md": spec,
                         "shop/reports.py": '"""R."""\n\n\ndef weekly_report():\n    """R."""\n'})
    [gap] = find(gaps_of(br, root), "spec")
    assert gap["severity"] == "medium" and "shop/reports.py" in gap["message"]


def test_spec_without_features_is_a_plan_error(make_project: MakeProject, br) -> None:  # type: ignore[no-untyped-def]
    root = make_project({**CLEAN, "PROJECT_SPEC.md": "# Just a title\nno features\n"})
    result = br("gaps", "analyze", cwd=root)
    assert result.code == 2 and "no `# Feature:` sections" in result.err


def test_folder_outside_git_is_walked(tmp_path: Path, br) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "plain"
    for name, text in {**CLEAN, "shop/extra.py": "def todo():\n    pass\n",
                       ".venv/lib/site.py": "def x():\n    pass\n"}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    gaps = gaps_of(br, folder)
    assert {(g["category"], g["file"]) for g in gaps} == {
        ("stub", "shop/extra.py"), ("untested", "shop/extra.py"), ("docstring", "shop/extra.py")}
