"""The measures one by one: facts of a Python file, import cycles, files, the cache, the
wrapping of the test command."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from brgit.config import Config
from brgit.errors import ConfigError
from brgit.quality import files, score
from brgit.quality.cache import FactsCache
from brgit.quality.collect import collect
from brgit.quality.pysource import analyse
from brgit.quality.testing import coverage_argv
from tests.quality.conftest import MakeProject

SOURCE = '''"""Module."""
from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Protocol, overload

if TYPE_CHECKING:
    from pkg import heavy


class Port(Protocol):
    def send(self) -> None: ...


class Base(abc.ABC):
    """Base."""

    @abc.abstractmethod
    def run(self):
        raise NotImplementedError

    def later(self):
        """Not yet."""
        if self:
            raise NotImplementedError("later")


@overload
def f(x: int) -> int: ...
def f(x):
    """F."""
    try:
        import json
    except ImportError:
        pass
    except (OSError, Exception):
        ...
    return x


def _private():
    pass


class _Hidden:
    def shown(self):
        pass
'''


def test_facts_of_one_file() -> None:
    facts = analyse("pkg/mod.py", SOURCE)
    spots = {(s.kind, s.line, s.broad) for s in facts.spots}
    assert spots == {("not-implemented", 25, False), ("swallowed", 34, False),
                     ("swallowed", 36, False)}
    undocumented = {d.name for d in facts.documented if not d.covered}
    assert undocumented == {"Port", "Port.send", "Base.run"}  # private names, overloads: not API
    tops = {(i.module, i.top) for i in facts.imports}
    assert ("pkg", False) in tops and ("json", False) in tops and ("abc", True) in tops
    assert {f.name: f.complexity for f in facts.functions}["f"] == 3  # 1 + two handlers
    assert facts.defs == {"Port": 11, "Base": 15, "f": 30, "_private": 41, "_Hidden": 45}
    assert {"port", "base", "later", "hidden", "private", "mod", "pkg"} <= set(facts.words)


def test_broad_and_bare_handlers() -> None:
    source = ("try:\n    x = 1\nexcept:\n    pass\n"
              "try:\n    x = 2\nexcept Exception:\n    continue_ = 1\n"
              "for i in []:\n    try:\n        x = 3\n    except BaseException:\n        continue\n")
    spots = [(s.kind, s.line, s.broad) for s in analyse("m.py", source).spots]
    assert spots == [("bare-except", 3, True), ("swallowed", 12, True)]


def test_syntax_error_and_todo() -> None:
    assert analyse("x.py", "def f(:\n").syntax_error == "line 1: invalid syntax"
    todo = analyse("t.py", "x = '# TODO not a comment'  # FIXME: real one\n").spots
    assert [(s.kind, s.text) for s in todo] == [("todo", "FIXME: real one")]


def write(root: Path, tree: dict[str, str]) -> None:
    for name, text in tree.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_import_cycle_found_and_lazy_import_is_not_one(tmp_path: Path) -> None:
    write(tmp_path, {
        "README.md": "x",
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg import b\n",
        "pkg/b.py": "from . import c\n",
        "pkg/c.py": "import pkg.a\n",
        "pkg/d.py": "from pkg.e import thing\n",
        "pkg/e.py": "def thing():\n    from pkg import d\n",
    })
    found = collect(tmp_path, None, FactsCache(None))
    category = score.structure(found, Config().quality)
    [cycle] = [d for d in category.details if "cycle" in d.message]
    assert cycle.message == "import cycle: pkg.a -> pkg.b -> pkg.c -> pkg.a"
    assert (cycle.file, cycle.line) == ("pkg/a.py", 1)
    assert category.metrics["import_cycles"] == 1
    assert category.score == 90  # every unit within limits, less 10 for the cycle


def test_files_outside_git_skip_tools_folders_and_excluded(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": "", ".venv/lib/x.py": "", "node_modules/m.js": "",
                     "legacy/old.py": "", "gen/x.min.js": "", "src/pkg/__init__.py": ""})
    assert files.project_files(tmp_path, ["legacy/", "*.min.js"]) == ["a.py",
                                                                      "src/pkg/__init__.py"]
    assert files.module_name("src/pkg/__init__.py") == "pkg"
    assert files.is_test("tests/helpers.py") and files.is_test("pkg/test_x.py")
    assert not files.is_test("pkg/testing.py")


def test_git_files_leave_ignored_ones_out(make_project: MakeProject) -> None:
    root = make_project({"a.py": "", ".gitignore": "build.py\n"})
    (root / "build.py").write_text("")
    (root / "new.py").write_text("")
    assert files.project_files(root) == [".gitignore", "a.py", "new.py"]


def test_cache_keeps_the_most_recently_used(tmp_path: Path) -> None:
    file = tmp_path / "facts.json"
    cache = FactsCache(file, max_entries=2)
    for key in ("a", "b", "c"):
        assert cache.get(key) is None
        cache.put(key, {"n": key})
        cache._now += 1
    cache.save()
    assert sorted(json.loads(file.read_text())["entries"]) == ["b", "c"]
    assert FactsCache(file).get("c") == {"n": "c"}


def test_test_command_is_run_under_coverage(tmp_path: Path) -> None:
    rc = tmp_path / "rc"
    assert coverage_argv("python -m pytest -q", rc) == [
        "python", "-m", "coverage", "run", f"--rcfile={rc}", "-m", "pytest", "-q"]
    script = tmp_path / "bin" / "pytest"
    script.parent.mkdir()
    script.write_text(f"#!{sys.executable}\nprint('hi')\n")
    script.chmod(0o755)
    os.environ["PATH"] = f"{script.parent}{os.pathsep}{os.environ['PATH']}"
    try:
        argv = coverage_argv("pytest -x 'a b'", rc)
    finally:
        os.environ["PATH"] = os.environ["PATH"].split(os.pathsep, 1)[1]
    assert argv == [sys.executable, "-m", "coverage", "run", f"--rcfile={rc}", str(script),
                    "-x", "a b"]
    with pytest.raises(ConfigError, match="must start with python"):
        coverage_argv("make test", rc)
    with pytest.raises(ConfigError, match="cannot run under coverage"):
        coverage_argv("python3 -c pass", rc)
