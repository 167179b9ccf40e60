from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import git
from tests.security.samples import tokens

SQL = "def f(cur, n):\n    cur.execute(f\"SELECT * FROM t WHERE n = '{n}'\")\n"


def test_scan_reports_masked_findings_and_exits_3(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    key = tokens()["anthropic_key"]
    (repo / "config.py").write_text(f"KEY = '{key}'\n")
    (repo / "db.py").write_text(SQL)
    result = br("security", "scan", cwd=repo)
    assert result.code == 3
    assert "config.py" in result.out and "anthropic_key" in result.out and "sql-fstring" in result.out
    assert key not in result.out + result.err
    assert key[:4] + "..." + key[-4:] in result.out


def test_scan_json_has_the_documented_keys(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    (repo / "db.py").write_text(SQL)
    (repo / "k.py").write_text(f"K = '{tokens()['github_token']}'\n")
    result = br("security", "scan", "--format", "json", cwd=repo)
    assert result.code == 3
    findings = json.loads(result.out)
    assert {f["type"] for f in findings} == {"sql-fstring", "github_token"}
    for item in findings:
        assert {"file", "line", "type", "rule", "severity", "confidence", "masked_value",
                "fingerprint", "cwe"} <= set(item)


def test_scan_sarif(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    (repo / "db.py").write_text(SQL)
    (repo / "k.py").write_text(f"K = '{tokens()['github_token']}'\n")
    result = br("security", "scan", "--format", "sarif", cwd=repo)
    sarif = json.loads(result.out)
    assert result.code == 3 and sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    tags = {t for r in run["tool"]["driver"]["rules"] for t in r["properties"]["tags"]}
    assert {"external/cwe/cwe-798", "external/cwe/cwe-89"} <= tags
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]} == {"db.py", "k.py"}
    assert tokens()["github_token"] not in result.out


def test_clean_scan_exits_0(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    (repo / "ok.py").write_text("def f(cur, n):\n    cur.execute('SELECT 1 WHERE n = ?', (n,))\n")
    result = br("security", "scan", cwd=repo)
    assert result.code == 0 and "no secrets or SQL injection found" in result.out


def test_scan_file_directory_and_kind_flags(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    (repo / "src").mkdir()
    (repo / "src" / "db.py").write_text(SQL)
    (repo / "top.py").write_text(f"K = '{tokens()['npm_token']}'\n")
    assert br("security", "scan", "--directory", "src", "--secrets", cwd=repo).code == 0
    assert br("security", "scan", "--directory", "src", "--sql", cwd=repo).code == 3
    assert br("security", "scan", "--file", "top.py", cwd=repo).code == 3
    missing = br("security", "scan", "--file", "nope.py", cwd=repo)
    assert missing.code == 6 and "file not found" in missing.err


def test_check_staged_scans_the_index_not_the_working_tree(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    key = tokens()["github_token"]
    (repo / "app.py").write_text(f"K = '{key}'\n")
    git(repo, "add", "app.py")
    (repo / "app.py").write_text("K = None\n")
    staged = br("security", "check", "--staged", "--format", "json", cwd=repo)
    assert staged.code == 3 and json.loads(staged.out)[0]["file"] == "app.py"
    assert br("security", "check", "--format", "json", cwd=repo).code == 0
    assert br("security", "check", "--staged", "--no-secrets", cwd=repo).code == 0


def test_check_without_staged_scans_changed_and_untracked_files(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    (repo / "new.py").write_text(SQL)
    result = br("security", "check", "--format", "json", cwd=repo)
    assert result.code == 3 and [f["file"] for f in json.loads(result.out)] == ["new.py"]
    assert br("security", "check", "--no-sql", cwd=repo).code == 0


def test_turning_everything_off_is_a_usage_error(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    result = br("security", "check", "--no-sql", "--no-secrets", cwd=repo)
    assert result.code == 2 and "nothing to check" in result.err


def test_bad_format_is_a_usage_error(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    assert br("security", "scan", "--format", "xml", cwd=repo).code == 2


def test_scan_records_a_security_scan_event_without_values(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    key = tokens()["stripe_key"]
    (repo / "k.py").write_text(f"K = '{key}'\n")
    assert br("security", "scan", cwd=repo).code == 3
    events = repo / ".buildrunner" / "telemetry"
    texts = [p.read_text() for p in events.rglob("*.jsonl")] if events.exists() else []
    assert any('"security_scan"' in t and "stripe_key" in t for t in texts)
    assert all(key not in t and key[:12] not in t for t in texts)


def test_baseline_command_writes_and_then_is_stable(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    (repo / "k.py").write_text(f"K = '{tokens()['github_token']}'\n")
    first = br("security", "baseline", cwd=repo)
    assert first.code == 0 and "updated, 1 known secret" in first.out
    assert br("security", "baseline", cwd=repo).out.count("unchanged") == 1
    assert br("security", "scan", cwd=repo).code == 0


def test_scan_skips_git_ignored_files_unless_named(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    (repo / ".gitignore").write_text(".env\n")
    (repo / ".env").write_text(f"STRIPE_KEY={tokens()['stripe_key']}\n")
    assert br("security", "scan", cwd=repo).code == 0
    assert br("security", "scan", "--file", ".env", cwd=repo).code == 3


def test_scan_outside_git_walks_the_directory(tmp_path: Path, br) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "k.py").write_text(f"K = '{tokens()['npm_token']}'\n")
    assert br("security", "scan", "--directory", str(tmp_path), cwd=tmp_path).code == 3
