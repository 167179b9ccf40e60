from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from brgit.hooks import secrets, sql
from tests.security.samples import tokens

HEAVY = ("typer", "rich", "git", "anthropic", "tomlkit", "detect_secrets", "click")


@pytest.mark.parametrize("module", ["brgit.hooks.secrets", "brgit.hooks.sql"])
def test_hook_modules_import_nothing_heavy(module: str, tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    code = (
        f"import sys, {module} as m\n"
        "code = m.main(['a.py'])\n"
        f"heavy = [n for n in {HEAVY!r} if n in sys.modules]\n"
        "print(code, heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, check=True)
    assert proc.stdout.strip() == "0 []"


def test_hook_mains_exit_3_with_masked_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    key = tokens()["google_api_key"]
    (tmp_path / "k.py").write_text(f"K = '{key}'\n")
    (tmp_path / "db.py").write_text("def f(c, n):\n    c.execute('DELETE FROM t WHERE n = ' + n)\n")
    assert secrets.main(["k.py", "db.py"]) == 3
    out = capsys.readouterr().out
    assert "k.py:1: [google_api_key]" in out and key not in out
    assert sql.main(["k.py", "db.py"]) == 3
    assert "db.py:2: [sql-concat]" in capsys.readouterr().out
    assert secrets.main([]) == 0 and sql.main(["k.py"]) == 0


def test_hook_broken_config_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".buildrunner").mkdir()
    (tmp_path / ".buildrunner" / "config.toml").write_text("[security\n")
    assert secrets.main(["x.py"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("br-secrets: error:") and err.count("\n") == 1


def test_native_hook_entry_point_is_lean_and_blocks_staged_secrets(repo: Path) -> None:
    key = tokens()["google_api_key"]
    (repo / "k.py").write_text(f"K = '{key}'\n")
    subprocess.run(["git", "add", "k.py"], cwd=repo, check=True)
    (repo / "k.py").write_text("K = 'clean in the working tree'\n")  # the index is what counts
    code = (
        "import sys, brgit.hooks.precommit as m\n"
        "code = m.main([])\n"
        f"heavy = [n for n in {HEAVY!r} if n in sys.modules]\n"
        "print('RESULT', code, heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True,
                          text=True, check=True)  # fmt: skip
    assert "RESULT 3 []" in proc.stdout
    assert "k.py:1: [google_api_key]" in proc.stdout and key not in proc.stdout


def test_a_missing_baseline_named_in_the_hook_args_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("x = 1\n")
    assert secrets.main(["--baseline", "nope.baseline", "a.py"]) == 0
    assert "baseline not found: nope.baseline" in capsys.readouterr().err


def test_a_file_named_like_an_option_is_scanned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-x.py").write_text(f"K = '{tokens()['npm_token']}'\n")
    assert secrets.main(["-x.py"]) == 3
    assert "-x.py:1: [npm_token]" in capsys.readouterr().out
