"""Run git and translate its failures; small queries every feature needs."""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brgit.errors import GitError, NotFoundError


@dataclass(frozen=True)
class GitResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_git(
    args: Sequence[str],
    cwd: Path | str,
    *,
    check: bool = True,
    input_text: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> GitResult:
    """Run `git ARGS` in `cwd`. With `check`, a non-zero exit raises GitError (git's first line)."""
    proc = _spawn(args, cwd, input_text, env=env, timeout=timeout)
    result = GitResult(proc.returncode, proc.stdout, proc.stderr)
    if check and not result.ok:
        raise GitError(f"git {' '.join(args[:2])}: {first_line(result.stderr or result.stdout)}")
    return result


def run_git_bytes(args: Sequence[str], cwd: Path | str, *, stdin: bytes | None = None) -> bytes:
    """`git ARGS` with bytes in and out (paths and blobs as git stores them); a non-zero exit
    raises GitError with git's first line. What the hooks' index readers call: it imports
    nothing beyond the standard library."""
    proc = _spawn(args, cwd, stdin, binary=True)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace") or proc.stdout.decode("utf-8", "replace")
        raise GitError(f"git {' '.join(args[:2])}: {first_line(message)}")
    return bytes(proc.stdout)


def stream_git(
    args: Sequence[str], cwd: Path | str, *, config: Sequence[str] = ()
) -> Iterator[bytes]:
    """The lines of `git [-c CONFIG]... ARGS` as git writes them (bytes), without waiting for
    it to end. A failure raises GitError with git's first line once the output is read;
    stopping early is not one."""
    full_env = git_env()
    settings = [part for item in config for part in ("-c", item)]
    argv = [git_program(full_env.get("PATH", "")), *settings, *args]
    try:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=full_env)  # fmt: skip
    except FileNotFoundError as exc:
        if not Path(cwd).exists():
            raise NotFoundError(f"directory not found: {cwd}") from None
        raise GitError("git is not installed or not on PATH") from exc
    with proc:
        assert proc.stdout is not None and proc.stderr is not None
        try:
            yield from proc.stdout
        finally:
            proc.stdout.close()
            error = proc.stderr.read()
            code = proc.wait()
        if code not in (0, -13):  # -13: the reader stopped early (SIGPIPE)
            message = first_line(error.decode("utf-8", "replace")) or "failed"
            raise GitError(f"git {args[0]}: {message}")


def _spawn(
    args: Sequence[str],
    cwd: Path | str,
    data: str | bytes | None,
    *,
    binary: bool = False,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[Any]:
    """Run git once (text, or bytes with `binary`); translate the failures that are not
    git's own: no git, no folder, a timeout."""
    full_env = git_env(env)
    try:
        return subprocess.run(
            [git_program(full_env.get("PATH", "")), *args],
            cwd=cwd,
            input=data,
            capture_output=True,
            text=not binary,
            env=full_env,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        if not Path(cwd).exists():
            raise NotFoundError(f"directory not found: {cwd}") from None
        raise GitError("git is not installed or not on PATH") from exc
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} timed out after {timeout}s") from None


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every git process gets: no prompts, C locale (its messages are parsed)."""
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(extra or {})}


@functools.lru_cache(maxsize=4)
def git_program(search_path: str) -> str:
    """git's full path, looked up once per PATH (a merge train spawns git about 60 times;
    each bare "git" would make the kernel try every PATH entry before the right one)."""
    import shutil

    return shutil.which("git", path=search_path) or "git"


def run_git_all(commands: Sequence[Sequence[str]], cwd: Path | str) -> list[GitResult]:
    """Run several read-only git commands at once (they overlap; the results keep the order).
    Nothing is checked: each result carries its own exit code."""
    full_env = git_env()
    program = git_program(full_env.get("PATH", ""))
    procs: list[subprocess.Popen[str]] = []
    try:
        for args in commands:
            procs.append(
                subprocess.Popen(
                    [program, *args],
                    cwd=cwd,
                    env=full_env,
                    text=True,
                    errors="surrogateescape",  # config may hold any bytes
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            )
    except OSError as exc:
        for proc in procs:  # those already started are not left behind
            proc.kill()
            proc.communicate()
        if not Path(cwd).exists():
            raise NotFoundError(f"directory not found: {cwd}") from None
        raise GitError("git is not installed or not on PATH") from exc
    results = []
    for proc in procs:
        out, err = proc.communicate()
        results.append(GitResult(proc.returncode, out, err))
    return results


def first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return "failed"


def toplevel(cwd: Path | str) -> Path:
    """The top of the checkout containing `cwd`; NotFoundError outside git."""
    result = run_git(["rev-parse", "--show-toplevel"], cwd, check=False)
    if not result.ok:
        raise NotFoundError(f"not a git repository: {cwd}")
    return Path(result.stdout.strip())


def rev_parse(rev: str, cwd: Path | str) -> str:
    """The full commit id of `rev`; NotFoundError if it does not exist."""
    args = ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"]
    result = run_git(args, cwd, check=False)
    if not result.ok:
        if not has_commits(cwd):
            raise NotFoundError(
                f"the repository at {cwd} has no commits yet: make a first commit "
                "(for example `git commit --allow-empty -m init`), then run br again"
            )
        raise NotFoundError(f"no such commit or branch: {rev}")
    return result.stdout.strip()


def has_commits(cwd: Path | str) -> bool:
    """Whether any ref of the repository names a commit (False in a fresh `git init`)."""
    result = run_git(["rev-list", "-n", "1", "--all"], cwd, check=False)
    return result.ok and bool(result.stdout.strip())


def current_branch(cwd: Path | str) -> str | None:
    """The checked-out branch name, or None when HEAD is detached."""
    result = run_git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd, check=False)
    return result.stdout.strip() or None


def branch_exists(name: str, cwd: Path | str) -> bool:
    return run_git(["show-ref", "--verify", "--quiet", f"refs/heads/{name}"], cwd, check=False).ok


def status_porcelain(cwd: Path | str, *, untracked: bool = True) -> list[str]:
    """`git status --porcelain` lines (ignored files excluded)."""
    flag = "--untracked-files=all" if untracked else "--untracked-files=no"
    out = run_git(["status", "--porcelain", flag], cwd).stdout
    return [line for line in out.splitlines() if line]


def is_dirty(cwd: Path | str, *, untracked: bool = False) -> bool:
    return bool(status_porcelain(cwd, untracked=untracked))


@contextmanager
def worktree_admin_lock(repo: Path | str) -> Iterator[None]:
    """Serialise `git worktree add/remove/prune` on one repository, across threads and processes.

    git 2.39 lets a `worktree add` read the half-written admin folder of another one being
    added at the same moment ("failed to read .git/worktrees/<x>/commondir"), which failed
    about one parallel task in a hundred. An exclusive flock on a file in git's common
    directory makes these short operations take turns; checkouts outside them stay parallel
    only where git allows it.
    """
    from brgit import paths
    from brgit.files import locked

    common = paths.locate(Path(repo)).common_dir
    if common is None:
        yield
        return
    with locked(common / "brgit-worktrees.lock"):
        yield
