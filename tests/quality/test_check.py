"""`br quality check` and the gate on generated projects; the tests run under coverage.py in
a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brgit.app.quality import SecurityScanner, facts_cache, make_gate
from brgit.config import load_config
from brgit.quality.check import check
from brgit.quality.testing import run_tests
from tests.conftest import commit_file
from tests.quality.conftest import CLEAN, MakeProject, config_text, planted

KEYS = {"overall_score", "passed", "categories"}
CATEGORY_KEYS = {"name", "score", "threshold", "passed", "details"}


def run_json(br, path: Path, *args: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    result = br("quality", "check", "--format", "json", *args, cwd=path)
    assert result.code in (0, 4), result.err
    return result.code, json.loads(result.out)


def by_name(data: dict) -> dict[str, dict]:
    return {c["name"]: c for c in data["categories"]}


def test_clean_project_passes_with_exit_0(clean: Path, br) -> None:  # type: ignore[no-untyped-def]
    code, data = run_json(br, clean)
    assert code == 0 and data["passed"] is True
    assert set(data) >= KEYS
    cats = by_name(data)
    assert list(cats) == ["security", "testing", "documentation", "structure"]
    for cat in cats.values():
        assert set(cat) >= CATEGORY_KEYS and cat["passed"] and cat["score"] == 100
    testing = cats["testing"]["metrics"]
    assert testing["tests_passed"] is True
    assert (testing["line_coverage"], testing["branch_coverage"]) == (100.0, 100.0)
    assert data["overall_score"] == 100


def test_planted_project_fails_with_exit_4_naming_file_and_line(dirty: Path, br) -> None:  # type: ignore[no-untyped-def]
    code, data = run_json(br, dirty)
    assert code == 4 and data["passed"] is False
    cats = by_name(data)
    [key] = cats["security"]["details"]
    assert (key["file"], key["line"], key["level"]) == ("shop/config.py", 3, "error")
    assert cats["security"]["score"] == 70 and not cats["security"]["passed"]
    assert not cats["testing"]["passed"] and cats["testing"]["score"] < 80
    complex_fn = [d for d in cats["structure"]["details"] if d["file"] == "shop/pricing.py"]
    assert complex_fn and complex_fn[0]["line"] == 4 and "complexity 15" in complex_fn[0]["message"]
    assert cats["structure"]["metrics"]["max_complexity"] == 15
    key_text = planted()["shop/config.py"].split('"')[-2]
    assert key_text not in json.dumps(data)


def test_table_output(dirty: Path, br) -> None:  # type: ignore[no-untyped-def]
    result = br("quality", "check", cwd=dirty)
    assert result.code == 4
    lines = result.out.splitlines()
    assert lines[0] == "Quality Gate Results"
    assert lines[1].startswith("Overall Score:") and lines[1].endswith("FAILED")
    assert any(line.split()[:4] == ["Security", "70", "90", "FAIL"] for line in lines)
    assert "  error: shop/config.py:3: high secret: anthropic_key" in lines


def test_failing_tests_fail_the_testing_category(make_project: MakeProject, br) -> None:  # type: ignore[no-untyped-def]
    broken = CLEAN["tests/test_cart.py"].replace("== 3\n", "== 4\n", 1)
    root = make_project({**CLEAN, "tests/test_cart.py": broken})
    code, data = run_json(br, root)
    testing = by_name(data)["testing"]
    assert code == 4 and not testing["passed"]
    assert testing["metrics"]["tests_passed"] is False and testing["metrics"]["exit_code"] == 1
    assert testing["details"][0]["level"] == "error"
    assert testing["details"][0]["message"].startswith("tests failed (exit code 1)")


def test_a_hanging_test_run_is_stopped_and_fails(make_project: MakeProject, br) -> None:  # type: ignore[no-untyped-def]
    hang = "import time\n\n\ndef test_hang():\n    time.sleep(60)\n"
    root = make_project({**CLEAN, "tests/test_hang.py": hang},
                        config=config_text(test_timeout_seconds="2"))
    code, data = run_json(br, root)
    testing = by_name(data)["testing"]
    assert code == 4 and testing["metrics"]["exit_code"] is None
    assert testing["details"][0]["message"].startswith("tests failed (timed out)")


def test_strict_fails_on_warnings(make_project: MakeProject, br) -> None:  # type: ignore[no-untyped-def]
    cart = CLEAN["shop/cart.py"].replace('        """One line with the total."""\n', "")
    root = make_project({**CLEAN, "shop/cart.py": cart})
    code, data = run_json(br, root)
    docs = by_name(data)["documentation"]
    assert code == 0 and docs["passed"] and docs["score"] < 100
    assert docs["details"] == [{"level": "warning", "message": "public method Receipt.render "
                                "has no docstring", "file": "shop/cart.py", "line": 15}]
    code, data = run_json(br, root, "--strict")
    assert code == 4 and data["strict"] is True and not by_name(data)["documentation"]["passed"]


def test_thresholds_come_from_config(make_project: MakeProject, br) -> None:  # type: ignore[no-untyped-def]
    config = config_text() + "\n[quality.thresholds]\nsecurity = 60\ntesting = 20\n"
    files = {**CLEAN, "shop/extra.py": '"""E."""\n\n\ndef unused():\n    """U."""\n    return 1\n'}
    root = make_project(files, config=config)
    code, data = run_json(br, root)
    testing = by_name(data)["testing"]
    assert testing["threshold"] == 20 and testing["score"] < 100
    assert code == 0


def test_second_run_measures_nothing_again_but_reruns_the_tests(clean: Path) -> None:
    cfg = load_config(clean)
    runs: list[Path] = []

    def counting(target: Path, command: str, timeout: float):  # type: ignore[no-untyped-def]
        runs.append(target)
        return run_tests(target, command, timeout)

    def once() -> tuple[int, int, int]:
        cache = facts_cache(cfg)
        report = check(clean, cfg.quality, SecurityScanner(cfg, clean), cache, runner=counting)
        return report.overall_score, cache.hits, cache.misses

    score, hits, misses = once()
    assert (hits, misses) == (0, 6)  # README, .gitignore, spec, 3 Python files
    assert once() == (score, 6, 0)
    assert len(runs) == 2
    commit_file(clean, "shop/cart.py", CLEAN["shop/cart.py"] + "\n\nVALUE = 1\n")
    assert once()[1:] == (5, 1)


def test_corrupt_cache_is_measured_again(dirty: Path, br) -> None:  # type: ignore[no-untyped-def]
    first = br("gaps", "analyze", "--format", "json", cwd=dirty)
    cache = dirty / ".buildrunner" / "quality" / "facts.json"
    assert cache.is_file()
    cache.write_text("{not json")
    again = br("gaps", "analyze", "--format", "json", cwd=dirty)
    assert (again.code, again.out) == (0, first.out)
    assert json.loads(cache.read_text())["version"] == 1
    entries = json.loads(cache.read_text())["entries"]
    entry = next(iter(entries.values()))
    entry["facts"] = {"lines": "not the shape this version writes"}
    cache.write_text(json.dumps({"version": 1, "entries": entries}))
    assert br("gaps", "analyze", "--format", "json", cwd=dirty).out == first.out


def test_gate_passes_and_fails_with_a_reason(clean: Path, dirty: Path) -> None:
    gate = make_gate(load_config(clean))
    assert gate.check(clean) == (True, "quality gate passed: 100/100")
    passed, reason = make_gate(load_config(dirty)).check(dirty)
    assert passed is False
    assert reason.startswith("quality gate failed: security 70/90 (high secret: anthropic_key at "
                             "shop/config.py:3)")


def test_gate_turns_a_broken_setup_into_a_failure(make_project: MakeProject) -> None:
    root = make_project(CLEAN, config=config_text().replace("test_command = ",
                                                            "test_command = 'make test' #"))
    passed, reason = make_gate(load_config(root)).check(root)
    assert passed is False and "must start with python" in reason


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[quality.thresholds]\ntesting = 120\n", "quality.thresholds.testing: must be between"),
        ("[quality]\nmax_complexity = 0\n", "quality.max_complexity: must be at least 1"),
        ("[quality]\ntest_command = 'make test'\n", "quality.test_command must start with python"),
        ("[quality]\ntest_command = ''\n", "quality.test_command is empty"),
    ],
)
def test_bad_config_is_exit_2_with_one_line(
    make_project: MakeProject, br, config: str, message: str  # type: ignore[no-untyped-def]
) -> None:
    root = make_project(CLEAN, config=config)
    result = br("quality", "check", cwd=root)
    assert result.code == 2 and message in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_missing_extra_names_it(clean: Path, br, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "coverage" else real(name, *a))
    result = br("quality", "check", cwd=clean)
    assert result.code == 2
    assert result.err.strip() == ("br: error: this command needs the quality extra (missing: "
                                  "coverage): pip install 'brgit[quality]'")


def test_path_argument_and_missing_path(clean: Path, tmp_path: Path, br) -> None:  # type: ignore[no-untyped-def]
    assert br("quality", "check", str(clean), cwd=tmp_path).code == 0
    result = br("quality", "check", str(tmp_path / "nope"), cwd=tmp_path)
    assert result.code == 6 and "directory not found" in result.err


def test_unparsable_file_is_a_note_not_a_crash(make_project: MakeProject, br) -> None:  # type: ignore[no-untyped-def]
    root = make_project({**CLEAN, "scripts/broken.py": "def f(:\n"})
    code, data = run_json(br, root)
    assert code == 0
    assert data["notes"] == ["scripts/broken.py: does not parse (line 1: invalid syntax)"]
