"""Budget-check benchmark: `CostTracker.spent()` on a long cost ledger, old way against new.

    python bench/bench_costs.py [--records 200000] [--runs 7] [--write]

A ledger of N cost records (default 200k, spread over the last 29 days in time order) is
written through the real store (1 MB segments, gzip when sealed), then `spent("week")` is
timed in the situations a long `br run` meets:

- first call in a process: the old way reads the whole ledger; the new way either reads it
  too (cold: no `spend/` caches yet) or loads the per-segment caches (a new process after
  another one has summarised the segments);
- after one more append: the old way's cache (keyed by every segment's size and mtime) is
  invalidated, so it reads the whole ledger again; the new way reads the new line;
- a budget check after one more append: `spent()` for day, week and month, as
  `brgit.routing.budget.read_budget` calls it.

The old way is the previous `spent()` reproduced here: a from-scratch sum over
`records("all")`, cached until any segment's (name, size, mtime) changes. Every figure is
the median of `--runs` runs, each from the same starting state; results go to stdout and,
with --write, into the "Budget checks" section of docs/performance/telemetry.md.

Then `br routing costs --period month` is run as a real process (wall time and peak memory)
on the same ledger: cold (no `spend/` caches) and warm, against the plain full scan it
replaced (`ledger.summarize` over `records("month")`, every record parsed and de-duplicated
on each call). Both must report the same request count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from brgit.core.usage import TokenUsage  # noqa: E402
from brgit.telemetry import costs  # noqa: E402
from brgit.telemetry.costs import CostTracker  # noqa: E402
from brgit.telemetry.events import encode  # noqa: E402
from brgit.telemetry.store import SegmentStore  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bench_telemetry import run_measured  # noqa: E402

SECTION = "## Budget checks: `CostTracker.spent()`"
MODELS = ["sonnet", "haiku", "opus", "claude-sonnet-4-5"]


# ---------------------------------------------------------------- the old spent(), verbatim

_OLD: dict[Path, tuple[list[tuple[str, int, int]], list[tuple[str, float]]]] = {}


def old_spent(tracker: CostTracker, period: str) -> float:
    since = costs.period_start(period)
    return sum(cost for ts, cost in _old_rows(tracker) if since is None or ts >= since)


def _old_rows(tracker: CostTracker) -> list[tuple[str, float]]:
    store = tracker.telemetry.stream("costs")
    signature = []
    for seg in store.segments():
        try:
            st = seg.path.stat()
        except OSError:
            continue
        signature.append((seg.name, st.st_size, st.st_mtime_ns))
    cached = _OLD.get(store.directory)
    if cached is not None and cached[0] == signature:
        return cached[1]
    rows = [(str(r.get("timestamp", "")), float(r.get("cost_usd") or 0.0))
            for r in tracker.records("all")]  # fmt: skip
    _OLD[store.directory] = (signature, rows)
    return rows


FULL_SCAN_COSTS = """
import sys
from pathlib import Path
from brgit.telemetry.costs import CostTracker
from brgit.telemetry.ledger import summarize
summary = summarize("month", CostTracker(Path(sys.argv[1])).records("month"))
print(summary.request_count)
"""


ENV = {"PYTHONPATH": str(ROOT)}


def bench_command(repo: Path, runs: int) -> dict[str, Any]:
    """`br routing costs` cold and warm against the full scan, alternately; every sample
    (seconds, peak KiB) kept."""
    br = [sys.executable, "-m", "brgit", "routing", "costs", "--period", "month",
          "--format", "json"]  # fmt: skip
    scan = [sys.executable, "-c", FULL_SCAN_COSTS, str(repo)]
    shutil.rmtree(repo / ".buildrunner" / "telemetry" / "spend", ignore_errors=True)
    cold_s, cold_kib, out = run_measured(br, repo, ENV)
    count = json.loads(out)["request_count"]
    samples: dict[str, list[tuple[float, int]]] = {"br_warm": [], "full_scan": []}
    for _ in range(runs):
        took, kib, out = run_measured(br, repo, ENV)
        assert json.loads(out)["request_count"] == count, out[:200]
        samples["br_warm"].append((took, kib))
        took, kib, out = run_measured(scan, repo, ENV)
        assert int(out) == count, (out, count)
        samples["full_scan"].append((took, kib))
    result: dict[str, Any] = {"requests": count, "cold_s": cold_s, "cold_peak_mib": cold_kib / 1024,
                              "samples": samples}  # fmt: skip
    for name, pairs in samples.items():
        result[f"{name}_s"] = statistics.median(t for t, _ in pairs)
        result[f"{name}_peak_mib"] = statistics.median(k for _, k in pairs) / 1024
    return result


# ---------------------------------------------------------------- the ledger


def build_ledger(repo: Path, n: int) -> Path:
    """n priced records over the last 29 days, oldest first, through the real store."""
    tracker = CostTracker(repo)
    folder = tracker.telemetry.directory / "costs"
    store = SegmentStore(folder, "costs", max_bytes=1_000_000, retention_days=30)
    now = dt.datetime.now(dt.UTC)
    span = dt.timedelta(days=29).total_seconds()
    for i in range(n):
        usage = TokenUsage(MODELS[i % 4], input_tokens=1000 + i % 5000, output_tokens=i % 3000,
                           cache_read_tokens=(i * 7) % 20000, message_id=f"msg_{i:08d}",
                           request_id=f"req_{i:08d}")  # fmt: skip
        stamp = (now - dt.timedelta(seconds=span * (1 - i / n))).isoformat()
        record = tracker.price_record(usage, finished_at=stamp, command_name="run",
                                      task_id=f"task-{i % 997}", agent_id=f"w{i % 4}")  # fmt: skip
        assert store.append(encode(record))
    store.close()
    return folder


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def sample(
    runs: int, setup: Callable[[], None], measured: Callable[[], object]
) -> tuple[float, object]:
    """Median milliseconds of `measured` over `runs` runs, each after `setup`."""
    times, value = [], None
    for _ in range(runs):
        setup()
        start = time.perf_counter()
        value = measured()
        times.append(time.perf_counter() - start)
    return median_ms(times), value


def bench(repo: Path, runs: int) -> dict[str, Any]:
    """Both ways see the same period starts: "now" is frozen while they are timed."""
    real, now = costs.period_start, dt.datetime.now(dt.UTC)
    costs.period_start = lambda period, at=None: real(period, at or now)  # type: ignore[assignment]
    try:
        return _bench(repo, runs)
    finally:
        costs.period_start = real  # type: ignore[assignment]


def _bench(repo: Path, runs: int) -> dict[str, Any]:
    tracker = CostTracker(repo)
    spend_dir = tracker.telemetry.directory / "spend"
    one = TokenUsage("sonnet", input_tokens=1200, output_tokens=300)

    def append() -> None:
        tracker.track_usage(one, command_name="bench")

    def new_process() -> None:  # a new process starts with no index in memory
        tracker.telemetry._spend = None

    def cold() -> None:
        new_process()
        shutil.rmtree(spend_dir, ignore_errors=True)

    def budget(spent: Callable[[str], float]) -> Callable[[], float]:
        return lambda: sum(spent(p) for p in ("day", "week", "month"))

    def old_new_process() -> None:
        _OLD.clear()

    new = tracker.spent
    old = lambda period: old_spent(tracker, period)  # noqa: E731
    week = lambda f: lambda: f("week")  # noqa: E731
    out: dict[str, Any] = {}
    out["old_first_ms"], old_value = sample(runs, old_new_process, week(old))
    out["new_cold_first_ms"], new_value = sample(runs, cold, week(new))
    out["new_cached_first_ms"], _ = sample(runs, new_process, week(new))
    out["old_after_append_ms"], _ = sample(runs, append, week(old))
    out["new_after_append_ms"], _ = sample(runs, append, week(new))
    out["old_unchanged_ms"], _ = sample(runs, lambda: None, week(old))
    out["new_unchanged_ms"], _ = sample(runs, lambda: None, week(new))
    out["old_budget_check_after_append_ms"], _ = sample(runs, append, budget(old))
    out["new_budget_check_after_append_ms"], _ = sample(runs, append, budget(new))
    final_old, final_new = old_spent(tracker, "week"), tracker.spent("week")
    for a, b in ((old_value, new_value), (final_old, final_new)):  # the same up to rounding
        assert abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a))), (a, b)  # type: ignore[arg-type]
    out["week_usd"] = {"first_old": old_value, "first_new": new_value, "final": final_new}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="update docs/performance/telemetry.md")
    args = parser.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="brgit-bench-costs-"))
    try:
        repo = base / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        start = time.perf_counter()
        folder = build_ledger(repo, args.records)
        segments = sorted(p.name for p in folder.iterdir() if p.name.endswith(".jsonl.gz"))
        results: dict[str, Any] = {
            "machine": f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
            "records": args.records,
            "sealed_segments": len(segments),
            "ledger_bytes": sum(p.stat().st_size for p in folder.iterdir()),
            "build_s": time.perf_counter() - start,
            "runs": args.runs,
            **bench(repo, args.runs),
            "command": bench_command(repo, min(args.runs, 5)),
        }
        cache = folder.parent / "spend"
        results["spend_cache_bytes"] = sum(p.stat().st_size for p in cache.iterdir())
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(json.dumps(results, indent=2))
    if args.write:
        write_report(results)
    return 0


def report(r: dict[str, Any]) -> list[str]:
    def row(label: str, old: float, new: float) -> str:
        ratio = f"{old / new:,.0f}x" if old >= 10 * new else f"{old / new:.2f}x"
        return f"| {label} | {old:,.1f} | {new:,.2f} | {ratio} |"

    slower = r["new_cold_first_ms"] / r["old_first_ms"] - 1

    return [
        SECTION, "",
        f"Measured by `python bench/bench_costs.py --write` on {r['machine']}, "
        f"{dt.date.today().isoformat()}: `spent(\"week\")` on a ledger of {r['records']:,} cost "
        f"records ({r['sealed_segments']} sealed gzip segments of 1 MB plus the live one, "
        f"{r['ledger_bytes'] / 1e6:.0f} MB on disk). Medians of {r['runs']} runs, in ms.", "",
        "| call | old (full rescan) | new | old / new |", "|---|---|---|---|",
        row("first call in a process, no `spend/` caches yet", r["old_first_ms"],
            r["new_cold_first_ms"]),
        row("first call in a process, caches written by an earlier one", r["old_first_ms"],
            r["new_cached_first_ms"]),
        row("after one more append", r["old_after_append_ms"], r["new_after_append_ms"]),
        row("nothing new since the last call", r["old_unchanged_ms"], r["new_unchanged_ms"]),
        row("budget check (day + week + month) after one more append",
            r["old_budget_check_after_append_ms"], r["new_budget_check_after_append_ms"]),
        "",
        f"The `spend/` caches of all sealed segments take {r['spend_cache_bytes'] / 1e6:.1f} MB "
        "on disk (mostly the idempotency keys).",
        "",
        "- Old: the previous `spent()`, reproduced in the benchmark: a sum over "
        "`records(\"all\")`, cached until any segment's (name, size, mtime) changes, so after "
        "any append it reads every sealed segment and the live one again.",
        "- New: each sealed segment is summarised once (spend per UTC day, its idempotency "
        "keys, what the read skipped) and cached in `spend/<segment>.json`; the live segment "
        "is read from the offset already read. A call opens the segments under the shared "
        "lock (as every read does), checks their identity, reads what is new, and adds "
        "per-day sums; a period that starts inside a sealed segment's day reads that day's "
        "records once and keeps them in timestamp order.",
        "- Cold first call: the whole ledger is parsed as before, plus summarising each "
        "segment, writing its cache and reading again the segment the week starts in, so it "
        f"is {slower:.0%} slower than before. It happens once per ledger: later processes "
        "load the caches (JSON, mostly the keys that de-duplication needs) instead of "
        "decompressing and parsing the segments, and each segment sealed later is read once.",
        "", *command_report(r["command"], r["records"]),
    ]  # fmt: skip


def command_report(c: dict[str, Any], records: int) -> list[str]:
    """The `br routing costs` table: medians, peak memory and every sample."""
    def samples(key: str) -> str:
        return ", ".join(f"{t:.2f}" for t, _ in c["samples"][key])

    return [
        f"`br routing costs --period month` on the same ledger ({records:,} records; "
        f"{c['requests']:,} requests in the month), each a whole process (interpreter start "
        "included), the warm one and the full scan run alternately:", "",
        "| run | seconds | peak memory (MiB) | samples (s) |", "|---|---|---|---|",
        f"| `br routing costs`, cold (no `spend/` caches yet) | {c['cold_s']:.2f} | "
        f"{c['cold_peak_mib']:.0f} | {c['cold_s']:.2f} |",
        f"| `br routing costs`, warm (served from the spend index) | {c['br_warm_s']:.2f} | "
        f"{c['br_warm_peak_mib']:.0f} | {samples('br_warm')} |",
        "| the full scan it replaced (`ledger.summarize` over `records(\"month\")`) | "
        f"{c['full_scan_s']:.2f} | {c['full_scan_peak_mib']:.0f} | {samples('full_scan')} |", "",
        f"Goal: a warm `br routing costs` over 200k records in under 0.5 s, in bounded memory: "
        f"{'met' if c['br_warm_s'] < 0.5 else 'NOT met'} ({c['br_warm_s']:.2f} s, "
        f"{c['br_warm_peak_mib']:.0f} MiB); full scan / warm: "
        f"{c['full_scan_s'] / c['br_warm_s']:.1f}x the time, "
        f"{c['full_scan_peak_mib'] / c['br_warm_peak_mib']:.1f}x the memory.",
    ]  # fmt: skip


def write_report(r: dict[str, Any]) -> None:
    """Replace (or add) the section in docs/performance/telemetry.md, leaving the rest."""
    path = ROOT / "docs" / "performance" / "telemetry.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Telemetry performance\n"
    before, _, after = text.partition(SECTION)
    rest = after[after.find("\n## ") + 1 :] if "\n## " in after else ""
    section = "\n".join(report(r)) + "\n"
    path.write_text(before.rstrip("\n") + "\n\n" + section + ("\n" + rest if rest else ""),
                    encoding="utf-8")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
