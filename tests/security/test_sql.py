from __future__ import annotations

from pathlib import Path

import pytest

from brgit.security import SQLInjectionDetector

PY_POSITIVE = {
    "fstring": ("sql-fstring", 'def f(cur, uid):\n    cur.execute(f"SELECT * FROM users WHERE id = {uid}")\n'),
    "percent": ("sql-percent", "def f(cur, n):\n    cur.execute(\"SELECT * FROM t WHERE n = '%s'\" % n)\n"),
    "format": ("sql-format", "def f(cur, n):\n    cur.execute(\"DELETE FROM t WHERE n = '{}'\".format(n))\n"),
    "concat": ("sql-concat", "def f(cur, n):\n    cur.execute(\"SELECT * FROM t WHERE n = '\" + n + \"'\")\n"),
    "augmented": ("sql-concat", "def f(cur, n):\n    q = 'SELECT * FROM t'\n    q += ' WHERE n = ' + n\n    cur.execute(q)\n"),
    "augmented bare": ("sql-concat", "def f(cur, n):\n    q = 'SELECT * FROM t WHERE n = '\n    q += n\n    cur.execute(q)\n"),
    "join": ("sql-join", "def f(cur, cols):\n    cur.execute('SELECT ' + ', '.join(cols) + ' FROM t')\n"),
    "across lines": ("sql-percent", "def f(cur, n):\n    cur.execute(\n        \"SELECT * FROM t \"\n        \"WHERE n = '%s'\" % n\n    )\n"),
    "module template": ("sql-format", "Q = \"SELECT * FROM t WHERE n = '{}'\"\n\ndef f(cur, n):\n    cur.execute(Q.format(n))\n"),
    "executemany": ("sql-fstring", 'def f(cur, t, rows):\n    cur.executemany(f"INSERT INTO {t} VALUES (?, ?)", rows)\n'),
    "executescript": ("sql-concat", "def f(cur, n):\n    cur.executescript(\"DROP TABLE \" + n)\n"),
    "django raw": ("sql-percent", "def f(n):\n    return User.objects.raw(\"SELECT * FROM u WHERE n = '%s'\" % n)\n"),
    "django extra": ("sql-fstring", 'def f(qs, n):\n    return qs.extra(where=[f"name = \'{n}\'"])\n'),
    "django RawSQL": ("sql-fstring", 'def f(n):\n    return RawSQL(f"SELECT id FROM t WHERE n = {n}", ())\n'),
    "sqlalchemy text": ("sql-fstring", 'def f(s, n):\n    return s.scalars(text(f"SELECT * FROM t WHERE n = \'{n}\'"))\n'),
    "pandas read_sql": ("sql-fstring", 'def f(con, n):\n    return pd.read_sql(f"SELECT * FROM t WHERE n = \'{n}\'", con)\n'),
    "asyncpg fetch": ("sql-fstring", 'async def f(c, n):\n    return await c.fetchrow(f"SELECT * FROM t WHERE n = \'{n}\'")\n'),
    "wrapper": ("sql-percent", "def run(conn, sql):\n    return conn.cursor().execute(sql)\n\ndef g(conn, n):\n    run(conn, \"SELECT * FROM t WHERE n = '%s'\" % n)\n"),
    "method wrapper": ("sql-fstring", "class Repo:\n    def run(self, sql):\n        return self.cur.execute(sql)\n\n    def get(self, n):\n        return self.run(f\"SELECT * FROM t WHERE n = '{n}'\")\n"),
    "built and returned": ("sql-string-built", 'def q(n):\n    return f"SELECT * FROM users WHERE name = \'{n}\'"\n'),
    "text in filter": ("sql-fstring", 'def f(session, name):\n    return session.query(User).filter(text(f"name = \'{name}\'")).all()\n'),
    "text in where, percent": ("sql-percent", "def f(name):\n    return select(User).where(text(\"name = '%s'\" % name))\n"),
    "text in where, concat": ("sql-concat", "def f(q, name):\n    return q.where(text(\"name = '\" + name + \"'\"))\n"),
    "500-term concatenation": ("sql-concat", "def f(cur, n):\n    q = " + " + ".join(['\"SELECT \"'] + ["n"] * 500) + "\n    cur.execute(q)\n"),
}

PY_NEGATIVE = {
    "parameterized": "def f(cur, uid):\n    cur.execute('SELECT * FROM users WHERE id = %s', (uid,))\n",
    "constant parts only": "T = 'users'\n\ndef f(cur):\n    cur.execute(f'SELECT * FROM {T}')\n",
    "constants concatenated": "def f(cur):\n    cur.execute('SELECT * ' + 'FROM t')\n",
    "int coerced": "def f(cur, n):\n    cur.execute(f'SELECT * FROM t LIMIT {int(n)}')\n",
    "numeric percent": "def f(cur, n):\n    cur.execute('SELECT * FROM t WHERE id = %d' % n)\n",
    "placeholders joined": "def f(cur, ids):\n    marks = ', '.join('?' for _ in ids)\n    cur.execute(f'SELECT * FROM t WHERE id IN ({marks})', ids)\n",
    "psycopg sql": "from psycopg import sql\n\ndef f(cur, t):\n    cur.execute(sql.SQL('SELECT * FROM {}').format(sql.Identifier(t)))\n",
    "bound params": "def f(s, n):\n    return s.execute(text('SELECT * FROM t WHERE n = :n'), {'n': n})\n",
    "prose": "def f(log, x):\n    log.info(f'select the item from {x}')\n",
    "prose message": "def f(x):\n    raise ValueError(f'cannot update {x}: delete it from the list first')\n",
    "fstring without placeholders": "def f(cur):\n    cur.execute(f'SELECT 1')\n",
    "unknown query variable": "def f(cur, q):\n    cur.execute(q)\n",
    "prose to a generic sink": "def f(st, folder):\n    st.text(f'Select a file from {folder}')\n",
    "subprocess execute": "def f(runner, name):\n    runner.execute(['ls', name])\n",
    "allow-listed column": "ALLOWED = {'name', 'created'}\n\ndef f(cur, col):\n    if col not in ALLOWED:\n        raise ValueError(col)\n    cur.execute(f'SELECT * FROM t ORDER BY {col}')\n",
    "allow-listed, inside the if": "def f(cur, col):\n    if col in ('name', 'created'):\n        cur.execute('SELECT * FROM t ORDER BY ' + col)\n",
    "column from a constant mapping": "COLUMNS = {'new': 'created DESC', 'old': 'created'}\n\ndef f(cur, key):\n    order = COLUMNS[key]\n    cur.execute(f'SELECT * FROM t ORDER BY {order}')\n",
    "identifier shape checked": "def f(cur, table):\n    assert table.isidentifier()\n    cur.execute(f'SELECT * FROM {table}')\n",
    "placeholders by repetition": "def f(cur, ids):\n    marks = ','.join('?' * len(ids))\n    cur.execute(f'SELECT * FROM t WHERE id IN ({marks})', ids)\n",
    "placeholders by repetition of n": "def f(cur, ids, n):\n    marks = ', '.join(['%s'] * n)\n    cur.execute('SELECT * FROM t WHERE id IN (' + marks + ')', ids)\n",
    "constant branches": "def f(cur, desc):\n    if desc:\n        order = 'DESC'\n    else:\n        order = 'ASC'\n    cur.execute(f'SELECT * FROM t ORDER BY id {order}')\n",
    "constant ternary": "def f(cur, desc):\n    order = 'DESC' if desc else 'ASC'\n    cur.execute('SELECT * FROM t ORDER BY id ' + order)\n",
}

JS_POSITIVE = {
    "template": ("js-sql-template", "const r = await db.query(`SELECT * FROM users WHERE id = ${req.params.id}`);\n"),
    "concat": ("js-sql-concat", "db.query('DELETE FROM t WHERE id = ' + id);\n"),
    "queryRawUnsafe": ("js-sql-template", "await prisma.$queryRawUnsafe(`SELECT * FROM t WHERE n = '${n}'`);\n"),
    "knex raw": ("js-sql-template", "knex.raw(`SELECT * FROM t WHERE n = '${name}'`);\n"),
    "via variable": ("js-sql-concat", "const q = \"SELECT * FROM t WHERE n = '\" + name + \"'\";\nconn.execute(q);\n"),
    "typescript template var": ("js-sql-template", "const sql: string = `UPDATE t SET n = '${n}' WHERE id = 1`;\nawait pool.query(sql);\n"),
}

JS_NEGATIVE = {
    "placeholders": "await db.query('SELECT * FROM users WHERE id = $1', [id]);\n",
    "tagged queryRaw": "await prisma.$queryRaw`SELECT * FROM t WHERE id = ${id}`;\n",
    "tagged sql": "await pool.query(sql`SELECT * FROM t WHERE id = ${id}`);\n",
    "number coerced": "db.query(`SELECT * FROM t LIMIT ${Number(limit)}`);\n",
    "no sql": "element.query(`#item-${id}`);\n",
    "route with sql word": "app.all(`/users/${id}/delete`, handler);\n",
}


@pytest.mark.parametrize("name", list(PY_POSITIVE))
def test_python_injectable_queries_are_found(name: str) -> None:
    rule, code = PY_POSITIVE[name]
    findings = SQLInjectionDetector().findings(code, "python", "db.py")
    assert [f.rule for f in findings] == [rule]
    assert findings[0].severity in {"high", "medium"} and findings[0].confidence in {"high", "medium", "low"}
    assert findings[0].cwe == "CWE-89"


@pytest.mark.parametrize("name", list(PY_NEGATIVE))
def test_python_safe_queries_are_not_flagged(name: str) -> None:
    assert SQLInjectionDetector().findings(PY_NEGATIVE[name], "python") == []


@pytest.mark.parametrize("name", list(JS_POSITIVE))
def test_javascript_injectable_queries_are_found(name: str) -> None:
    rule, code = JS_POSITIVE[name]
    assert [f.rule for f in SQLInjectionDetector().findings(code, "javascript")] == [rule]


@pytest.mark.parametrize("name", list(JS_NEGATIVE))
def test_javascript_safe_queries_are_not_flagged(name: str) -> None:
    assert SQLInjectionDetector().findings(JS_NEGATIVE[name], "javascript") == []


def test_database_admin_code_is_low_confidence_at_most() -> None:
    code = ("def reset(cur, settings):\n"
            "    cur.execute(f'DROP DATABASE IF EXISTS {settings.DB_NAME}')\n"
            "    cur.execute('CREATE DATABASE ' + settings.DB_NAME)\n")
    findings = SQLInjectionDetector().findings(code, "python")
    assert [(f.line, f.confidence, f.severity) for f in findings] == [(2, "low", "medium"),
                                                                     (3, "low", "medium")]


def test_check_code_returns_the_api_records() -> None:
    code = 'query = f"SELECT * FROM users WHERE id={user_id}"\ncursor.execute(query)\n'
    [vuln] = SQLInjectionDetector().check_code(code, language="python")
    assert (vuln.line_number, vuln.severity) == (2, "high")
    assert "f-string" in vuln.description


def test_unparsable_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("def f(:\n    cur.execute(q)\n")
    detector = SQLInjectionDetector()
    assert detector.check_file(path) == []
    [note] = detector.notes
    assert note.file.endswith("broken.py") and "does not parse" in note.reason
    assert note.kind == "pattern"  # and was checked by the token-level analysis instead


def test_check_file_dispatches_by_suffix(tmp_path: Path) -> None:
    (tmp_path / "a.ts").write_text(JS_POSITIVE["template"][1])
    (tmp_path / "a.txt").write_text(JS_POSITIVE["template"][1])
    detector = SQLInjectionDetector()
    assert len(detector.check_file(tmp_path / "a.ts")) == 1
    assert detector.check_file(tmp_path / "a.txt") == []


def test_sql_recall_and_false_positives_on_the_labeled_set() -> None:
    detector = SQLInjectionDetector()
    found = sum(bool(detector.findings(c, "python")) for _, c in PY_POSITIVE.values())
    found += sum(bool(detector.findings(c, "javascript")) for _, c in JS_POSITIVE.values())
    false = sum(bool(detector.findings(c, "python")) for c in PY_NEGATIVE.values())
    false += sum(bool(detector.findings(c, "javascript")) for c in JS_NEGATIVE.values())
    assert (found, false) == (len(PY_POSITIVE) + len(JS_POSITIVE), 0)
