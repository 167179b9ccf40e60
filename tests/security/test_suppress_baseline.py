from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from brgit.errors import ConfigError
from brgit.security.baseline import known_hashes, write_baseline
from brgit.security.engine import Engine
from brgit.security.secrets import SecretScanner
from brgit.security.settings import SecuritySettings
from brgit.security.sql import SQLInjectionDetector
from brgit.security.suppress import Whitelist
from tests.security.samples import tokens

SQL = "def f(cur, n):\n    cur.execute(f\"SELECT * FROM t WHERE n = '{n}'\")"


@pytest.mark.parametrize("comment", [
    "  # pragma: allowlist secret",
    "  # nosec",
    "  # br: ignore",
    "  # br: ignore[github_token]",
    "  // br: ignore[other, github_token]",
])
def test_inline_comments_silence_a_secret(comment: str) -> None:
    line = f"T = '{tokens()['github_token']}'{comment}\n"
    assert SecretScanner().findings(line, "a.py") == []


def test_br_ignore_names_only_its_rule() -> None:
    line = f"T = '{tokens()['github_token']}'  # br: ignore[aws_access_key_id]\n"
    assert len(SecretScanner().findings(line, "a.py")) == 1


def test_allowlist_nextline_pragma() -> None:
    text = f"# pragma: allowlist nextline secret\nT = '{tokens()['npm_token']}'\n"
    assert SecretScanner().findings(text, "a.py") == []


@pytest.mark.parametrize("comment", ["  # nosec", "  # nosec B608", "  # br: ignore[sql-fstring]"])
def test_inline_comments_silence_sql(comment: str) -> None:
    assert SQLInjectionDetector().findings(SQL + comment + "\n", "python") == []
    assert SQLInjectionDetector().findings(SQL + "\n", "python")


def _settings(root: Path) -> SecuritySettings:
    return SecuritySettings(root, root)


def test_whitelist_globs_and_fingerprints(tmp_path: Path) -> None:
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "keys.py").write_text(f"K = '{tokens()['npm_token']}'\n")
    (tmp_path / "app.py").write_text(f"K = '{tokens()['stripe_key']}'\n")
    (tmp_path / "db.py").write_text(SQL + "\n")
    first = Engine(_settings(tmp_path)).scan_directory(tmp_path)
    assert sorted(f.file for f in first.findings) == ["app.py", "db.py", "fixtures/keys.py"]
    stripe = next(f for f in first.findings if f.file == "app.py")
    whitelist = tmp_path / ".buildrunner" / "security" / "whitelist.txt"
    whitelist.parent.mkdir(parents=True)
    whitelist.write_text(f"# known test data\nfixtures/**\n{stripe.fingerprint}  # demo key\n")
    second = Engine(_settings(tmp_path)).scan_directory(tmp_path)
    assert [f.file for f in second.findings] == ["db.py"]
    assert second.suppressed == 1


def test_whitelist_parse() -> None:
    wl = Whitelist.parse("*.pem\n0123456789abcdef\n\n# c\ndocs/\n")
    assert wl.path_allowed("certs/server.pem") and wl.path_allowed("docs/a.md")
    assert wl.allows("x.py", "0123456789abcdef") and not wl.allows("x.py", "fedcba9876543210")


def test_baseline_round_trip_without_churn_when_lines_move(tmp_path: Path) -> None:
    key = tokens()["github_token"]
    app = tmp_path / "app.py"
    app.write_text(f"import os\nK = '{key}'\n")
    report = Engine(_settings(tmp_path), sql=False, use_baseline=False).scan_directory(tmp_path)
    baseline = tmp_path / ".secrets.baseline"
    assert write_baseline(baseline, report.findings) is True
    data = json.loads(baseline.read_text())
    assert data["version"] and data["plugins_used"] and data["results"]["app.py"][0]["line_number"] == 2
    assert key not in baseline.read_text()
    assert Engine(_settings(tmp_path)).scan_directory(tmp_path).findings == []
    before = baseline.read_text()
    app.write_text(f"import os\n\n\n# moved\nK = '{key}'\n")
    moved = Engine(_settings(tmp_path), sql=False, use_baseline=False).scan_directory(tmp_path)
    assert write_baseline(baseline, moved.findings) is False
    assert baseline.read_text() == before
    assert Engine(_settings(tmp_path)).scan_directory(tmp_path).findings == []
    app.write_text(f"K = '{key}'\nL = '{tokens()['npm_token']}'\n")
    assert [f.rule for f in Engine(_settings(tmp_path)).scan_directory(tmp_path).findings] == ["npm_token"]


def test_baseline_written_by_brgit_works_with_detect_secrets_audit(tmp_path: Path) -> None:
    from tests.security.samples import private_key

    (tmp_path / "app.py").write_text(
        f"ANTHROPIC = '{tokens()['anthropic_key']}'\nAWS = '{tokens()['aws_access_key_id']}'\n")
    (tmp_path / "id_rsa").write_text(private_key())
    report = Engine(_settings(tmp_path), sql=False, use_baseline=False).scan_directory(tmp_path)
    write_baseline(tmp_path / ".secrets.baseline", report.findings)
    types = {e["type"] for es in json.loads((tmp_path / ".secrets.baseline").read_text())["results"].values() for e in es}
    assert types == {"Base64 High Entropy String", "AWS Access Key", "Private Key"}
    script = (
        "from detect_secrets.core import baseline\n"
        "from detect_secrets.audit.common import get_raw_secret_from_file\n"
        "secrets = baseline.load(baseline.load_from_file('.secrets.baseline'), '.secrets.baseline')\n"
        "print(sum(bool(get_raw_secret_from_file(s)) for _, s in secrets))\n"
    )
    shown = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                           text=True, check=True)
    assert shown.stdout.strip() == "3"  # what `detect-secrets audit` shows for each entry
    stats = subprocess.run(
        [str(Path(sys.executable).parent / "detect-secrets"), "audit", "--stats", ".secrets.baseline"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert stats.returncode == 0 and "Unknown: 1" in stats.stdout


def test_baseline_made_by_detect_secrets_is_honoured(tmp_path: Path) -> None:
    key = tokens()["github_token"]
    (tmp_path / "app.py").write_text(f"K = '{key}'\n")
    proc = subprocess.run([str(Path(sys.executable).parent / "detect-secrets"), "scan", "app.py"],
                          cwd=tmp_path, capture_output=True, text=True, check=True)
    (tmp_path / ".secrets.baseline").write_text(proc.stdout)
    assert ("app.py", __import__("hashlib").sha1(key.encode()).hexdigest()) in known_hashes(
        tmp_path / ".secrets.baseline")
    assert Engine(_settings(tmp_path)).scan_directory(tmp_path).findings == []


def test_corrupt_baseline_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / ".secrets.baseline").write_text("{not json")
    with pytest.raises(ConfigError, match="not a detect-secrets baseline"):
        Engine(_settings(tmp_path))


def test_failed_baseline_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from detect_secrets.core import baseline as ds_baseline

    from brgit.errors import BuildRunnerError

    (tmp_path / "app.py").write_text(f"K = '{tokens()['github_token']}'\n")
    report = Engine(_settings(tmp_path), sql=False, use_baseline=False).scan_directory(tmp_path)
    path = tmp_path / ".secrets.baseline"
    write_baseline(path, report.findings)
    before = path.read_text()
    (tmp_path / "b.py").write_text(f"K = '{tokens()['npm_token']}'\n")
    more = Engine(_settings(tmp_path), sql=False, use_baseline=False).scan_directory(tmp_path)

    def disk_full(output: object, filename: str) -> None:
        Path(filename).write_text('{"vers')
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ds_baseline, "save_to_file", disk_full)
    with pytest.raises(BuildRunnerError, match="No space left"):
        write_baseline(path, more.findings)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
