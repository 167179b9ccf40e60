"""Lane velocity: how long tasks wait, work and merge, from their status events.

A task's life is one timeline of `task_status_changed` events, from `pending` to `merged` or
`ejected`. brgit's pipeline has three lanes:

- **wait**: `ready` -> `running` (dependencies done, waiting for a worker);
- **work**: `running` -> `completed` (the agent, its commit and the task's verify);
- **merge**: `completed` -> `merged` or `ejected` (the merge train, its verify included).

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
from typing import Any

from brgit.telemetry.metrics import percentile

WAIT, WORK, MERGE = "wait", "work", "merge"
LANES = (WAIT, WORK, MERGE)
ENTERS = {"ready": WAIT, "running": WORK, "completed": MERGE}  # status -> lane it starts
ENDS = {WAIT: frozenset({"running"}), WORK: frozenset({"completed"}),
        MERGE: frozenset({"merged", "ejected"})}  # fmt: skip
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
    millis = Counter(round(s.seconds * 1000) for s in found)
    sources = sorted({s.source for s in found})
    median, p90 = percentile(millis, 50), percentile(millis, 90)
    return LaneVelocity(
        lane,
        len(found),
        None if median is None else median / 1000,
        None if p90 is None else p90 / 1000,
        "+".join(sources) if sources else EVENTS,
    )


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
