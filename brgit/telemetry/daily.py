"""What one segment of the cost ledger adds to the spend, per UTC day: what the spend index
(`brgit.telemetry.spend`) keeps of each segment, in memory and in `spend/<segment>.json`."""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from brgit.telemetry.ledger import load_cost, row_of
from brgit.telemetry.money import Group, Money, Row, Tally
from brgit.telemetry.reader import ReadStats


@dataclass
class DaySpend:
    """One UTC day of a segment: the lowest and highest timestamp text it covers, its USD,
    and per model its requests, USD and tokens."""

    low: str
    high: str
    money: Money = field(default_factory=Money)
    groups: dict[str, Group] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    versions: set[str] = field(default_factory=set)

    def add(self, row: Row) -> None:
        if row.ts < self.low:
            self.low = row.ts
        elif row.ts > self.high:
            self.high = row.ts
        self.money.add(row.cost)
        self.groups.setdefault(row.name, Group()).add(row)
        if row.unknown is not None:
            self.unknown.add(row.unknown)
        if row.version is not None:
            self.versions.add(row.version)

    def to_list(self) -> list[Any]:
        groups = {name: group.to_list() for name, group in self.groups.items()}
        return [*self.money.to_list(), self.low, self.high, groups, sorted(self.unknown),
                sorted(self.versions)]  # fmt: skip

    @classmethod
    def from_list(cls, data: Any) -> DaySpend:
        """Raises TypeError or ValueError unless `data` is what `to_list` gave."""
        m, e, special, low, high, groups, unknown, versions = data
        texts = [low, high, *unknown, *versions]
        if not all(type(t) is str for t in texts) or type(groups) is not dict:
            raise ValueError("bad day")
        parsed = {str(name): Group.from_list(g) for name, g in groups.items()}
        return cls(low, high, Money.from_list(m, e, special), parsed, set(unknown), set(versions))


@dataclass
class SegmentSpend:
    """What one segment adds to the spend: by day (the first 10 characters of `timestamp`),
    with the idempotency keys that de-duplication against later records needs and what the
    read skipped."""

    days: dict[str, DaySpend] = field(default_factory=dict)
    keys: list[Any] = field(default_factory=list)
    stats: ReadStats = field(default_factory=ReadStats)

    def add(self, row: Row) -> None:
        day = self.days.get(row.ts[:10])
        if day is None:
            day = self.days[row.ts[:10]] = DaySpend(row.ts, row.ts)
        day.add(row)

    def whole_days(self, since: str | None) -> tuple[list[DaySpend], bool]:
        """The days whose every record is at or after `since` (None: all), and False when
        the day of `since` holds records on both sides of it (the caller adds that share)."""
        first = since[:10] if since is not None else ""
        whole, exact = [], True
        for day, spend in self.days.items():
            if since is None or day > first or (day == first and spend.low >= since):
                whole.append(spend)
            elif day == first and spend.high >= since:
                exact = False
        return whole, exact

    def add_since(self, since: str | None, out: Money) -> bool:
        """Add the USD at or after `since` to `out`; see `whole_days` for the result."""
        whole, exact = self.whole_days(since)
        for spend in whole:
            out.merge(spend.money)
        return exact

    def tally_since(self, since: str | None, out: Tally) -> bool:
        """Add the summary of the records at or after `since` to `out`; as `add_since`."""
        whole, exact = self.whole_days(since)
        for spend in whole:
            out.add_day(spend.low[:10], spend.money, spend.groups, spend.unknown, spend.versions)
        return exact

    def to_payload(self) -> dict[str, Any]:
        days = {d: s.to_list() for d, s in self.days.items()}
        return {"stats": self.stats.to_dict(), "days": days, "keys": self.keys}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> SegmentSpend:
        """Raises KeyError, TypeError or ValueError on anything malformed."""
        days = {}
        for day, spend in data["days"].items():
            days[day] = parsed = DaySpend.from_list(spend)
            if not (parsed.low[:10] == parsed.high[:10] == day):
                raise ValueError("bad day")
        keys = list(data["keys"])
        if not all(type(k) is str for k in keys):
            raise ValueError("bad keys")
        return cls(days, keys, ReadStats.from_dict(data["stats"]))


def first_seen(
    records: Iterable[dict[str, Any]],
    stats: ReadStats,
    local: set[Any],
    known: Collection[Any] = (),
) -> Iterator[Row]:
    """The row of each valid record whose idempotency key is not in `local` (nor `known`),
    adding it to `local`: the rules of `CostTracker.records()`. A record without a key is
    never de-duplicated (its row's key is None)."""
    for raw in records:
        record = load_cost(raw, stats)
        if record is None:
            continue
        row = row_of(record)
        if row.key is not None:
            if row.key in local or row.key in known:
                continue
            local.add(row.key)
        yield row


def segment_spend(
    records: Iterable[dict[str, Any]], stats: ReadStats, exclude: Collection[Any] = ()
) -> SegmentSpend:
    """Spend of one segment's records, leaving out those whose key is in `exclude` (keys an
    earlier segment holds). `stats` is the one the records' reader fills."""
    out = SegmentSpend(stats=stats)
    for row in first_seen(records, stats, set()):
        if row.key is not None:
            out.keys.append(row.key)
            if row.key in exclude:
                continue
        out.add(row)
    return out


@dataclass
class DayDetail:
    """One day's rows in timestamp order, with exact sums from each row to the last, for a
    period that starts inside the day."""

    rows: list[Row]
    stamps: list[str]
    tails: list[Money]

    @classmethod
    def of(cls, rows: Iterable[Row]) -> DayDetail:
        ordered = sorted(rows, key=lambda row: row.ts)
        tails, acc = [], Money()
        for row in reversed(ordered):
            acc.add(row.cost)
            tails.append(acc.copy())
        tails.reverse()
        return cls(ordered, [row.ts for row in ordered], tails)

    def since(self, since: str) -> Money:
        i = bisect.bisect_left(self.stamps, since)
        return self.tails[i] if i < len(self.tails) else Money()

    def rows_since(self, since: str) -> list[Row]:
        return self.rows[bisect.bisect_left(self.stamps, since) :]
