"""Run the project's tests under coverage.py: pass or fail, line and branch coverage per file.

`quality.test_command` must start with a Python interpreter (`python -m pytest -q`, `python
run_tests.py`) or a Python console script such as `pytest`; it runs as
`<python> -m coverage run --rcfile=<ours> ...` in the target folder, with branch coverage on
and `patch = subprocess`, so Python processes the tests start are measured too; test files
are omitted (they are not scored, and coverage.py's report parses every file it lists).
Coverage data and the rcfile live in a temporary folder outside the project, removed
afterwards.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brgit.errors import ConfigError

PYTHON = re.compile(r"^python(\d+(\.\d+)*)?$")
OUTPUT_TAIL = 2000  # characters of the test output kept for the report
RCFILE = """[run]
branch = true
parallel = true
data_file = {data}
source = {source}
patch = subprocess
omit =
    {source}/**/tests/**
    {source}/**/test/**
    {source}/**/test_*.py
    {source}/**/*_test.py
    {source}/**/conftest.py
"""


@dataclass(frozen=True)
class FileCoverage:
    statements: int
    covered_lines: int
    branches: int
    covered_branches: int
    missing: tuple[int, ...]


@dataclass
class TestRun:
    command: str
    exit_code: int | None  # None: stopped at the timeout
    output_tail: str = ""
    files: dict[str, FileCoverage] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.exit_code == 0


def coverage_argv(command: str, rcfile: Path) -> list[str]:
    """The test command, run under coverage."""
    words = shlex.split(command)
    if not words:
        raise ConfigError("quality.test_command is empty")
    run = ["-m", "coverage", "run", f"--rcfile={rcfile}"]
    head, rest = words[0], words[1:]
    if PYTHON.match(Path(head).name):
        if rest[:1] == ["-c"]:
            raise ConfigError("quality.test_command: `python -c` cannot run under coverage.py; "
                              "name a script or a module (-m)")
        return [head, *run, *rest]
    found = shutil.which(head)
    interpreter = _shebang_python(Path(found)) if found else None
    if found is None or interpreter is None:
        raise ConfigError(
            f"quality.test_command must start with python or a Python script such as pytest "
            f"(got {head!r}), because it runs under coverage.py"
        )
    return [interpreter, *run, found, *rest]


def _shebang_python(script: Path) -> str | None:
    try:
        with script.open("rb") as handle:
            first = handle.readline(300).decode("utf-8", "replace").strip()
    except OSError:
        return None
    if not first.startswith("#!"):
        return None
    words = first[2:].split()
    if words and Path(words[0]).name == "env" and len(words) > 1:
        words = words[1:]
    return words[0] if words and PYTHON.match(Path(words[0]).name) else None


def run_tests(target: Path, command: str, timeout: float) -> TestRun:
    """Run the tests under coverage in `target` and read what they covered."""
    with tempfile.TemporaryDirectory(prefix="br-quality-") as tmp:
        rcfile = Path(tmp) / "coveragerc"
        rcfile.write_text(RCFILE.format(data=Path(tmp) / ".coverage", source=target))
        argv = coverage_argv(command, rcfile)
        code, output = _run(argv, target, timeout, Path(tmp) / "output.log")
        _missing_coverage(output, argv[0])
        run = TestRun(command, code, output[-OUTPUT_TAIL:])
        run.files = read_coverage(Path(tmp), rcfile, target)
    return run


def _run(argv: list[str], cwd: Path, timeout: float, log: Path) -> tuple[int | None, str]:
    """Run the tests in their own process group, output to `log`; at the timeout the whole
    group is killed (pytest workers and servers the tests started included)."""
    with log.open("wb") as out:
        try:
            proc = subprocess.Popen(argv, cwd=cwd, env=_clean_env(), stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        except FileNotFoundError:
            raise ConfigError(f"quality.test_command: {argv[0]} not found") from None
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            if proc.poll() is None:
                _kill_group(proc)
    output = log.read_bytes()[-4 * OUTPUT_TAIL:].decode("utf-8", "replace")
    if code is None:
        output += f"\ntimed out after {timeout:g}s (quality.test_timeout_seconds)"
    return code, output


def _clean_env() -> dict[str, str]:
    """Our environment without coverage.py's own variables: a check run from tests that are
    themselves measured (brgit checking brgit) must not hand the outer measurement's
    settings or data file to the inner run."""
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    proc.wait()


def _missing_coverage(output: str, python: str) -> None:
    if "No module named coverage" in output:
        raise ConfigError(f"coverage.py is not installed for {python}, which runs "
                          "quality.test_command: install it there (pip install coverage)")


def read_coverage(folder: Path, rcfile: Path, target: Path) -> dict[str, FileCoverage]:
    """Combine the data files the run left and read coverage per file (relative to target)."""
    import coverage
    from coverage.exceptions import NoDataError

    cov = coverage.Coverage(data_file=str(folder / ".coverage"), config_file=str(rcfile))
    try:
        cov.combine(strict=True, keep=False)
    except NoDataError:
        return {}
    report = folder / "coverage.json"
    try:
        cov.json_report(outfile=str(report))
    except NoDataError:
        return {}
    import json

    data = json.loads(report.read_text(encoding="utf-8"))
    return _per_file(data.get("files", {}), target)


def _per_file(files: dict[str, Any], target: Path) -> dict[str, FileCoverage]:
    out: dict[str, FileCoverage] = {}
    root = target.resolve()
    for name, entry in files.items():
        try:
            rel = Path(name).resolve().relative_to(root).as_posix()
        except ValueError:
            continue  # measured but outside the target
        s = entry["summary"]
        out[rel] = FileCoverage(s["num_statements"], s["covered_lines"],
                                s.get("num_branches", 0), s.get("covered_branches", 0),
                                tuple(entry.get("missing_lines", ())))
    return out
