"""EventCollector: record versioned events in the repository's store and query them back.

CONTRACT (other packages rely on it):
    EventCollector(root: Path | None = None)   # root = main worktree; None: the current repo
    EventCollector(root, telemetry=ctx.telemetry)   # inside brgit: the command's context's
    collector.collect(TelemetryEvent(EventType.TASK_STARTED, task_id=...)) -> None
    collector.collect_event({"event_type": "task_started", "task_id": ..., ...}) -> None
    Never raises; a storage error, and an event with values of the wrong type (stored
    without them, see `brgit.telemetry.validate`), are counted (`errors`) and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brgit.telemetry import events
from brgit.telemetry.events import IdSource, TelemetryEvent, encode
from brgit.telemetry.reader import ReadStats, Segment, read_segment
from brgit.telemetry.settings import Telemetry, resolve
from brgit.telemetry.store import SegmentStore
from brgit.telemetry.validate import since_hours

if TYPE_CHECKING:
    from brgit.config import Config

log = logging.getLogger("brgit.telemetry")
Listener = Callable[[dict[str, Any]], None]


class EventCollector:
    """Append events (one write per record) and read them back, old versions upgraded."""

    def __init__(
        self,
        root: Path | None = None,
        *,
        config: Config | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        """`telemetry` is the command's own (see `brgit.context`); without it, it is built
        from `config` (None: the repository's config at `root`)."""
        self.root = root
        self._config = config
        self._telemetry = telemetry
        self._stream: SegmentStore | None = None
        self._ids = IdSource()
        self._listeners: dict[str, list[Listener]] = {}
        self.errors = 0
        self.last_read = ReadStats()

    @property
    def telemetry(self) -> Telemetry:
        if self._telemetry is None:
            self._telemetry = resolve(self.root, self._config)
            if self._telemetry.config_error:
                self.errors += 1
        return self._telemetry

    def _open_stream(self) -> SegmentStore | None:
        tel = self.telemetry
        self._stream = tel.stream("events") if tel.enabled else None
        return self._stream

    @property
    def directory(self) -> Path:
        return self.telemetry.directory / "events"

    # ------------------------------------------------------------------ writing

    def collect_event(self, event: dict[str, Any]) -> None:
        """Store one event; never raises into the caller."""
        try:
            record, rejected = events.build(event, self._ids.next())
            if rejected:
                self.errors += 1
                log.warning("telemetry: %s event stored without invalid %s",
                            record["event_type"][:80], ", ".join(rejected))  # fmt: skip
            stream = self._stream or self._open_stream()
            if stream is not None and not stream.append(encode(record)):
                self.errors += 1
        except Exception as exc:  # collection never fails the caller's work
            self.errors += 1
            log.warning("telemetry: event not recorded: %s", exc)
            return
        if self._listeners:  # most collectors have none: no call per event
            self._notify(record)

    def collect(self, event: TelemetryEvent | dict[str, Any]) -> None:
        """Store a typed event (or a dict)."""
        self.collect_event(event.to_dict() if isinstance(event, TelemetryEvent) else event)

    def add_listener(self, event_type: str, listener: Listener) -> None:
        """Call `listener(event)` for each event of `event_type` ("*": every event) this
        collector records; a failing listener is logged, never raised."""
        self._listeners.setdefault(event_type.lower(), []).append(listener)

    def _notify(self, record: dict[str, Any]) -> None:
        if not self._listeners:
            return
        wanted = self._listeners.get(record["event_type"], []) + self._listeners.get("*", [])
        for listener in wanted:
            try:
                listener(record)
            except Exception as exc:
                self.errors += 1
                log.warning("telemetry: listener failed: %s", exc)

    # ------------------------------------------------------------------ reading

    def iter_events(self, hours: float | None = None) -> Iterator[dict[str, Any]]:
        """Every stored event (current shape) since `hours` ago, oldest segment first.
        Sealed segments that end before the window (per their cached aggregate) are skipped."""
        from brgit.telemetry.aggregate import ends_before

        since = since_hours(hours)
        self.last_read = stats = ReadStats()
        tel = self.telemetry
        with tel.stream("events").snapshot() as handles:
            for seg, handle in handles:
                if since and seg.sealed and ends_before(seg, tel.aggregates_dir, since):
                    continue
                for raw in read_segment(seg, handle, stats):
                    record = events.load(raw, stats)
                    if record is not None and (since is None or record["timestamp"] >= since):
                        yield record

    def get_events(
        self,
        event_type: str | None = None,
        hours: float | None = None,
        limit: int | None = None,
        *,
        task_id: str | None = None,
        session_id: str | None = None,
        model: str | None = None,
        role: str | None = None,
    ) -> list[dict[str, Any]]:
        """Matching events in time order. With `limit`, the last `limit` of them recorded:
        read from the newest segment backwards, stopping there (the scan also stops at a
        sealed segment that ends before the window)."""
        wanted = {"task_id": task_id, "session_id": session_id, "model": model, "role": role}
        wanted = {k: v for k, v in wanted.items() if v is not None}
        kind = event_type.lower() if event_type else None
        since = since_hours(hours)

        def keep(e: dict[str, Any]) -> bool:
            return (
                (kind is None or e["event_type"] == kind)
                and (since is None or e["timestamp"] >= since)
                and all(e.get(k) == v for k, v in wanted.items())
            )

        if limit:
            found = self._last(limit, keep, since)
        else:
            found = [e for e in self.iter_events(hours) if keep(e)]
        found.sort(key=lambda e: str(e["timestamp"]))
        return found

    def _last(
        self, limit: int, keep: Callable[[dict[str, Any]], bool], since: str | None
    ) -> list[dict[str, Any]]:
        from brgit.telemetry.aggregate import known_end
        from brgit.telemetry.tail import last_records

        tel = self.telemetry
        self.last_read = stats = ReadStats()

        def before_window(seg: Segment) -> bool:
            if since is None:
                return False
            end = known_end(seg, tel.aggregates_dir)
            if end is None and seg.sealed_at is not None:  # records were written before
                end = seg.sealed_at.isoformat()
            return end is not None and end < since

        return last_records(tel.stream("events"), limit, events.load, keep, stats, before_window)
