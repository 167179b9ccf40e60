"""The per-segment aggregate cache: `aggregates/<segment>.json`, built once per sealed segment.

When many sealed segments have no cache yet (a first summary over a long history), they are
aggregated in parallel by a process pool, one worker per CPU.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from brgit.files import atomic_write
from brgit.telemetry.reader import ReadStats, Segment, read_segment

AGG_VERSION = 4  # bump whenever what a bucket counts changes
PARALLEL_FROM = 4  # uncached segments before a process pool is worth starting


def load(seg: Segment, cache_dir: Path, version: int = AGG_VERSION) -> dict[str, Any] | None:
    """The cached payload, if it exists and still matches the segment (by size). `version`:
    the stamp a payload must carry (other per-segment caches, such as the cost ledger's
    per-day spend in `spend/`, keep their payloads the same way with their own version)."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        data: dict[str, Any] = json.loads((cache_dir / f"{seg.name}.json").read_text("utf-8"))
        if data["version"] == version and data["size"] == seg.path.stat().st_size:
            return data
    return None


def compute(seg: Segment) -> dict[str, Any]:
    """Read a sealed segment once and aggregate it into hourly buckets."""
    from brgit.telemetry.aggregate import bucketize

    own = ReadStats()
    size = seg.path.stat().st_size
    with seg.path.open("rb") as handle:
        hours = bucketize(read_segment(seg, handle, own), own)
    return {"version": AGG_VERSION, "size": size, "stats": own.to_dict(),
            "hours": {k: b.to_dict() for k, b in hours.items()}}  # fmt: skip


def save(seg: Segment, cache_dir: Path, payload: dict[str, Any]) -> None:
    cache = cache_dir / f"{seg.name}.json"
    with contextlib.suppress(OSError):  # a read-only store just recomputes next time
        atomic_write(cache, json.dumps(payload, separators=(",", ":")), durable=False)


def warm(sealed: list[Segment], cache_dir: Path) -> dict[str, Any]:
    """Aggregate uncached segments in parallel; return their payloads by segment name (also
    saved to the cache when the store is writable)."""
    missing = [s for s in sealed if load(s, cache_dir) is None]
    workers = min(os.cpu_count() or 1, len(missing))
    if len(missing) < PARALLEL_FROM or workers < 2:
        return {}
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            payloads = list(pool.map(_compute_safe, missing, chunksize=4))
    except (OSError, RuntimeError, ValueError):
        return {}  # no pool here: segments are aggregated one by one instead
    out = {}
    for seg, payload in zip(missing, payloads, strict=True):
        if payload is not None:
            save(seg, cache_dir, payload)
            out[seg.name] = payload
    return out


def _compute_safe(seg: Segment) -> dict[str, Any] | None:
    try:
        return compute(seg)
    except OSError:
        return None  # removed meanwhile: the caller skips it
