"""Where a repository's telemetry lives and how it is configured, tolerant of a broken config.

Collection must never fail the caller, so a config that does not load falls back to the
defaults (the error is kept and logged); commands load the config strictly themselves.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from brgit import paths
from brgit.telemetry.store import SegmentStore

if TYPE_CHECKING:
    from brgit.config import Config

log = logging.getLogger("brgit.telemetry")
DEFAULT_DIR = ".buildrunner/telemetry"


@dataclass
class Telemetry:
    """The resolved telemetry location and config of one repository."""

    config: Config
    directory: Path
    config_error: str | None = None

    @property
    def enabled(self) -> bool:
        return self.config.telemetry.enabled

    def stream(self, name: str) -> SegmentStore:
        """The shared (per-process) store of one stream: "events" or "costs"."""
        return _shared(self.directory / name, name, self.config)

    @property
    def aggregates_dir(self) -> Path:
        return self.directory / "aggregates"


def resolve(root: Path | None = None, config: Config | None = None) -> Telemetry:
    """The telemetry of the repository at `root` (None: the current one)."""
    from brgit.config import Config, load_config

    error = None
    if config is None:
        key = _config_key(root)
        cached = _CONFIGS.get(key) if key else None
        if cached is not None:
            config = cached
        else:
            try:
                config = load_config(root)
                if key:
                    _CONFIGS[key] = config
            except Exception as exc:  # collection never fails: use defaults, remember why
                error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                log.warning("telemetry: config not loaded, using defaults: %s", error)
                config = Config()
    store = (root / paths.STORE_DIRNAME) if root else paths.store_dir()
    setting = config.telemetry.storage_dir
    if setting.rstrip("/") == DEFAULT_DIR:
        directory = store / "telemetry"
    else:
        base = root or store.parent
        directory = Path(setting) if Path(setting).is_absolute() else base / setting
    return Telemetry(config, directory, error)


_STORES: dict[tuple[int, Path], SegmentStore] = {}
_CONFIGS: dict[tuple[str, str, int], Config] = {}


def _config_key(root: Path | None) -> tuple[str, str, int] | None:
    """Cache key of a loaded config: where it was looked for and the file's mtime, so callers
    that make a collector per event do not re-parse TOML each time (env overrides excluded)."""
    if any(k.startswith("BR_") for k in os.environ):
        return None
    file = paths.config_path(root)
    try:
        stamp = file.stat().st_mtime_ns
    except OSError:
        stamp = -1
    return (str(root or Path.cwd()), str(file), stamp)


def _shared(directory: Path, prefix: str, config: Config) -> SegmentStore:
    key = (os.getpid(), directory)
    store = _STORES.get(key)
    cfg = config.telemetry
    if store is None:
        store = SegmentStore(directory, prefix, cfg.max_file_bytes, cfg.retention_days)
        _STORES[key] = store
    store.max_bytes, store.retention_days = max(1, cfg.max_file_bytes), cfg.retention_days
    return store
