"""Schema versions on disk (`br db status`) and rewriting old segments (`br db migrate`).

Old records are upgraded on every read anyway; migrating makes the files themselves current so
other tools (DuckDB, jq, an OTLP pipeline) see one shape. A segment is rewritten to a temporary
file, fsynced and renamed over the old one under the stream's exclusive lock, so a crash leaves
either the old or the new segment, never half of one. Lines that cannot be parsed are not
dropped: they are copied to `quarantine/<segment>.lines` first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brgit.telemetry import events, ledger
from brgit.telemetry.reader import ReadStats, Segment, parse_line, read_segment
from brgit.telemetry.settings import Telemetry
from brgit.telemetry.store import SegmentStore

Upgrader = Callable[[dict[str, Any]], dict[str, Any]]
STREAMS: dict[str, tuple[int, Upgrader]] = {
    "events": (events.SCHEMA_VERSION, events.upgrade),
    "costs": (1, ledger.upgrade_cost),
}


@dataclass
class SegmentStatus:
    stream: str
    name: str
    live: bool
    compressed: bool
    records: int
    corrupt_lines: int
    versions: dict[str, int]
    damaged: str | None = None


@dataclass
class DbStatus:
    directory: Path
    current_versions: dict[str, int]
    versions_on_disk: dict[str, dict[str, int]]
    segments: list[SegmentStatus] = field(default_factory=list)
    legacy_files: list[str] = field(default_factory=list)
    needs_migration: bool = False


@dataclass
class MigrateResult:
    rewritten: list[str] = field(default_factory=list)
    records_upgraded: int = 0
    quarantined_lines: int = 0
    legacy_imported: list[str] = field(default_factory=list)


def legacy_files(tel: Telemetry) -> dict[str, Path]:
    """Files the foundation version wrote before segments existed, by stream."""
    candidates = {
        "events": tel.directory / "events.jsonl",
        "costs": tel.directory.parent / "costs" / "ledger.jsonl",
    }
    return {k: p for k, p in candidates.items() if p.is_file()}


def _segment_status(stream: str, seg: Segment) -> SegmentStatus:
    stats = ReadStats()
    versions: Counter[str] = Counter()
    with seg.path.open("rb") as handle:
        for record in read_segment(seg, handle, stats):
            versions[str(record.get("schema_version", 0))] += 1
    damaged = stats.bad_segments[0] if stats.bad_segments else None
    return SegmentStatus(stream, seg.name, not seg.sealed, seg.compressed, stats.records,
                         stats.corrupt_lines, dict(sorted(versions.items())), damaged)  # fmt: skip


def status(tel: Telemetry) -> DbStatus:
    out = DbStatus(tel.directory, {k: v for k, (v, _) in STREAMS.items()}, {})
    for stream, (current, _) in STREAMS.items():
        totals: Counter[str] = Counter()
        for seg in tel.stream(stream).segments():
            seg_status = _segment_status(stream, seg)
            out.segments.append(seg_status)
            totals.update(seg_status.versions)
        out.versions_on_disk[stream] = dict(sorted(totals.items()))
        if any(v != str(current) for v in totals):
            out.needs_migration = True
    out.legacy_files = [str(p) for p in legacy_files(tel).values()]
    out.needs_migration = out.needs_migration or bool(out.legacy_files)
    return out


def _upgraded_lines(
    handle_lines: Any, upgrade: Upgrader, result: MigrateResult,
    quarantine: list[bytes],
) -> list[bytes]:  # fmt: skip
    out = []
    for raw in handle_lines:
        stats = ReadStats()
        records = list(parse_line(raw, stats))
        if stats.corrupt_lines:
            quarantine.append(raw if raw.endswith(b"\n") else raw + b"\n")
        for record in records:
            if record.get("schema_version") != 1:
                result.records_upgraded += 1
            out.append(events.encode(upgrade(record)))
    return out


def _needs_rewrite(seg: Segment, current: int) -> bool:
    stats = ReadStats()
    with seg.path.open("rb") as handle:
        return any(
            r.get("schema_version", 0) != current for r in read_segment(seg, handle, stats)
        ) or bool(stats.corrupt_lines)


def migrate(tel: Telemetry) -> MigrateResult:
    """Rewrite every segment holding old-version records; import legacy files."""
    result = MigrateResult()
    for stream, (current, upgrade) in STREAMS.items():
        store = tel.stream(stream)
        store.rotate(force=True)  # seal the live segment so it can be rewritten safely too
        with store.exclusive():
            for seg in [s for s in store.segments() if s.sealed]:
                if _needs_rewrite(seg, current):
                    _rewrite(store, seg, upgrade, tel, result)
            legacy = legacy_files(tel).get(stream)
            if legacy is not None:
                _import_legacy(store, legacy, upgrade, tel, result)
    return result


def _rewrite(store: SegmentStore, seg: Segment, upgrade: Upgrader,
             tel: Telemetry, result: MigrateResult) -> None:  # fmt: skip
    import gzip

    quarantine: list[bytes] = []
    opener = gzip.open if seg.compressed else open
    with opener(seg.path, "rb") as handle:
        lines = _upgraded_lines(handle, upgrade, result, quarantine)
    _save_quarantine(tel, seg.name, quarantine, result)
    target = store.write_sealed(lines, replace=seg)
    (tel.aggregates_dir / f"{seg.name}.json").unlink(missing_ok=True)
    (tel.aggregates_dir / f"{target.name}.json").unlink(missing_ok=True)
    result.rewritten.append(target.name)


def _import_legacy(store: SegmentStore, legacy: Path, upgrade: Upgrader,
                   tel: Telemetry, result: MigrateResult) -> None:  # fmt: skip
    quarantine: list[bytes] = []
    with legacy.open("rb") as handle:
        lines = _upgraded_lines(handle, upgrade, result, quarantine)
    _save_quarantine(tel, legacy.name, quarantine, result)
    target = store.write_sealed(lines)
    legacy.unlink()
    result.legacy_imported.append(f"{legacy} -> {target.name}")


def _save_quarantine(tel: Telemetry, name: str, lines: list[bytes], result: MigrateResult) -> None:
    if not lines:
        return
    folder = tel.directory / "quarantine"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{name}.lines").open("ab") as out:
        out.write(b"".join(lines))
    result.quarantined_lines += len(lines)
