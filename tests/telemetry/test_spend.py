"""`CostTracker.spent()` reads only what changed, and always equals a full rescan of the ledger."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from brgit.core.usage import TokenUsage
from brgit.telemetry import costs, spend
from brgit.telemetry.costs import CostTracker
from brgit.telemetry.events import encode
from brgit.telemetry.ledger import Money
from brgit.telemetry.reader import ReadStats

from .conftest import write_config

PERIODS = ("day", "week", "month", "all")
NOW = dt.datetime.now(dt.UTC).replace(hour=12)  # mid-day: "day" has room on both sides


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Period starts computed from one fixed instant, so records can sit exactly on them."""
    real = costs.period_start
    monkeypatch.setattr(costs, "period_start", lambda period, now=None: real(period, NOW))


@pytest.fixture
def fresh_process() -> Callable[..., None]:
    """Make `tracker` forget its in-memory index, as a new process would start (disk caches
    stay). A tracker made afterwards starts with none: the index belongs to its Telemetry."""

    def forget(tracker: CostTracker | None = None) -> None:
        if tracker is not None:
            tracker.telemetry._spend = None

    return forget


def since(period: str) -> str | None:
    return costs.period_start(period)


def full_rescan(repo: Path, period: str) -> tuple[float, float, ReadStats]:
    """The old spent(): every record of `records("all")`, exactly summed (fsum) and naively
    summed as the old code did, and what the full read skipped."""
    tracker = CostTracker(repo)
    start = since(period)
    rows = [(str(r.get("timestamp", "")), float(r.get("cost_usd") or 0.0))
            for r in tracker.records("all")]  # fmt: skip
    costs_in = [c for ts, c in rows if start is None or ts >= start]
    return math.fsum(costs_in), sum(costs_in), tracker.last_read


def assert_matches(repo: Path, tracker: CostTracker | None = None) -> None:
    tracker = tracker or CostTracker(repo)
    for period in PERIODS:
        got = tracker.spent(period)
        exact, naive, stats = full_rescan(repo, period)
        assert got == exact, period
        assert math.isclose(got, naive, rel_tol=1e-12, abs_tol=1e-12), period
        assert tracker.last_read == stats, period


def store_of(tracker: CostTracker) -> Any:
    return tracker.telemetry.stream("costs")


def live(repo: Path) -> Path:
    return repo / ".buildrunner" / "telemetry" / "costs" / "current.jsonl"


def append_raw(repo: Path, data: bytes) -> None:
    live(repo).parent.mkdir(parents=True, exist_ok=True)
    with live(repo).open("ab") as f:
        f.write(data)


def usage(rng: random.Random, key: str | None = None) -> TokenUsage:
    """A call's usage; with `key`, one that shares its call id (the same call recorded again)
    with every other usage made with that key."""
    same = {"call_id": key} if key else {}
    return TokenUsage("sonnet", input_tokens=rng.randrange(1, 10**6),
                      output_tokens=rng.randrange(10**5), message_id=key, **same)  # fmt: skip


def stamp(rng: random.Random) -> str:
    """Anywhere in the last 40 days, often exactly on (or a microsecond off) a period start."""
    if rng.random() < 0.3:
        edge = dt.datetime.fromisoformat(since(rng.choice(PERIODS[:3])) or "")
        return (edge + dt.timedelta(microseconds=rng.choice((-1, 0, 0, 1)))).isoformat()
    return (NOW - dt.timedelta(days=rng.uniform(0, 40))).isoformat()


ODD_LINES = [
    b'{"schema_version":1,"timestamp":"' + NOW.date().isoformat().encode() + b'","cost_usd":1.5}\n',
    b'{"schema_version":1,"cost_usd":0.25}\n',  # no timestamp
    b'{"schema_version":1,"timestamp":12345,"cost_usd":"0.75","idempotency_key":""}\n',
    b'{"schema_version":1,"timestamp":"' + NOW.isoformat().encode() + b'","cost_usd":null}\n',
    b"not json at all\n",
    b"[1, 2]\n",
]


def old_segment(directory: Path, n: int, records: list[dict[str, Any]]) -> None:
    """A sealed segment whose name says 2020: the next rotation's retention deletes it."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"costs-20200101T00000000000{n}Z-1-{n}.jsonl.gz"
    (directory / name).write_bytes(gzip.compress(b"".join(encode(r) for r in records)))


def test_random_history_always_equals_a_full_rescan(repo: Path, fresh_process: Any) -> None:
    write_config(repo, "[telemetry]\nmax_file_bytes = 2500\nretention_days = 30\n")
    rng = random.Random(20261122)
    tracker = CostTracker(repo)
    folder = live(repo).parent
    for step in range(160):
        roll = rng.random()
        if roll < 0.55:
            key = f"msg_{rng.randrange(40)}" if rng.random() < 0.6 else None
            tracker.track_usage(usage(rng, key), finished_at=stamp(rng))
        elif roll < 0.7:
            append_raw(repo, rng.choice(ODD_LINES))
        elif roll < 0.78:
            store_of(tracker).rotate(force=True)
        elif roll < 0.84:  # an old segment repeating keys of later records, then retention
            records = [tracker.price_record(usage(rng, f"msg_{rng.randrange(40)}"),
                                            finished_at=stamp(rng)) for _ in range(3)]  # fmt: skip
            old_segment(folder, step % 10, records)
            assert_matches(repo, tracker)
            store_of(tracker).rotate(force=True)
        elif roll < 0.9:  # a writer cut short: half a record now, the rest (or not) later
            line = encode(tracker.price_record(usage(rng), finished_at=stamp(rng)))
            cut = rng.randrange(1, len(line))
            append_raw(repo, line[:cut])
            assert_matches(repo, tracker)
            if rng.random() < 0.7:
                append_raw(repo, line[cut:])
        elif roll < 0.95:
            fresh_process(tracker)
        else:
            for cache in (folder.parent / "spend").glob("*.json"):
                cache.unlink()
        assert_matches(repo, tracker)
    assert len([p for p in folder.iterdir() if p.name.endswith(".gz")]) > 10


WRITER = """
import sys
from pathlib import Path
from brgit.core.usage import TokenUsage
from brgit.telemetry.costs import CostTracker
tracker = CostTracker(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    tracker.track_usage(TokenUsage("sonnet", output_tokens=100_000, message_id=f"w{i}"))
assert tracker.errors == 0
"""


def test_second_process_appends_and_rotates_while_spent_reads(repo: Path) -> None:
    write_config(repo, "[telemetry]\nmax_file_bytes = 6000\n")
    count = 400
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(repo), str(count)])
    tracker = CostTracker(repo)
    values = [tracker.spent("month")]
    while writer.poll() is None:
        values.append(tracker.spent("month"))
    assert writer.wait(timeout=60) == 0
    values.append(tracker.spent("month"))
    exact, _, stats = full_rescan(repo, "month")
    assert values[-1] == exact == math.fsum([1.0] * count)  # $1.00 a call, each counted once
    assert values == sorted(values)  # never a record twice, never one lost and found again
    assert stats.corrupt_lines == 0 and tracker.last_read == stats
    assert len(list(live(repo).parent.glob("*.gz"))) > 5


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many sealed segments spent() read and how many live lines it parsed."""
    counts = {"segments": 0, "lines": 0}
    read_segment, parse_lines = spend.read_segment, spend.parse_lines

    def count_segments(*args: Any) -> Iterator[dict[str, Any]]:
        counts["segments"] += 1
        return read_segment(*args)

    def count_lines(lines: list[bytes], stats: ReadStats) -> Iterator[dict[str, Any]]:
        counts["lines"] += len([raw for raw in lines if raw.strip()])
        return parse_lines(lines, stats)

    monkeypatch.setattr(spend, "read_segment", count_segments)
    monkeypatch.setattr(spend, "parse_lines", count_lines)
    return counts


def test_an_append_reads_one_line_and_a_rotation_one_segment(
    repo: Path, reads: dict[str, int], fresh_process: Any
) -> None:
    tracker, rng = CostTracker(repo), random.Random(3)
    for i in range(40):  # sealed segments of 5 records, 5 more in the live one
        tracker.track_usage(usage(rng), finished_at=stamp(rng))
        if i % 5 == 4 and i < 35:
            store_of(tracker).rotate(force=True)
    sealed = len(list(live(repo).parent.glob("*.gz")))
    assert sealed == 7
    assert_matches(repo, tracker)
    reads.update(segments=0, lines=0)
    tracker.track_usage(usage(rng))
    assert tracker.spent("week") == full_rescan(repo, "week")[0]
    assert reads == {"segments": 0, "lines": 1}
    store_of(tracker).rotate(force=True)
    tracker.track_usage(usage(rng))
    assert tracker.spent("month") == full_rescan(repo, "month")[0]
    assert reads["segments"] <= 2  # the new segment, and a day read again if a period starts in it
    assert reads["lines"] == 2  # the new live segment, read from its start
    fresh_process()  # a new process: every sealed segment comes from its cache
    reads.update(segments=0, lines=0)
    assert CostTracker(repo).spent("all") == full_rescan(repo, "all")[0]
    assert reads["segments"] == 0 and sealed + 1 == len(list(live(repo).parent.glob("*.gz")))


def test_a_last_line_without_newline_is_read_again_next_time(repo: Path) -> None:
    tracker, rng = CostTracker(repo), random.Random(5)
    for _ in range(3):
        tracker.track_usage(usage(rng))
    half = encode(tracker.price_record(usage(rng)))
    append_raw(repo, half[:40])  # a writer halfway through its record
    assert_matches(repo, tracker)
    assert tracker.last_read.corrupt_lines == 1 and tracker.last_read.records == 3
    append_raw(repo, half[40:])
    assert_matches(repo, tracker)
    assert tracker.last_read.corrupt_lines == 0 and tracker.last_read.records == 4
    whole = encode(tracker.price_record(usage(rng)))
    append_raw(repo, whole[:-1])  # everything but the newline: a record, counted as today
    assert_matches(repo, tracker)
    append_raw(repo, b"\n")
    tracker.track_usage(usage(rng))
    assert_matches(repo, tracker)  # counted once, not once more now that its line is whole
    assert tracker.last_read.records == 6


def test_a_file_rewritten_in_place_is_read_again(repo: Path) -> None:
    tracker, rng = CostTracker(repo), random.Random(7)
    for _ in range(4):
        tracker.track_usage(usage(rng))
    assert_matches(repo, tracker)
    other = b"".join(encode(tracker.price_record(usage(rng))) for _ in range(9))
    with live(repo).open("r+b") as f:  # same inode, larger than what was read
        f.truncate(0)
        f.write(other)
    assert_matches(repo, tracker)
    live(repo).write_bytes(other[:100])  # truncated below what was read
    assert_matches(repo, tracker)


def test_a_damaged_gzip_segment_is_skipped_counted_and_left_alone(
    repo: Path, fresh_process: Any, reads: dict[str, int]
) -> None:
    write_config(repo, "[telemetry]\nmax_file_bytes = 10000000\n")
    tracker, rng = CostTracker(repo), random.Random(11)
    noise = random.Random(7)
    for i in range(3000):  # incompressible: the damage sits beyond the first chunks read
        tracker.track_usage(usage(rng, f"m{i}"), agent_id=noise.randbytes(40).hex())
    sealed = store_of(tracker).rotate(force=True)
    assert sealed is not None
    for i in range(5):
        tracker.track_usage(usage(rng, f"n{i}"))
    data = bytearray(sealed.read_bytes())
    assert len(data) > 3 * 65536
    data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64
    sealed.write_bytes(bytes(data))
    assert_matches(repo, tracker)
    assert len(tracker.last_read.bad_segments) == 1
    assert sealed.name in tracker.last_read.bad_segments[0]
    assert 5 < tracker.last_read.records < 3005
    assert sealed.read_bytes() == bytes(data)  # nothing stored is touched
    fresh_process()
    reads.update(segments=0)
    again = CostTracker(repo)
    assert again.spent("all") == full_rescan(repo, "all")[0]
    assert reads["segments"] == 0 and again.last_read == tracker.last_read  # from the cache


def test_a_key_repeated_across_segments_counts_once_and_retention_moves_it(repo: Path) -> None:
    tracker = CostTracker(repo)
    tracker.track_usage(TokenUsage("sonnet", output_tokens=700_000, call_id="k"))  # $7.00
    tracker.track_usage(TokenUsage("sonnet", output_tokens=100_000))
    assert tracker.spent("week") == pytest.approx(8.0)
    first = tracker.price_record(TokenUsage("sonnet", output_tokens=500_000, call_id="k"))
    old_segment(live(repo).parent, 1, [first])  # $5.00: now the first record of key k
    assert tracker.spent("week") == pytest.approx(6.0)  # the live one's $7 no longer counts
    assert_matches(repo, tracker)
    store_of(tracker).rotate(force=True)  # seals the live one; retention drops the 2020 one
    assert tracker.spent("week") == pytest.approx(8.0)
    assert_matches(repo, tracker)


def test_stale_or_broken_caches_are_rebuilt_and_orphans_pruned(
    repo: Path, fresh_process: Any, reads: dict[str, int]
) -> None:
    tracker, rng = CostTracker(repo), random.Random(13)
    for _ in range(3):
        for _ in range(5):
            tracker.track_usage(usage(rng))
        store_of(tracker).rotate(force=True)
    assert_matches(repo, tracker)
    caches = sorted((tracker.telemetry.directory / "spend").glob("*.json"))
    assert len(caches) == 3
    payload = json.loads(caches[0].read_text())
    caches[0].write_text(json.dumps(payload | {"version": 0}))  # an older format
    caches[1].write_text("{ not json")
    rewritten = json.loads(caches[2].read_text())  # its segment rewritten, same size
    rewritten["ident"][2] -= 1
    caches[2].write_text(json.dumps(rewritten | {"days": {}}))
    orphan = caches[0].with_name("costs-20200101T000000000000Z-1-1.jsonl.gz.json")
    orphan.write_text(json.dumps(payload))
    fresh_process()
    reads.update(segments=0)
    assert_matches(repo)
    assert reads["segments"] == 3 and not orphan.exists()
    assert json.loads(caches[0].read_text())["version"] == spend.SPEND_VERSION


def test_money_is_exact_whatever_the_grouping() -> None:
    rng = random.Random(17)
    values = [rng.uniform(-1, 1) * 10 ** rng.randrange(-300, 300) for _ in range(2000)]
    values += [5e-324, -5e-324, 1e308, -1e308, 1e300]
    total = Money()
    parts = [Money() for _ in range(7)]
    for v in values:
        total.add(v)
        rng.choice(parts).add(v)
    merged = Money()
    for part in parts:
        merged.merge(Money.from_list(*part.to_list()))
    assert total.value() == merged.value() == math.fsum(values)
    special = Money()
    for v in (1.0, math.inf, 2.0):
        special.add(v)
    assert special.value() == math.inf
    special.add(-math.inf)
    assert math.isnan(special.value())


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p | {"days": []},
        lambda p: p | {"stats": {**p["stats"], "records": float("inf")}},
        lambda p: p | {"days": {k: {"a": 1} for k in p["days"]}},
    ],
)
def test_a_cache_damaged_in_any_shape_is_rebuilt(repo: Path, damage: Any) -> None:
    tracker = CostTracker(repo)
    for i in range(3):
        tracker.track_usage(TokenUsage("sonnet", output_tokens=100_000, message_id=f"m{i}"))
    tracker.telemetry.stream("costs").rotate(force=True)
    right = tracker.spent("week")
    cache = next((tracker.telemetry.directory / "spend").glob("*.json"))
    cache.write_text(json.dumps(damage(json.loads(cache.read_text()))))
    assert CostTracker(repo).spent("week") == right  # a new tracker: no index in memory
