"""SQL injection in Python the running interpreter cannot parse: the token-level analysis gives
the same findings as the syntax tree on every labelled case, so a hook's results do not depend
on which Python runs it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from brgit.security import SQLInjectionDetector
from brgit.security.engine import Engine
from brgit.security.settings import SecuritySettings
from brgit.security.sql_fallback import analyze_without_ast
from brgit.security.sql_python import PythonSQLAnalyzer
from tests.security.test_sql import PY_NEGATIVE, PY_POSITIVE

PY2 = """import MySQLdb

def find(cur, name):
    print "looking up", name
    cur.execute("SELECT * FROM users WHERE name = '%s'" % name)
    sql = "DELETE FROM t WHERE id = " + name
    cur.execute(sql)
    cur.execute("SELECT * FROM t WHERE id = %s", (name,))
    print >>sys.stderr, "done"
"""
NEWER = """type Row = tuple[int, str]

def find[T](cur, name: T) -> None:
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
"""


def _rows(findings: list) -> list[tuple[int, str, str]]:  # type: ignore[type-arg]
    return [(f.line, f.rule, f.confidence) for f in findings]


@pytest.mark.parametrize("name", list(PY_POSITIVE))
def test_the_fallback_finds_what_the_syntax_tree_finds(name: str) -> None:
    _rule, code = PY_POSITIVE[name]
    expected = _rows(PythonSQLAnalyzer(ast.parse(code), code).findings())
    assert expected and _rows(analyze_without_ast(code)[0]) == expected


@pytest.mark.parametrize("name", list(PY_NEGATIVE))
def test_the_fallback_is_quiet_where_the_syntax_tree_is(name: str) -> None:
    assert analyze_without_ast(PY_NEGATIVE[name]) == ([], [])


@pytest.mark.parametrize(("code", "expected"), [
    (PY2, [(5, "sql-percent", "high"), (7, "sql-concat", "high")]),
    (NEWER, [(4, "sql-fstring", "high")]),
    ("def f(cur, n):\n    cur.execute(" + " + ".join(['"SELECT "'] + ["n"] * 3000) + ")\n",
     [(2, "sql-concat", "high")]),
], ids=["python 2", "newer syntax", "too deep for ast"])
def test_files_this_python_cannot_parse_are_still_checked(code: str, expected: list) -> None:  # type: ignore[type-arg]
    detector = SQLInjectionDetector()
    assert _rows(detector.findings(code, "python", "old.py")) == expected
    [note] = detector.notes
    assert note.kind == "pattern" and "does not parse" in note.reason


def test_results_do_not_depend_on_whether_this_python_parses_the_file(
        monkeypatch: pytest.MonkeyPatch) -> None:
    code = "\n\n".join(c for _, c in PY_POSITIVE.values()) + "\n\n" + "\n\n".join(PY_NEGATIVE.values())
    with_tree = _rows(SQLInjectionDetector().findings(code, "python"))

    def refuse(*args: object, **kwargs: object) -> ast.Module:
        raise SyntaxError("as an older Python would", ("x.py", 1, 1, ""))

    monkeypatch.setattr(ast, "parse", refuse)
    assert _rows(SQLInjectionDetector().findings(code, "python")) == with_tree
    assert len(with_tree) > 20  # same-named functions of the joined cases merge a few


def test_an_unparsable_file_keeps_the_scan_going(tmp_path: Path) -> None:
    (tmp_path / "old.py").write_text(PY2)
    (tmp_path / "new.py").write_text(NEWER)
    report = Engine(SecuritySettings(tmp_path, tmp_path)).scan_directory(tmp_path)
    assert sorted((f.file, f.line) for f in report.findings) == [("new.py", 4), ("old.py", 5), ("old.py", 7)]
    assert {n.file for n in report.notes if n.kind == "pattern"} == {"old.py", "new.py"}
