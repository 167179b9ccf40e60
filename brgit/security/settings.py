"""The `[security]` settings, read without tomlkit so the hook path stays lean."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brgit import paths
from brgit.errors import ConfigError
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
        """Read `[security]` from the config file with tomllib (the lean hook path)."""
        top, store_root = _roots(start)
        path = paths.config_path(start)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from None
        section: dict[str, Any] = data.get("security", {})
        defaults = cls(top, store_root)
        return cls(
            top, store_root,
            bool(section.get("enforce_hooks", defaults.enforce_hooks)),
            str(section.get("whitelist_file", defaults.whitelist_file)),
            str(section.get("baseline_file", defaults.baseline_file)),
            int(section.get("max_file_bytes", defaults.max_file_bytes)),
            tuple(str(p) for p in section.get("exclude", ())),
        )


def _roots(start: Path | None) -> tuple[Path, Path]:
    where = paths.locate(start)
    top = where.worktree or (start or Path.cwd()).resolve()
    return top, where.main_root
