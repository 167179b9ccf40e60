"""Where a repository's telemetry lives and how it is configured, tolerant of a broken config.

Collection must never fail the caller, so a config that does not load falls back to the
defaults (the error is kept and logged); commands load the config strictly themselves and pass
it in. One `Telemetry` is built per command (see `brgit.context`) and owns the open stores of
its streams, so every collector and ledger of that command appends through the same ones.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from brgit import paths
from brgit.telemetry.store import SegmentStore

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.telemetry.spend import SpendIndex

log = logging.getLogger("brgit.telemetry")
DEFAULT_DIR = ".buildrunner/telemetry"


@dataclass
class Telemetry:
    """The resolved telemetry location and config of one repository, and its open stores."""

    config: Config
    directory: Path
    config_error: str | None = None
    _streams: dict[str, SegmentStore] = field(default_factory=dict, repr=False)
    _spend: SpendIndex | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def enabled(self) -> bool:
        return self.config.telemetry.enabled

    def stream(self, name: str) -> SegmentStore:
        """The store of one stream ("events" or "costs"), opened once per Telemetry."""
        with self._lock:
            store = self._streams.get(name)
            if store is None:
                cfg = self.config.telemetry
                store = SegmentStore(
                    self.directory / name, name, cfg.max_file_bytes, cfg.retention_days
                )
                self._streams[name] = store
            return store

    def spend_index(self) -> SpendIndex:
        """The incremental spend index of the cost ledger (read on from where it stopped)."""
        from brgit.telemetry.spend import SpendIndex

        with self._lock:
            if self._spend is None:
                self._spend = SpendIndex(self.directory / "costs", self.directory / "spend")
            return self._spend

    @property
    def aggregates_dir(self) -> Path:
        return self.directory / "aggregates"

    def close(self) -> None:
        """Close the open stores (a long-lived process that is done with this repository)."""
        with self._lock:
            for store in self._streams.values():
                store.close()
            self._streams.clear()


def resolve(root: Path | None = None, config: Config | None = None) -> Telemetry:
    """The telemetry of the repository at `root` (None: the current one), with `config` (None:
    loaded from the repository, or the defaults when it does not load)."""
    error = None
    if config is None:
        config, error = _load(root)
    store = (root / paths.STORE_DIRNAME) if root else paths.store_dir()
    setting = config.telemetry.storage_dir
    if setting.rstrip("/") == DEFAULT_DIR:
        directory = store / "telemetry"
    else:
        base = root or store.parent
        directory = Path(setting) if Path(setting).is_absolute() else base / setting
    return Telemetry(config, directory, error)


def _load(root: Path | None) -> tuple[Config, str | None]:
    from brgit.config import Config, load_config

    try:
        return load_config(root), None
    except Exception as exc:  # collection never fails: use defaults, remember why
        error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        log.warning("telemetry: config not loaded, using defaults: %s", error)
        return Config(), error
