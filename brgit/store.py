"""The `.buildrunner/` store: layout and `br init`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brgit import paths
from brgit.config import ensure_config
from brgit.errors import NotFoundError
from brgit.files import atomic_write

GITIGNORE = """\
# brgit: run data (telemetry, sessions, logs, worktrees) stays out of git;
# the config and the security whitelist are shared with the team.
*
!.gitignore
!config.toml
!security/
!security/whitelist.txt
"""


@dataclass
class InitResult:
    store: Path
    files: list[tuple[Path, bool]] = field(default_factory=list)  # (path, created)
    settings_added: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": str(self.store),
            "created": [str(p) for p, c in self.files if c],
            "kept": [str(p) for p, c in self.files if not c],
            "settings_added": max(self.settings_added, 0),
        }


def init_store(start: Path | None = None) -> InitResult:
    """Create the store, a commented config and a .gitignore; keep whatever already exists.

    Running it again adds only settings that a newer brgit knows and the file lacks; a user's
    values, comments and order are never rewritten.
    """
    where = paths.locate(start)
    if not where.in_git and not os.environ.get("BR_STORE_DIR"):
        raise NotFoundError(
            f"not a git repository: {where.main_root} (run br init inside the repository "
            "brgit should work on; its store goes in the main checkout)"
        )
    store = paths.store_dir(start)
    result = InitResult(store=store)
    config_file = paths.config_path(start)
    existed = config_file.exists()
    added = ensure_config(config_file)
    result.files.append((config_file, not existed))
    result.settings_added = added
    ignore = store / ".gitignore"
    if not ignore.exists():
        atomic_write(ignore, GITIGNORE)
        result.files.append((ignore, True))
    else:
        result.files.append((ignore, False))
    return result
