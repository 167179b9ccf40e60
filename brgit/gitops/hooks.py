"""The native git pre-commit hook: install, status, uninstall.

The hooks directory comes from `git rev-parse --git-path hooks`, which honours `core.hooksPath`
and, in a linked worktree, points at the shared hooks of the repository. A hook that is already
there is never clobbered: without `--force` the install refuses; with it, the old hook is
renamed `pre-commit.pre-brgit` and brgit's hook runs it first (uninstall puts it back).
"""

from __future__ import annotations

import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from brgit.errors import BuildRunnerError, NotFoundError
from brgit.gitops.git import run_git, toplevel

MARKER = "brgit-managed-hook"
HOOK = "pre-commit"
CHAINED = "pre-commit.pre-brgit"
TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "hooks" / HOOK  # ships in the wheel


@dataclass(frozen=True)
class HookStatus:
    installed: bool
    path: str
    hooks_dir: str
    hooks_path_config: str | None
    exists: bool
    executable: bool
    permissions: str | None
    chained: str | None
    foreign: bool  # a hook that is not brgit's is in place


def hooks_dir(start: Path) -> Path:
    top = toplevel(start)
    out = run_git(["rev-parse", "--git-path", "hooks"], top).stdout.strip()
    path = Path(out)
    return path if path.is_absolute() else (top / path)


def _is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")[:400]
    except OSError:
        return False


def status(start: Path) -> HookStatus:
    folder = hooks_dir(start)
    hook = folder / HOOK
    chained = folder / CHAINED
    exists = hook.is_file()
    config = run_git(["config", "--get", "core.hooksPath"], toplevel(start), check=False)
    mode = hook.stat().st_mode if exists else 0
    return HookStatus(
        installed=exists and _is_ours(hook),
        path=str(hook),
        hooks_dir=str(folder),
        hooks_path_config=config.stdout.strip() or None,
        exists=exists,
        executable=bool(mode & stat.S_IXUSR),
        permissions=stat.filemode(mode) if exists else None,
        chained=str(chained) if chained.exists() else None,
        foreign=exists and not _is_ours(hook),
    )


def render_hook(python: str | None = None) -> str:
    try:
        template = TEMPLATE.read_text(encoding="utf-8")
    except OSError:
        raise NotFoundError(f"hook template not found: {TEMPLATE}") from None
    return template.replace("@BR_PYTHON@", python or sys.executable)


def install(start: Path, *, force: bool = False) -> HookStatus:
    """Install brgit's hook; keeps (chains) an existing hook only with `force`."""
    folder = hooks_dir(start)
    hook = folder / HOOK
    content = render_hook()
    if hook.exists() and _is_ours(hook):
        if hook.read_text(encoding="utf-8") != content and not force:
            raise BuildRunnerError(
                f"an older brgit hook is installed at {hook}; use --force to update it"
            )
    elif hook.exists() or hook.is_symlink():
        if not force:
            raise BuildRunnerError(
                f"a pre-commit hook already exists at {hook}; use --force to keep it "
                f"(it will run first, as {CHAINED}) and add brgit's"
            )
        if (folder / CHAINED).exists():
            raise BuildRunnerError(f"{folder / CHAINED} already exists; move it away first")
        hook.rename(folder / CHAINED)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{HOOK}.brgit-tmp"
    tmp.write_text(content, encoding="utf-8")
    tmp.chmod(0o755)
    tmp.replace(hook)
    return status(start)


def uninstall(start: Path) -> HookStatus:
    """Remove brgit's hook and put back the hook it chained, if any."""
    folder = hooks_dir(start)
    hook = folder / HOOK
    if not hook.exists():
        raise NotFoundError(f"no pre-commit hook at {hook}")
    if not _is_ours(hook):
        raise BuildRunnerError(f"the pre-commit hook at {hook} is not brgit's; left in place")
    hook.unlink()
    chained = folder / CHAINED
    if chained.exists():
        chained.rename(hook)
    return status(start)
