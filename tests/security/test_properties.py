"""Property-based tests (hypothesis): random and hostile input to both scanners, the engine,
the hooks and the history parser. Nothing raises, nothing hangs, exit codes are documented
ones, and output lines stay one finding a line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brgit.hooks import secrets as secrets_hook
from brgit.hooks import sql as sql_hook
from brgit.security.engine import Engine
from brgit.security.history import added_lines
from brgit.security.masking import mask_text
from brgit.security.model import display_name
from brgit.security.secrets import SecretScanner
from brgit.security.settings import SecuritySettings
from brgit.security.sql import SQLInjectionDetector
from tests.security.samples import tokens

PROFILE = settings(max_examples=80, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])
FRAGMENTS = [
    "password", "secret", "token", "api_key", "=", ":", " = ", '"', "'", "`", "\n", "\r\n", "\t",
    "\0", "#", ";", "(", ")", "[", "]", "{", "}", "{{", "${", "f'", 'f"', '"""', "'''", "\\",
    "+", "%", "%s", ".format(", ".join(", "execute(", "cursor.execute(", "text(", ".filter(",
    "SELECT * FROM t WHERE a = ", "INSERT INTO t VALUES (", "def f(cur, n):\n    ", "    ",
    "sk-ant-api03-", "AKIA", "ghp_", "-----BEGIN RSA PRIVATE KEY-----", "://u:p@h", "machine ",
    "define('DB_PASSWORD', ", "<password>", "</password>", '"auth": "', "_authToken=", "n",
    "print 'x'", "lambda", "async ", "await ", "if n in ALLOWED:", "for x in y:", "class C:",
]
hostile = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=40).map("".join)
any_text = st.text(max_size=400) | hostile
names = st.sampled_from(["a.py", "b.js", "c.ts", ".env", "x.ini", "y.json", "z.xml", "w.php",
                         ".netrc", ".pgpass", "credentials", "master.key", "Dockerfile", "k"])


@PROFILE
@given(text=any_text, name=names)
def test_secret_scanner_never_raises_and_masks(text: str, name: str) -> None:
    for finding in SecretScanner().findings(text, name):
        assert 1 <= finding.line <= text.count("\n") + 1
        assert finding.kind == "secret" and "\n" not in finding.masked


@PROFILE
@given(text=any_text, language=st.sampled_from(["python", "javascript"]))
def test_sql_detector_never_raises(text: str, language: str) -> None:
    detector = SQLInjectionDetector()
    for finding in detector.findings(text, language, "f.py"):
        assert finding.kind == "sql" and finding.confidence in {"high", "medium", "low"}
    assert all(n.kind in {"pattern", "error"} for n in detector.notes)


@settings(PROFILE, max_examples=25)
@given(depth=st.integers(min_value=1, max_value=5000), opener=st.sampled_from(["(", "[", "{"]),
       closed=st.booleans())
def test_deep_nesting_is_a_note_not_a_crash(depth: int, opener: str, closed: bool) -> None:
    closer = {"(": ")", "[": "]", "{": "}"}[opener] * depth if closed else ""
    code = "def f(cur, n):\n    cur.execute(" + opener * depth + "'SELECT ' + n" + closer + ")\n"
    detector = SQLInjectionDetector()
    detector.findings(code, "python", "deep.py")
    assert all(n.kind in {"pattern", "error"} for n in detector.notes)


@PROFILE
@given(blobs=st.lists(st.tuples(st.text(min_size=1, max_size=30), st.binary(max_size=300)),
                      max_size=6))
def test_engine_takes_any_bytes_and_any_names(blobs: list[tuple[str, bytes]]) -> None:
    here = Path.cwd()
    report = Engine(SecuritySettings(here, here, whitelist_file="-none-",
                                     baseline_file="-none-")).scan_blobs(blobs)
    assert all(n.kind in {"skipped", "pattern", "error"} for n in report.notes)
    assert not [n for n in report.notes if n.kind == "error"]


@settings(PROFILE, max_examples=30)
@given(content=st.binary(max_size=500) | hostile.map(str.encode),
       name=st.text(alphabet=st.characters(blacklist_characters="/\0", blacklist_categories=["Cs"]),
                    min_size=1, max_size=20))
def test_hooks_exit_only_with_documented_codes(tmp_path_factory: pytest.TempPathFactory,
                                               content: bytes, name: str) -> None:
    folder = tmp_path_factory.mktemp("hook")
    if name in (".", ".."):
        return
    (folder / name).write_bytes(content)
    before = Path.cwd()
    os.chdir(folder)
    try:
        for hook in (secrets_hook, sql_hook):
            assert hook.main([name]) in (0, 3)
    finally:
        os.chdir(before)


@PROFILE
@given(lines=st.lists(st.binary(max_size=60) | st.sampled_from([
    b"\0commit abc 2026-01-01T00:00:00Z\n", b"diff --git a/x b/x\n", b"+++ b/x\n",
    b'+++ "b/\\303\\251\\n"\n', b"@@ -1 +1 @@\n", b"@@ -0,0 +7,3 @@\n", b"+added\n",
    b"+++ /dev/null\n"]), max_size=40))
def test_the_history_parser_takes_any_patch_text(lines: list[bytes]) -> None:
    for added in added_lines(lines):
        assert len(added.numbers) == len(added.lines) > 0


@PROFILE
@given(name=st.text(max_size=40))
def test_display_names_stay_on_one_line(name: str) -> None:
    shown = display_name(name)
    assert shown.isprintable() and (shown == name or shown.startswith('"'))


@PROFILE
@given(rule=st.sampled_from(sorted(tokens())), before=st.text(max_size=30),
       after=st.text(max_size=30))
def test_masking_hides_every_rule_anywhere_in_a_line(rule: str, before: str, after: str) -> None:
    value = tokens()[rule]
    line = f"{before} {value} {after}".replace("\n", " ")
    assert value not in mask_text(line)
