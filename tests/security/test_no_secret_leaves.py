"""One secret of every rule, planted in code, config and SQL lines: none appears whole in any
security output (table, JSON and SARIF of check/scan/precommit, the history scan, both
published hooks, the native hook fired by a real `git commit`, the baseline, telemetry)."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from brgit.gitops import hooks as githooks
from brgit.hooks import secrets as secrets_hook
from brgit.hooks import sql as sql_hook
from brgit.security.rules import RULES
from tests.conftest import git
from tests.security.leaks import human, pem_body
from tests.security.samples import ALNUM, UPPER_ALNUM, named_tokens, rand, tokens


def _plant(repo: Path) -> list[str]:
    """Write the files; return every secret value planted."""
    values = dict(tokens())
    named = named_tokens()
    formats = {"netrc": rand(18), "pgpass": human(), "url": rand(20), "docker": human(),
               "npmrc": rand(32), "json_password": human(), "ini_password": human(),
               "aws": rand(40, ALNUM + "/+"), "azure": rand(86, ALNUM + "/+") + "==",
               "db": rand(18), "slack": rand(24)}
    hook = f"https://hooks.slack.com/services/T{rand(8, UPPER_ALNUM)}/B{rand(10, UPPER_ALNUM)}/"
    (repo / "cloud.env").write_text(
        f"aws_secret_access_key = {formats['aws']}\nSLACK={hook}{formats['slack']}\n"
        f"AZ=DefaultEndpointsProtocol=https;AccountKey={formats['azure']};x=y\n"
        f"DATABASE_URL=postgresql://app:{formats['db']}@db.internal/app\n")
    body = pem_body()
    config = [f"{name} = '{value}'" for name, value in named.values()]
    code = [f"V{i} = '{value}'" for i, value in enumerate(values.values())]
    (repo / "settings.py").write_text("\n".join(code + config) + "\n")
    sql = [f"    cur.execute(f\"SELECT * FROM t WHERE k = '{value}' AND id = {{n}}\")"
           for value in values.values()]
    sql += [f"    cur.execute(f\"INSERT INTO cfg VALUES ('{name}', '{value}', {{n}})\")"
            for name, value in named.values()]
    (repo / "db.py").write_text("def f(cur, n):\n" + "\n".join(sql) + "\n")
    (repo / ".netrc").write_text(f"machine h login me password {formats['netrc']}\n")
    (repo / ".pgpass").write_text(f"db:5432:app:me:{formats['pgpass']}\n")
    (repo / ".git-credentials").write_text(f"https://me:{formats['url']}@git.example.org\n")
    auth = base64.b64encode(f"me:{formats['docker']}".encode()).decode()
    (repo / "config.json").write_text(json.dumps({"auths": {"r": {"auth": auth}}}) + "\n")
    (repo / ".npmrc").write_text(f"//registry.npmjs.org/:_authToken={formats['npmrc']}\n")
    (repo / "db.json").write_text(json.dumps({"password": formats["json_password"]}) + "\n")
    (repo / "app.ini").write_text(f"[db]\npassword = {formats['ini_password']}  # prod\n")
    key = "\n".join(["-----BEGIN RSA " + "PRIVATE KEY-----", *body, "-----END RSA PRIVATE KEY-----"])
    (repo / "id_rsa").write_text(key + "\n")
    return [*values.values(), *(v for _, v in named.values()), *formats.values(), auth, *body]


def _assert_none_whole(text: str, planted: list[str], where: str) -> None:
    leaked = [v for v in planted if v in text]
    assert not leaked, f"{where} shows {len(leaked)} secret(s) whole, e.g. {leaked[0][:6]}..."


@pytest.fixture
def planted(repo: Path) -> list[str]:
    values = _plant(repo)
    git(repo, "add", "-A")
    return values


def test_every_rule_is_planted(repo: Path, planted: list[str], br) -> None:  # type: ignore[no-untyped-def]
    found = {f["rule"] for f in json.loads(br("security", "scan", "--format", "json", cwd=repo).out)}
    assert set(RULES) - found <= {"rails_master_key"}  # a file of its own (tests/security/leaks.py)
    assert "sql-fstring" in found


@pytest.mark.parametrize("command", [
    ("scan",), ("check",), ("check", "--staged"), ("precommit",), ("scan", "--verbose"),
])
@pytest.mark.parametrize("fmt", ["table", "json", "sarif"])
def test_cli_outputs(repo: Path, planted: list[str], br, command: tuple[str, ...], fmt: str) -> None:  # type: ignore[no-untyped-def]
    result = br("security", *command, "--format", fmt, cwd=repo)
    assert result.code == 3
    _assert_none_whole(result.out + result.err, planted, f"br security {' '.join(command)} ({fmt})")


def test_history_telemetry_and_baseline(repo: Path, planted: list[str], br) -> None:  # type: ignore[no-untyped-def]
    git(repo, "commit", "-q", "-m", "everything")
    for fmt in ("table", "json", "sarif"):
        result = br("security", "scan", "--history", "--format", fmt, cwd=repo)
        assert result.code == 3
        _assert_none_whole(result.out + result.err, planted, f"history ({fmt})")
    assert br("security", "baseline", cwd=repo).code == 0
    _assert_none_whole((repo / ".secrets.baseline").read_text(), planted, "the baseline")
    stored = "".join(p.read_text() for p in (repo / ".buildrunner").rglob("*.jsonl"))
    assert "security_scan" in stored
    _assert_none_whole(stored, planted, "telemetry")


def test_published_hooks(repo: Path, planted: list[str], monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(repo)
    names = [p.name for p in repo.iterdir() if p.is_file()]
    assert secrets_hook.main(names) == 3
    assert sql_hook.main(names) == 3
    out = capsys.readouterr()
    _assert_none_whole(out.out + out.err, planted, "the published hooks")


def test_native_hook_on_a_real_commit(repo: Path, planted: list[str]) -> None:
    githooks.install(repo)
    proc = subprocess.run(["git", "commit", "-m", "leak"], cwd=repo, capture_output=True,
                          text=True, check=False)
    assert proc.returncode != 0 and "sql-fstring" in proc.stdout + proc.stderr
    _assert_none_whole(proc.stdout + proc.stderr, planted, "the native hook")
