"""Lane velocity: how long tasks wait, work and merge, from their status events.

A task's life is one timeline of `task_status_changed` events, from `pending` to `merged` or
`ejected`. brgit's pipeline has three lanes:

- **wait**: `ready` -> `running` (dependencies done, waiting for a worker);
- **work**: `running` -> `completed` (the agent, its commit and the task's verify);
- **merge**: `completed` -> `merged`, `ejected` or `no_changes` (the merge train, its verify
  included; `verified` and `verify_failed` happen inside the lane).

A lane's time for one task runs from the event that put the task in the lane to the first
event that took it to the lane's end; a task that left the lane another way (`running` ->
`failed`) adds no time to it. Where a task has no status events (telemetry written before
they existed), its `task_completed` event's `duration_ms` stands for its work lane.

    velocity(events, by_model=True) -> Velocity     # events: stored event dicts
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from brgit.telemetry.metrics import percentile
from brgit.view import Table, View

if TYPE_CHECKING:
    from brgit.telemetry.collector import EventCollector

WAIT, WORK, MERGE = "wait", "work", "merge"
LANES = (WAIT, WORK, MERGE)
ENTERS = {"ready": WAIT, "running": WORK, "completed": MERGE}  # status -> lane it starts
ENDS = {WAIT: frozenset({"running"}), WORK: frozenset({"completed"}),
        MERGE: frozenset({"merged", "ejected", "no_changes"})}  # fmt: skip
STATUS_EVENT = "task_status_changed"
DONE_EVENT = "task_completed"
EVENTS = "events"  # where a lane's figures came from
DURATIONS = "durations"


def lane_of(status: str) -> str | None:
    """The lane a task enters when its status becomes `status` (None: none)."""
    return ENTERS.get(status)


@dataclass(frozen=True)
class Span:
    """One task's time in one lane."""

    lane: str
    seconds: float
    session: str
    task_id: str
    model: str | None = None
    agent: str | None = None
    source: str = EVENTS


@dataclass
class LaneVelocity:
    lane: str
    count: int
    median_seconds: float | None
    p90_seconds: float | None
    source: str  # events | durations | events+durations


@dataclass
class Velocity:
    days: float | None
    lanes: list[LaneVelocity]
    by_model: dict[str, list[LaneVelocity]] = field(default_factory=dict)
    by_agent: dict[str, list[LaneVelocity]] = field(default_factory=dict)

    def lane(self, name: str) -> LaneVelocity:
        return next(v for v in self.lanes if v.lane == name)

    def to_dict(self, *, by_model: bool = False) -> dict[str, Any]:
        """The JSON of `br telemetry velocity`: `lanes` and `by_agent`, and `by_model` when
        asked for."""
        def rows(lanes: list[LaneVelocity]) -> list[dict[str, Any]]:
            return [vars(lane) for lane in lanes]

        data: dict[str, Any] = {"days": self.days, "lanes": rows(self.lanes)}
        data["by_agent"] = {k: rows(v) for k, v in self.by_agent.items()}
        if by_model:
            data["by_model"] = {k: rows(v) for k, v in self.by_model.items()}
        return data

    def view(self, *, by_model: bool = False) -> View:
        columns = ["Lane", "Tasks", "Median s", "P90 s", "From"]
        tables = [Table(columns, _rows(self.lanes), title="All tasks")]
        groups = [("Agent", self.by_agent)] + ([("Model", self.by_model)] if by_model else [])
        for label, grouped in groups:
            rows = [[key, *row] for key, lanes in grouped.items() for row in _rows(lanes)]
            tables.append(Table([label, *columns], rows, title=f"By {label.lower()}"))
        span = f"last {self.days:g} days" if self.days else "all history"
        empty = not any(lane.count for lane in self.lanes)
        lines = ["No task times in this window."] if empty else []
        return View(title=f"Lane velocity ({span})", tables=tables, lines=lines)


def _rows(lanes: list[LaneVelocity]) -> list[list[Any]]:
    def shown(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    return [[v.lane, v.count, shown(v.median_seconds), shown(v.p90_seconds), v.source]
            for v in lanes if v.count]  # fmt: skip


def velocity(
    events: Iterable[Mapping[str, Any]], *, days: float | None = None, by_model: bool = False
) -> Velocity:
    """Per-lane counts, medians and p90s from stored events (any order), by agent, and by
    model when asked."""
    found = spans(events)
    result = Velocity(days, lane_stats(found))
    result.by_agent = _grouped(found, "agent")
    if by_model:
        result.by_model = _grouped(found, "model")
    return result


def _grouped(found: list[Span], attr: str) -> dict[str, list[LaneVelocity]]:
    groups: dict[str, list[Span]] = {}
    for span in found:
        groups.setdefault(getattr(span, attr) or "-", []).append(span)
    return {key: lane_stats(values) for key, values in sorted(groups.items())}


def lane_stats(found: Iterable[Span]) -> list[LaneVelocity]:
    per_lane: dict[str, list[Span]] = {lane: [] for lane in LANES}
    for span in found:
        per_lane[span.lane].append(span)
    return [_stats(lane, per_lane[lane]) for lane in LANES]


def _stats(lane: str, found: list[Span]) -> LaneVelocity:
    sources = sorted({s.source for s in found})
    return lane_velocity(lane, [s.seconds for s in found], "+".join(sources) or EVENTS)


def lane_velocity(lane: str, seconds: Iterable[float], source: str) -> LaneVelocity:
    """Count, median and p90 (nearest rank, to the millisecond) of one lane's times."""
    millis = Counter(round(s * 1000) for s in seconds)
    median, p90 = percentile(millis, 50), percentile(millis, 90)
    return LaneVelocity(
        lane,
        sum(millis.values()),
        None if median is None else median / 1000,
        None if p90 is None else p90 / 1000,
        source,
    )


def read_velocity(collector: EventCollector, days: float, *, by_model: bool = False) -> Velocity:
    """Velocity over the last `days` days of the collector's events."""
    wanted = (STATUS_EVENT, DONE_EVENT)
    events = (e for e in collector.iter_events(hours=days * 24) if e.get("event_type") in wanted)
    return velocity(events, days=days, by_model=by_model)


def spans(events: Iterable[Mapping[str, Any]]) -> list[Span]:
    """Every task's lane times: from status events, else (work lane) task durations."""
    timelines: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    durations: dict[tuple[str, str], Mapping[str, Any]] = {}
    for event in events:
        kind, key = event.get("event_type"), _key(event)
        if key is None:
            continue
        if kind == STATUS_EVENT:
            timelines.setdefault(key, []).append(event)
        elif kind == DONE_EVENT and event.get("duration_ms") is not None:
            durations[key] = event
    found: list[Span] = []
    for key, timeline in timelines.items():
        found.extend(_walk(key, sorted(timeline, key=lambda e: str(e.get("timestamp", "")))))
    worked = {(s.session, s.task_id) for s in found if s.lane == WORK}
    for key, event in durations.items():
        if key not in worked:
            seconds = float(event["duration_ms"]) / 1000
            found.append(Span(WORK, seconds, *key, event.get("model"), event.get("agent"),
                              DURATIONS))  # fmt: skip
    return found


def _key(event: Mapping[str, Any]) -> tuple[str, str] | None:
    """(session, task): the session's name (the train records it as its session)."""
    task = event.get("task_id")
    data = event.get("data") or {}
    session = data.get("session") or data.get("session_name") or event.get("session_id")
    return (str(session), str(task)) if task and session else None


def _walk(key: tuple[str, str], timeline: list[Mapping[str, Any]]) -> list[Span]:
    entered: dict[str, tuple[dt.datetime, Mapping[str, Any]]] = {}
    found: list[Span] = []
    for event in timeline:
        data = event.get("data") or {}
        to, at = str(data.get("to_status", "")), _time(event.get("timestamp"))
        if at is None:
            continue
        for name, (since, first) in list(entered.items()):
            if to in ENDS[name]:
                seconds = max(0.0, (at - since).total_seconds())
                model = event.get("model") or first.get("model")
                agent = event.get("agent") or first.get("agent")
                found.append(Span(name, seconds, *key, model, agent))
                del entered[name]
            elif name != MERGE:
                del entered[name]  # left the lane another way (failed, blocked, stopped)
        lane = lane_of(to)
        if lane is not None:
            entered[lane] = (at, event)
    return found


def _time(stamp: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return None
