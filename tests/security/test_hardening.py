"""Hostile input to the scanners and hooks: nothing aborts a scan, hangs, follows a link out of
the repository or lets a secret through silently; errors are one line with the right code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from brgit.gitops import hooks as githooks
from brgit.hooks import precommit, secrets, sql
from brgit.security.secrets import SecretScanner
from tests.conftest import git
from tests.security.samples import tokens

DEEP = "def f(cur, n):\n    cur.execute(" + " + ".join(['"SELECT "'] + ["n"] * 3000) + ")\n"


def _within(seconds: float, call: Callable[[], object]) -> object:
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert done, "hung"
    return done[0]


def test_a_huge_concatenation_neither_aborts_the_scan_nor_prints_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deep.py").write_text(DEEP)
    (tmp_path / "db.py").write_text("def f(c, n):\n    c.execute('DELETE FROM t WHERE n = ' + n)\n")
    assert sql.main(["deep.py", "db.py"]) == 3
    out = capsys.readouterr()
    assert "deep.py:2: [sql-concat]" in out.out and "db.py:2: [sql-concat]" in out.out
    assert "Traceback" not in out.out + out.err


def test_a_scanner_failing_on_one_file_keeps_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    key = tokens()["npm_token"]
    (tmp_path / "bad.py").write_text(f"K = '{key}'\n")
    (tmp_path / "good.py").write_text(f"K = '{key}'\n")
    real = SecretScanner.findings

    def flaky(self: SecretScanner, content: str, file_path: str = "<string>") -> list:  # type: ignore[type-arg]
        if file_path == "bad.py":
            raise RuntimeError(f"boom near {key}")
        return real(self, content, file_path)

    monkeypatch.setattr(SecretScanner, "findings", flaky)
    assert secrets.main(["bad.py", "good.py"]) == 3
    out = capsys.readouterr().out
    assert "good.py:1: [npm_token]" in out
    assert "bad.py: not analysed: secrets scanner failed (RuntimeError: boom near npm_" in out
    assert key not in out and "Traceback" not in out


def test_fifos_devices_and_outside_links_given_to_the_hook_do_not_hang(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    os.mkfifo(repo / "pipe.py")
    os.symlink("/dev/zero", repo / "zero.py")
    (tmp_path / "secret.py").write_text(f"K = '{tokens()['npm_token']}'\n")
    os.symlink(str(tmp_path / "secret.py"), repo / "elsewhere.py")
    (repo / "k.py").write_text(f"K = '{tokens()['github_token']}'\n")
    code = _within(60, lambda: secrets.main(["pipe.py", "zero.py", "elsewhere.py", "k.py"]))
    assert code == 3
    out = capsys.readouterr().out
    assert "k.py:1: [github_token]" in out and "elsewhere.py:1" not in out
    assert "skipped 3 file(s)" in out and out.count("\n") < 12


@pytest.mark.parametrize("data", [
    b"# caf\xe9 cr\xe8me\nK = '@KEY@'\n",  # one Latin-1 byte
    b"\x00\x01binary\x00K = '@KEY@'\n",  # NULs
], ids=["non-utf8", "nul"])
def test_a_stray_byte_never_lets_a_secret_through(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        data: bytes) -> None:
    monkeypatch.chdir(tmp_path)
    key = tokens()["github_token"]
    (tmp_path / "f.py").write_bytes(data.replace(b"@KEY@", key.encode()))
    assert secrets.main(["f.py"]) == 3
    out = capsys.readouterr().out
    assert "[github_token]" in out and key not in out


def test_file_names_with_newlines_keep_one_finding_a_line(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    key = tokens()["github_token"]
    name = "evil\nname.py"
    (repo / name).write_text(f"K = '{key}'\n")
    git(repo, "add", "--", name)
    result = br("security", "precommit", cwd=repo)
    assert result.code == 3
    assert '"evil\\nname.py"' in result.out and key not in result.out
    as_json = br("security", "precommit", "--format", "json", cwd=repo)
    assert json.loads(as_json.out)[0]["file"] == name
    sarif = json.loads(br("security", "check", "--staged", "--format", "sarif", cwd=repo).out)
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "evil%0Aname.py"


def test_the_lean_hook_quotes_newline_names_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a\nb.py").write_text(f"K = '{tokens()['npm_token']}'\n")
    assert secrets.main(["a\nb.py"]) == 3
    [line] = [x for x in capsys.readouterr().out.splitlines() if "[npm_token]" in x]
    assert line.strip().startswith('"a\\nb.py":1: [npm_token]')


@pytest.mark.parametrize("command", [("check",), ("check", "--staged"), ("precommit",)])
def test_outside_a_repository_is_not_a_git_repository_exit_6(tmp_path: Path, br, command: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    result = br("security", *command, cwd=tmp_path)
    assert result.code == 6
    assert result.err.startswith("br: error: not a git repository") and result.err.count("\n") == 1


def test_the_native_hook_outside_a_repository_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert precommit.main([]) == 6
    assert "not a git repository" in capsys.readouterr().err


def test_a_repository_with_no_commits(tmp_path: Path, br) -> None:  # type: ignore[no-untyped-def]
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "k.py").write_text(f"K = '{tokens()['npm_token']}'\n")
    unstaged = br("security", "check", cwd=tmp_path)
    assert unstaged.code == 3 and "no such commit" not in unstaged.err
    git(tmp_path, "add", "k.py")
    assert br("security", "check", "--staged", cwd=tmp_path).code == 3
    assert br("security", "precommit", cwd=tmp_path).code == 3
    history = br("security", "scan", "--history", cwd=tmp_path)
    assert history.code == 6 and "no commits yet" in history.err


def test_scan_takes_paths_as_arguments(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    (repo / "src").mkdir()
    (repo / "src" / "k.py").write_text(f"K = '{tokens()['npm_token']}'\n")
    (repo / "top.py").write_text(f"K = '{tokens()['github_token']}'\n")
    (repo / "clean.py").write_text("x = 1\n")
    everything = json.loads(br("security", "scan", ".", "--format", "json", cwd=repo).out)
    assert sorted(f["file"] for f in everything) == ["src/k.py", "top.py"]
    some = json.loads(br("security", "scan", "top.py", "src", "--format", "json", cwd=repo).out)
    assert sorted(f["file"] for f in some) == ["src/k.py", "top.py"]
    assert br("security", "scan", "clean.py", cwd=repo).code == 0
    assert br("security", "scan", "-d", "src", cwd=repo).code == 3
    missing = br("security", "scan", "nope.py", cwd=repo)
    assert missing.code == 6 and "file not found: nope.py" in missing.err


def test_precommit_takes_a_format(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    (repo / "k.py").write_text(f"K = '{tokens()['npm_token']}'\n")
    git(repo, "add", "k.py")
    as_json = br("security", "precommit", "--format", "json", cwd=repo)
    assert as_json.code == 3 and json.loads(as_json.out)[0]["rule"] == "npm_token"
    sarif = br("security", "precommit", "--format", "sarif", cwd=repo)
    assert json.loads(sarif.out)["version"] == "2.1.0"
    assert br("security", "precommit", "--format", "xml", cwd=repo).code == 2


def test_skipped_files_are_summarised_in_one_line(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    (repo / "data").mkdir()
    (repo / "data" / "x.txt").write_text("x\n")
    for n in range(3):
        os.symlink("data", repo / f"link{n}")
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    config = repo / ".buildrunner" / "config.toml"
    config.parent.mkdir()
    config.write_text("[security]\nmax_file_bytes = 1000\n")
    (repo / "big.txt").write_text("x" * 2000)
    result = br("security", "scan", cwd=repo)
    assert result.code == 0
    [line] = result.err.splitlines()
    assert line.startswith("br: skipped 4 file(s): 3 symlink to a directory, 1 larger than 1000 bytes")
    verbose = br("security", "scan", "--verbose", cwd=repo)
    assert len(verbose.err.splitlines()) == 4 and "link2: symlink to a directory" in verbose.err


def test_a_hook_path_that_is_a_device_or_fifo_does_not_hang(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    os.symlink("/dev/zero", hook)
    state = _within(30, lambda: githooks.status(repo))
    assert not state.installed  # type: ignore[attr-defined]
    refused = _within(30, lambda: _error_of(lambda: githooks.install(repo)))
    assert "already exists" in str(refused)
    hook.unlink()
    os.mkfifo(hook)
    state = _within(30, lambda: githooks.status(repo))
    assert not state.installed  # type: ignore[attr-defined]


def _error_of(call: Callable[[], object]) -> BaseException | None:
    try:
        call()
    except BaseException as exc:
        return exc
    return None


def test_a_whitelist_that_is_a_fifo_does_not_hang(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    folder = repo / ".buildrunner" / "security"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "whitelist.txt")
    (repo / "k.py").write_text(f"K = '{tokens()['npm_token']}'\n")
    assert _within(60, lambda: br("security", "scan", cwd=repo)).code == 3  # type: ignore[attr-defined]


def test_the_hooks_never_print_a_traceback_on_unexpected_errors(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    code = (
        "import brgit.security.engine as e, brgit.hooks.secrets as h\n"
        "e.Engine.scan_paths = lambda self, paths: 1 / 0\n"
        "raise SystemExit(h.main(['a.py']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 1
    assert proc.stderr == "br-secrets: error: unexpected ZeroDivisionError: division by zero\n"
