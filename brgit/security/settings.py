"""The `[security]` settings the scanners use, taken from the validated config."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from brgit import paths
from brgit.security.files import MAX_FILE_BYTES

if TYPE_CHECKING:
    from brgit.config import Config


@dataclass(frozen=True)
class SecuritySettings:
    top: Path  # the checkout being scanned; finding paths are relative to it
    store_root: Path  # the main worktree, where `.buildrunner/` lives
    enforce_hooks: bool = True
    whitelist_file: str = ".buildrunner/security/whitelist.txt"
    baseline_file: str = ".secrets.baseline"
    max_file_bytes: int = MAX_FILE_BYTES
    exclude: tuple[str, ...] = ()

    @property
    def whitelist_path(self) -> Path:
        return self.store_root / self.whitelist_file

    @property
    def baseline_path(self) -> Path:
        return self.top / self.baseline_file

    @classmethod
    def from_config(cls, cfg: Config, start: Path | None = None) -> SecuritySettings:
        sec = cfg.security
        top, store_root = _roots(start)
        return cls(top, store_root, sec.enforce_hooks, sec.whitelist_file, sec.baseline_file,
                   sec.max_file_bytes, tuple(sec.exclude))

    @classmethod
    def read(cls, start: Path | None = None) -> SecuritySettings:
        """The settings from the repository's config, validated like every command's (a typo'd
        key is exit 2 here too); `brgit.config` reads with tomllib, so the hooks stay lean."""
        from brgit.config import load_config

        return cls.from_config(load_config(start), start)

def _roots(start: Path | None) -> tuple[Path, Path]:
    where = paths.locate(start)
    top = where.worktree or (start or Path.cwd()).resolve()
    return top, where.main_root
