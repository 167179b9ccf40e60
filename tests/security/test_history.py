"""`br security scan --history`: every line a commit added, in one `git log -p` pass."""

from __future__ import annotations

import json
from pathlib import Path

from brgit.security.history import added_lines, unquote
from tests.conftest import commit_file, git
from tests.security.samples import private_key, tokens


def _history(repo: Path, br, *args: str) -> tuple[int, list[dict[str, object]], str]:  # type: ignore[no-untyped-def]
    result = br("security", "scan", "--history", *args, "--format", "json", cwd=repo)
    return result.code, json.loads(result.out), result.out + result.err


def test_a_removed_secret_is_found_at_the_commit_that_added_it_once(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    key = tokens()["github_token"]
    first = commit_file(repo, "app.py", f"import os\n\nTOKEN = '{key}'\n", "add token")
    commit_file(repo, "other.py", "x = 1\n")
    commit_file(repo, "app.py", "import os\n\nTOKEN = os.environ['TOKEN']\n", "remove token")
    commit_file(repo, "app.py", f"import os\nTOKEN = '{key}'\n", "oops, again")
    later = commit_file(repo, "b.py", f"K = '{key}'\n", "copy")
    code, findings, text = _history(repo, br)
    assert code == 3 and key not in text
    assert [(f["file"], f["line"], f["commit"]) for f in findings] == [
        ("app.py", 3, first), ("b.py", 1, later)]
    assert all(str(f["date"])[:4].isdigit() and f["masked_value"] == key[:4] + "..." + key[-4:]
               for f in findings)


def test_since_limits_the_range(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    old = commit_file(repo, "a.py", f"K = '{tokens()['npm_token']}'\n")
    new = commit_file(repo, "b.py", f"K = '{tokens()['stripe_key']}'\n")
    code, findings, _ = _history(repo, br, "--since", old)
    assert code == 3 and [(f["file"], f["commit"]) for f in findings] == [("b.py", new)]
    assert _history(repo, br, "--since", new)[:2] == (0, [])
    bad = br("security", "scan", "--history", "--since", "no-such-rev", cwd=repo)
    assert bad.code == 1 and bad.err.startswith("br: error: git log:")


def test_a_private_key_added_in_one_hunk_is_found_whole(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    commit_file(repo, "deploy/id_rsa", private_key())
    code, findings, _ = _history(repo, br)
    assert code == 3 and [(f["rule"], f["line"]) for f in findings] == [("private_key", 1)]


def test_history_table_and_baseline(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    key = tokens()["npm_token"]
    sha = commit_file(repo, "k.py", f"K = '{key}'\n")
    table = br("security", "scan", "--history", cwd=repo)
    assert table.code == 3 and sha[:12] in table.out and "Commit" in table.out
    assert key not in table.out
    assert br("security", "baseline", cwd=repo).code == 0  # the secret is still in k.py
    assert br("security", "scan", "--history", cwd=repo).code == 0  # known: not reported


def test_history_usage_errors(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    assert br("security", "scan", "--since", "HEAD", cwd=repo).code == 2
    assert br("security", "scan", "--history", "--sql", cwd=repo).code == 2
    assert br("security", "scan", "--history", ".", cwd=repo).code == 2


def test_odd_file_names_in_history(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    key = tokens()["npm_token"]
    name = 'we"ird\tna\nme é.py'
    (repo / name).write_text(f"K = '{key}'\n")
    git(repo, "add", "--", name)
    git(repo, "commit", "-q", "-m", "odd")
    code, findings, _ = _history(repo, br)
    assert code == 3 and [f["file"] for f in findings] == [name]


def test_the_patch_parser_keeps_line_numbers_and_quoted_paths() -> None:
    stream = [
        b"\0commit aaaa 2026-01-02T03:04:05+00:00\n", b"\n",
        b"diff --git a/x.py b/x.py\n", b"--- a/x.py\n", b"+++ b/x.py\n",
        b"@@ -1,0 +5,2 @@\n", b"+one\n", b"+++two\n",
        b"@@ -9 +12 @@\n", b"-old\n", b"+three\n",
        b"diff --git \"a/q\\tz\" \"b/q\\tz\"\n", b"--- /dev/null\n", b"+++ \"b/q\\tz\"\n",
        b"@@ -0,0 +1 @@\n", b"+\\303\\251\n",
    ]
    parts = list(added_lines(stream))
    assert [(p.path, p.numbers, p.lines) for p in parts] == [
        ("x.py", [5, 6, 12], ["one", "++two", "three"]), ("q\tz", [1], ["\\303\\251"])]
    assert unquote(b'"\\303\\251"') == "é" and parts[0].commit == "aaaa"
