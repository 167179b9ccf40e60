"""`br demo`: build the bundled sample repository in a temporary folder and run the whole job.

Needs only Python and git: the tasks use the shell agent, and every command runs the Python
that runs `br`. See `brgit/data/demo/README.md` for what the sample is made to show.
"""

from __future__ import annotations

import shlex
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from brgit.app.job import JobResult, run_job
from brgit.errors import BuildRunnerError
from brgit.gitops.git import run_git
from brgit.merge.model import CONFLICT, VERIFY_FAILED
from brgit.merge.train import Progress

SUFFIX = ".tmpl"
# What the sample is built to show (brgit/data/demo/README.md): four branches merge, one is
# ejected for a conflict in README.md and one for breaking the tests.
DESIGNED_MERGED = frozenset({"greet", "shout", "status-ready", "usage"})
DESIGNED_EJECTED = {"status-beta": CONFLICT, "fast-mul": VERIFY_FAILED}


@dataclass(frozen=True)
class DemoPaths:
    folder: Path
    repo: Path
    plan: Path
    changes: Path


def _copy(source: Traversable, target: Path) -> None:
    for entry in source.iterdir():
        name = entry.name.removesuffix(SUFFIX)
        if entry.is_dir():
            _copy(entry, target / name)
            continue
        name = ".gitignore" if name == "gitignore" else name
        target.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(entry.read_bytes())


def create_sample(folder: Path) -> DemoPaths:
    """Write the sample (a git repo with one commit, its config, the plan) under `folder`."""
    if folder.exists() and any(folder.iterdir()):
        raise BuildRunnerError(f"{folder} is not empty; pick a new folder for the demo")
    data = resources.files("brgit.data").joinpath("demo")
    paths = DemoPaths(folder, folder / "repo", folder / "plan.toml", folder / "changes")
    _copy(data.joinpath("repo"), paths.repo)
    _copy(data.joinpath("changes"), paths.changes)
    python = shlex.quote(sys.executable)
    apply = f"{python} {shlex.quote(str(paths.changes / 'apply.py'))}"
    plan = data.joinpath("plan.toml").read_text(encoding="utf-8").replace("{apply}", apply)
    paths.plan.write_text(plan, encoding="utf-8")
    config = data.joinpath("config.toml").read_text(encoding="utf-8")
    store = paths.repo / ".buildrunner"
    store.mkdir()
    (store / "config.toml").write_text(config.replace("{python}", python), encoding="utf-8")
    _init_repo(paths.repo)
    return paths


def _init_repo(repo: Path) -> None:
    for args in (
        ["init", "-q", "-b", "main"],
        ["config", "user.name", "brgit demo"],
        ["config", "user.email", "demo@brgit.invalid"],
        ["config", "commit.gpgsign", "false"],
        ["add", "-A"],
        ["commit", "-q", "--no-verify", "-m", "A tiny calculator"],
    ):
        run_git(args, repo)


def run_demo(
    folder: Path | None = None,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> tuple[DemoPaths, JobResult]:
    """Create the sample and run `br run plan.toml` in it; returns where it is and what happened."""
    from brgit.config import load_config

    target = folder or Path(tempfile.mkdtemp(prefix="brgit-demo-"))
    paths = create_sample(target.resolve())
    cfg = load_config(paths.repo, paths.repo / ".buildrunner" / "config.toml")
    result = run_job(
        paths.plan, root=paths.repo, cfg=cfg, workers=workers, session="demo", progress=progress,
        command="demo",
    )  # fmt: skip
    return paths, result


def br_command() -> str:
    """How to call this `br` from a shell: `br` if that is it on PATH, else its full path
    (after the quickstart, `br` lives in .venv/bin, which need not be on PATH)."""
    import shutil
    import sys

    beside = Path(sys.executable).parent / "br"
    on_path = shutil.which("br")
    if on_path and (not beside.exists() or Path(on_path).resolve() == beside.resolve()):
        return "br"
    return shlex.quote(str(beside)) if beside.exists() else f"{sys.executable} -m brgit"


def as_designed(result: JobResult) -> bool:
    """Whether the sample ended as it is built to: the designed branches merged, the designed
    ones ejected for their designed reasons, every task completed."""
    merged = {m.task_id for m in result.train.merged}
    ejected = {e.task_id: e.reason for e in result.train.ejected}
    done = result.session.count("completed") == len(result.session.plan.tasks)
    return done and merged == DESIGNED_MERGED and ejected == DESIGNED_EJECTED


def exit_code(result: JobResult) -> int:
    """`br demo` checks itself: 0 when the sample ended as designed (its two ejections
    included), else the code `br run` gives for the outcome (1 when that would be 0)."""
    if as_designed(result):
        return 0
    return result.exit_code or 1


def exit_note(result: JobResult) -> str:
    """Why the demo exits as it does, and what `br run` would give for the same outcome."""
    run = f"`br run` exits {result.exit_code} for this outcome"
    if as_designed(result):
        return (
            f"Exit 0: the sample ended as designed ({len(DESIGNED_MERGED)} merged, "
            f"{len(DESIGNED_EJECTED)} ejected). {run}: {'; '.join(result.why())}."
        )
    why = "; ".join(result.why()) or "a different outcome"
    return f"Exit {exit_code(result)}: the sample did not end as designed ({why}). {run}."


def where_to_look(paths: DemoPaths) -> list[str]:
    repo = shlex.quote(str(paths.repo))
    br = br_command()
    return [
        f"Sample repository: {paths.repo}",
        f"  history:     git -C {repo} log --graph --oneline --all",
        f"  branches:    git -C {repo} branch --list 'br/*'   (ejected ones keep their commits)",
        f"  telemetry:   cd {repo} && {br} telemetry summary",
        f"  the order:   cd {repo} && {br} merge --session demo --dry-run",
        f"  verify logs: {paths.repo / '.buildrunner' / 'merge' / 'logs'}",
    ]
