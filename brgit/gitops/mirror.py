"""Git through a shared remote: a node's mirror of it, task worktrees cut from the mirror, and
branches pushed back with a lease.

A node that runs tasks away from the main checkout keeps one bare mirror of the session's
remote (`git clone --mirror`, once; `--filter=blob:none` for a partial clone of a large
repository) and fetches into it before each task. A task works in its own worktree of the
mirror on a detached HEAD: the mirror's fetch refspec (`+refs/*:refs/*`) owns every ref in
it, so no task holds a branch that a fetch would have to move. The result is pushed to
`refs/heads/<branch>` on the remote with `--force-with-lease` naming what the mirror last saw
there, so a stale run never overwrites a newer one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from brgit.errors import GitError
from brgit.files import locked
from brgit.gitops.git import first_line, run_git

NETWORK_TIMEOUT = 600.0  # a clone, fetch or push that takes longer has hung


def ensure_mirror(url: str, mirror: Path, *, partial: bool = False) -> Path:
    """The mirror of `url` at `mirror`, cloned on first use and fetched on every later one.
    Callers on one node share the mirror: this holds its lock while git writes to it."""
    mirror.parent.mkdir(parents=True, exist_ok=True)
    with locked(mirror.parent / f"{mirror.name}.lock"):
        if (mirror / "HEAD").exists():
            _git(["fetch", "--quiet", "--no-write-fetch-head", "origin"], mirror)
        else:
            _clone(url, mirror, partial)
    return mirror


def _clone(url: str, mirror: Path, partial: bool) -> None:
    partial_args = ["--filter=blob:none"] if partial else []
    temporary = mirror.with_name(mirror.name + ".new")
    if temporary.exists():
        import shutil

        shutil.rmtree(temporary)
    args = ["clone", "--quiet", "--mirror", *partial_args, "--end-of-options", url, str(temporary)]
    _git(args, mirror.parent)
    # no gc while tasks' worktrees write objects into it and read objects they rely on
    _git(["config", "gc.auto", "0"], temporary)
    temporary.rename(mirror)  # a clone killed half-way is never taken for a mirror


def ref_value(repo: Path, ref: str) -> str | None:
    """The commit `ref` names in `repo`, or None when it does not exist."""
    result = run_git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], repo, check=False)
    return result.stdout.strip() or None if result.ok else None


def add_task_worktree(mirror: Path, path: Path, start: str) -> Path:
    """A worktree of the mirror at `path` on a detached HEAD at `start`. Only the admin step
    runs under the mirror's lock (git 2.39 races concurrent adds); the checkout runs outside
    it, where a partial mirror fetches the blobs it lacks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(mirror.parent / f"{mirror.name}.worktrees.lock"):
        args = ["worktree", "add", "--quiet", "--detach", "--no-checkout", "--end-of-options"]
        _git([*args, str(path), start], mirror)
    run_git(["checkout", "-q", "-f"], path)
    return path


def remove_task_worktree(mirror: Path, path: Path) -> None:
    """Forget a task's worktree (its commits stay in the mirror, and on the remote)."""
    with locked(mirror.parent / f"{mirror.name}.worktrees.lock"):
        run_git(["worktree", "remove", "--force", "--force", str(path)], mirror, check=False)
        run_git(["worktree", "prune"], mirror, check=False)


def push_branch(repo: Path, url: str, commit: str, branch: str, expected: str | None) -> None:
    """Set `refs/heads/<branch>` on `url` to `commit`, only if it is still `expected` there
    (None: only if it does not exist); GitError otherwise."""
    ref = f"refs/heads/{branch}"
    lease = f"--force-with-lease={ref}:{expected or ''}"
    _git(["push", "--quiet", lease, "--end-of-options", url, f"{commit}:{ref}"], repo)


def push_ref(repo: Path, url: str, commit: str, ref: str) -> None:
    """Publish `commit` on `url` under `ref` (overwritten; for refs brgit alone writes)."""
    _git(["push", "--quiet", "--force", "--end-of-options", url, f"{commit}:{ref}"], repo)


def remote_heads(url: str, prefix: str, cwd: Path) -> dict[str, str]:
    """The refs under `prefix` (e.g. `refs/heads/br/auth/`) on `url`: branch name -> commit."""
    result = _git(["ls-remote", "--end-of-options", url, f"{prefix}*"], cwd)
    heads: dict[str, str] = {}
    for line in result.splitlines():
        commit, _, ref = line.partition("\t")
        if ref.startswith(prefix):
            heads[ref.removeprefix("refs/heads/")] = commit
    return heads


def fetch_refs(repo: Path, url: str, refspecs: Sequence[str]) -> None:
    """Fetch `refspecs` from `url` into `repo`."""
    _git(["fetch", "--quiet", "--no-write-fetch-head", "--end-of-options", url, *refspecs], repo)


def _git(args: list[str], cwd: Path) -> str:
    result = run_git(args, cwd, check=False, timeout=NETWORK_TIMEOUT)
    if not result.ok:
        raise GitError(f"git {args[0]}: {first_line(result.stderr or result.stdout)}")
    return result.stdout
