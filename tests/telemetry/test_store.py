"""The segment store: rotation, concurrency across processes, crashes, bad data, full disk."""

from __future__ import annotations

import errno
import gzip
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from brgit.telemetry.reader import ReadStats
from brgit.telemetry.store import SegmentStore


def line(i: int, pad: int = 40) -> bytes:
    return (json.dumps({"schema_version": 1, "n": i, "pad": "x" * pad}) + "\n").encode()


def numbers(store: SegmentStore, stats: ReadStats | None = None) -> list[int]:
    return [r["n"] for r in store.read(stats or ReadStats())]


def test_rotation_seals_gzip_segments_and_keeps_every_record(tmp_path: Path) -> None:
    store = SegmentStore(tmp_path, "events", max_bytes=1000, retention_days=30)
    for i in range(200):
        assert store.append(line(i))
    sealed = [s for s in store.segments() if s.sealed]
    assert len(sealed) >= 10
    assert all(s.compressed and s.path.name.endswith(".jsonl.gz") for s in sealed)
    assert not list(tmp_path.glob("events-*.jsonl"))  # no plain sealed leftovers
    assert numbers(store) == list(range(200))


WRITER = """
import json, sys
from pathlib import Path
from brgit.telemetry.store import SegmentStore
directory, worker, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
store = SegmentStore(directory, "events", max_bytes=4000, retention_days=30)
for i in range(count):
    rec = {"schema_version": 1, "w": worker, "i": i, "pad": "y" * (i % 300)}
    assert store.append((json.dumps(rec) + "\\n").encode()), store.last_error
"""


def test_concurrent_writers_across_processes_with_rotation(tmp_path: Path) -> None:
    count, workers = 1500, 4
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), f"w{w}", str(count)])
        for w in range(workers)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0] * workers
    store = SegmentStore(tmp_path, "events", max_bytes=4000, retention_days=30)
    stats = ReadStats()
    seen = [(r["w"], r["i"]) for r in store.read(stats)]
    assert stats.corrupt_lines == 0 and not stats.bad_segments
    assert len(seen) == len(set(seen)) == count * workers  # every record exactly once
    assert len([s for s in store.segments() if s.sealed]) > 20
    for w in range(workers):  # each writer's records keep their order
        mine = [i for name, i in seen if name == f"w{w}"]
        assert mine == list(range(count))


CRASHER = """
import os, sys
from pathlib import Path
from brgit.telemetry import store as mod
def crash(plain, target):
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(b"\\x1f\\x8b partial")
    os._exit(9)
mod.compress_file = crash
s = mod.SegmentStore(Path(sys.argv[1]), "events", max_bytes=10**9, retention_days=30)
s.rotate(force=True)
"""


def test_process_killed_mid_rotation_loses_nothing(tmp_path: Path) -> None:
    store = SegmentStore(tmp_path, "events", max_bytes=10**9, retention_days=30)
    for i in range(50):
        store.append(line(i))
    result = subprocess.run([sys.executable, "-c", CRASHER, str(tmp_path)], check=False)
    assert result.returncode == 9
    assert list(tmp_path.glob("*.gz.tmp")) and list(tmp_path.glob("events-*.jsonl"))
    assert not (tmp_path / "current.jsonl").exists()
    assert numbers(store) == list(range(50))  # readers see the sealed plain segment once
    for i in range(50, 60):  # the next writer recovers (new live file, leftovers compressed)
        store.append(line(i))
    store.rotate(force=True)
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob("events-*.jsonl"))
    assert numbers(store) == list(range(60))


def test_crash_after_gzip_before_unlink_reads_each_record_once(tmp_path: Path) -> None:
    store = SegmentStore(tmp_path, "events", max_bytes=10**9, retention_days=30)
    for i in range(20):
        store.append(line(i))
    sealed = store.rotate(force=True)
    assert sealed is not None
    plain = sealed.with_name(sealed.name.removesuffix(".gz"))
    plain.write_bytes(gzip.decompress(sealed.read_bytes()))  # the leftover a crash leaves
    assert numbers(store) == list(range(20))
    store.recover()
    assert not plain.exists()
    assert numbers(store) == list(range(20))


def test_corrupt_torn_and_truncated_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    store = SegmentStore(tmp_path, "events", max_bytes=10**9, retention_days=30)
    store.append(line(1))
    with (tmp_path / "current.jsonl").open("ab") as f:
        f.write(b"not json at all\n")
        f.write(b'{"schema_version":1,"n":')  # torn by a full disk, then the next append
    store.append(line(2))
    with (tmp_path / "current.jsonl").open("ab") as f:
        f.write(b"[1, 2]\n")
        f.write(b'{"schema_version":1,"n":3')  # truncated last line
    stats = ReadStats()
    assert numbers(store, stats) == [1, 2]
    assert stats.corrupt_lines == 4


def test_truncated_gzip_segment_yields_what_it_can(tmp_path: Path) -> None:
    store = SegmentStore(tmp_path, "events", max_bytes=10**9, retention_days=30)
    for i in range(2000):
        store.append(line(i, pad=i % 97))
    sealed = store.rotate(force=True)
    assert sealed is not None
    data = sealed.read_bytes()
    sealed.write_bytes(data[: len(data) // 2])
    store.append(line(5000))
    stats = ReadStats()
    got = numbers(store, stats)
    assert 0 < len(got) < 2001 and got[-1] == 5000
    assert got[:-1] == list(range(len(got) - 1))  # a clean prefix, nothing invented
    assert len(stats.bad_segments) == 1 and sealed.name in stats.bad_segments[0]


def test_disk_full_is_counted_and_keeps_stored_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SegmentStore(tmp_path, "events", max_bytes=10**9, retention_days=30)
    for i in range(5):
        assert store.append(line(i))
    real_write = os.write

    def enospc(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", enospc)
    assert store.append(line(99)) is False
    assert store.errors == 1 and "No space left" in (store.last_error or "")

    def short(fd: int, data: bytes) -> int:
        return real_write(fd, data[:10])  # the disk filled up mid-record

    monkeypatch.setattr(os, "write", short)
    assert store.append(line(100)) is False
    assert store.errors == 2 and "short write" in (store.last_error or "")
    monkeypatch.setattr(os, "write", real_write)
    assert store.append(line(6))  # space again: the next record is whole and readable
    stats = ReadStats()
    assert numbers(store, stats) == [0, 1, 2, 3, 4, 6]
    assert stats.corrupt_lines == 1


def test_read_only_store_reads_and_refuses_writes_without_raising(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SegmentStore(tmp_path, "events", max_bytes=10**9, retention_days=30)
    for i in range(3):
        store.append(line(i))
    store.close()
    (tmp_path / ".lock").unlink()
    real_open = os.open

    def read_only(path: str, flags: int, *args: int) -> int:  # root ignores chmod: simulate EROFS
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only)
    fresh = SegmentStore(tmp_path, "events", max_bytes=10**9, retention_days=30)
    assert numbers(fresh) == [0, 1, 2]
    assert fresh.append(line(3)) is False and "Read-only" in (fresh.last_error or "")


def test_retention_removes_old_sealed_segments(tmp_path: Path) -> None:
    old = tmp_path / "events-20200101T000000000000Z-1-1.jsonl.gz"
    old.write_bytes(gzip.compress(line(0)))
    store = SegmentStore(tmp_path, "events", max_bytes=10**9, retention_days=30)
    store.append(line(1))
    assert numbers(store) == [0, 1]
    store.rotate(force=True)
    assert not old.exists()
    assert numbers(store) == [1]


def test_readers_during_rotation_never_see_a_record_twice(tmp_path: Path) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), f"w{w}", "1500"])
        for w in range(2)
    ]
    store = SegmentStore(tmp_path, "events", max_bytes=4000, retention_days=30)
    reads = 0
    while any(p.poll() is None for p in procs) or reads == 0:
        seen = [(r["w"], r["i"]) for r in store.read(ReadStats())]
        assert len(seen) == len(set(seen))
        reads += 1
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    assert len(list(store.read(ReadStats()))) == 3000


def test_threads_sharing_one_store_lose_nothing(tmp_path: Path) -> None:
    import threading

    store = SegmentStore(tmp_path, "events", max_bytes=3000, retention_days=30)

    def work(worker: int) -> None:
        for i in range(1000):
            rec = {"schema_version": 1, "w": worker, "i": i, "pad": "z" * (i % 50)}
            assert store.append((json.dumps(rec) + "\n").encode())

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    seen: list[tuple[int, int]] = []
    while any(t.is_alive() for t in threads):  # read while they write and rotate
        batch = [(r["w"], r["i"]) for r in store.read(ReadStats())]
        assert len(batch) == len(set(batch))
    for t in threads:
        t.join()
    seen = [(r["w"], r["i"]) for r in store.read(ReadStats())]
    assert sorted(seen) == sorted((w, i) for w in range(4) for i in range(1000))


def test_corrupt_bytes_inside_a_gzip_segment_are_reported(tmp_path: Path) -> None:
    store = SegmentStore(tmp_path, "events", max_bytes=10**9, retention_days=30)
    noise = random.Random(7)  # incompressible padding, the same bytes on every run
    for i in range(6000):
        pad = noise.randbytes(40).hex()
        store.append((json.dumps({"schema_version": 1, "n": i, "r": pad}) + "\n").encode())
    sealed = store.rotate(force=True)
    assert sealed is not None
    data = bytearray(sealed.read_bytes())
    assert len(data) > 3 * 65536  # the damage sits beyond the first chunks read
    middle = len(data) // 2
    data[middle : middle + 64] = b"\xff" * 64
    sealed.write_bytes(bytes(data))
    stats = ReadStats()
    # gzip's CRC only fails at the end: no crash, damage reported. Damaged deflate data may
    # decode into lines that still parse, so keep only what has a number.
    got = [r["n"] for r in store.read(stats) if "n" in r]
    assert len(stats.bad_segments) == 1
    assert got[:1000] == list(range(1000))  # what precedes the damage is intact


def test_multi_member_gzip_segment_reads_every_member(tmp_path: Path) -> None:
    seg = tmp_path / "events-20991231T000000000000Z-1-1.jsonl.gz"
    seg.write_bytes(gzip.compress(line(1)) + gzip.compress(line(2) + line(3)))
    store = SegmentStore(tmp_path, "events", max_bytes=10**9, retention_days=0)
    stats = ReadStats()
    assert numbers(store, stats) == [1, 2, 3] and not stats.bad_segments
