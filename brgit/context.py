"""The context of one command: its config and the stores built from it, made once and passed down.

The CLI (or an application job) builds one `Context` from the config it loaded and hands it to
everything below, the way pre-commit hands its `Store` to every command. Nothing below looks
its config, telemetry, ledger, catalog or keys up from a path again, so what a caller passes is
what is used: a `Context` built from a config with telemetry disabled records nothing, and a
test or a library user can hand in any of the parts.

    ctx = Context(load_config())
    run_plan(plan, root=ctx.root, cfg=ctx.config, ctx=ctx)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from brgit.config import Config

if TYPE_CHECKING:
    from brgit.llm.catalog import Catalog
    from brgit.llm.keys import KeyManager
    from brgit.telemetry.collector import EventCollector
    from brgit.telemetry.costs import CostTracker
    from brgit.telemetry.settings import Telemetry

T = TypeVar("T")


class Context:
    """Config, telemetry, event collector, cost ledger, model catalog and API keys of one
    command. Each part is built on first use (a command that never prices a call never loads
    the catalog) and then shared by every thread of the command."""

    def __init__(
        self,
        config: Config,
        root: Path | None = None,
        *,
        telemetry: Telemetry | None = None,
        events: EventCollector | None = None,
        costs: CostTracker | None = None,
        catalog: Catalog | None = None,
        keys: KeyManager | None = None,
    ) -> None:
        self.config = config
        self.root = root or config.root
        self._lock = threading.RLock()
        self._parts: dict[str, object] = {
            name: part
            for name, part in (
                ("telemetry", telemetry),
                ("events", events),
                ("costs", costs),
                ("catalog", catalog),
                ("keys", keys),
            )
            if part is not None
        }

    def _part(self, name: str, build: Callable[[], T]) -> T:
        with self._lock:
            if name not in self._parts:
                self._parts[name] = build()
            return self._parts[name]  # type: ignore[return-value]

    @property
    def telemetry(self) -> Telemetry:
        from brgit.telemetry.settings import resolve

        return self._part("telemetry", lambda: resolve(self.root, self.config))

    @property
    def events(self) -> EventCollector:
        from brgit.telemetry.collector import EventCollector

        return self._part("events", lambda: EventCollector(self.root, telemetry=self.telemetry))

    @property
    def costs(self) -> CostTracker:
        from brgit.telemetry.costs import CostTracker

        # its own catalog: a bad [models] override must not stop the ledger (it prices with
        # the bundled table and says so), while model choice refuses it
        return self._part("costs", lambda: CostTracker(self.root, telemetry=self.telemetry))

    @property
    def catalog(self) -> Catalog:
        return self._part("catalog", self._load_catalog)

    def _load_catalog(self) -> Catalog:
        from brgit.llm.catalog import load_catalog

        return load_catalog(self.config.models)

    @property
    def keys(self) -> KeyManager:
        from brgit.llm.keys import KeyManager

        return self._part("keys", lambda: KeyManager(self.root))


def context_for(cfg: Config, root: Path | None = None, ctx: Context | None = None) -> Context:
    """`ctx` when the caller has one, else a context built from the caller's `cfg`."""
    return ctx if ctx is not None else Context(cfg, root)
