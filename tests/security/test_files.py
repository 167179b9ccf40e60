from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from brgit.security.engine import Engine
from brgit.security.settings import SecuritySettings
from tests.security.samples import tokens


def _scan(root: Path, max_bytes: int = 5_000_000):  # type: ignore[no-untyped-def]
    return Engine(SecuritySettings(root, root, max_file_bytes=max_bytes)).scan_directory(root)


def test_binary_and_non_utf8_files_are_scanned_not_skipped(tmp_path: Path) -> None:
    key = tokens()["github_token"]
    (tmp_path / "blob.bin").write_bytes(b"\0\1\2" + key.encode() + b"\n\xff\xfe")
    (tmp_path / "latin1.py").write_bytes(f"# caf\xe9\nK = '{key}'\n".encode("latin-1"))
    (tmp_path / "declared.py").write_bytes(
        f"# -*- coding: latin-1 -*-\n# caf\xe9\nK = '{key}'\n".encode("latin-1"))
    (tmp_path / "utf16.txt").write_bytes(f"K = '{key}'\n".encode("utf-16"))
    report = _scan(tmp_path)
    assert sorted(f.file for f in report.findings) == ["blob.bin", "declared.py", "latin1.py", "utf16.txt"]
    assert report.notes == []


def test_large_files_and_symlink_loops_are_skipped_with_notes(tmp_path: Path) -> None:
    key = tokens()["github_token"]
    (tmp_path / "big.py").write_text(f"K = '{key}'\n" + "#" * 5_100_000)
    os.symlink("loop_b", tmp_path / "loop_a")
    os.symlink("loop_a", tmp_path / "loop_b")
    os.symlink(".", tmp_path / "self_dir")
    (tmp_path / "ok.py").write_text(f"K = '{key}'\n")
    report = _scan(tmp_path)
    assert [f.file for f in report.findings] == ["ok.py"]
    reasons = {n.file: n.reason for n in report.notes}
    assert "larger than 5000000 bytes" in reasons["big.py"]
    assert "loop_a" in reasons and "loop_b" in reasons


def test_devices_fifos_and_outside_symlinks_neither_hang_nor_are_followed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "outside.py"
    outside.write_text(f"K = '{tokens()['npm_token']}'\n")
    os.symlink("/dev/zero", root / "zero.py")
    os.symlink(str(outside), root / "outside_link.py")
    (root / "sub").mkdir()
    os.symlink("sub", root / "dir_link")
    os.mkfifo(root / "pipe.py")
    (root / "ok.py").write_text(f"K = '{tokens()['github_token']}'\n")
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(
        Engine(SecuritySettings(root, root)).scan_paths(
            [*sorted(p for p in root.iterdir() if p.name != "sub"), Path("/dev/zero")])),
        daemon=True)
    worker.start()
    worker.join(60)
    assert done, "the scan hung"
    report = done[0]
    assert [f.file for f in report.findings] == ["ok.py"]  # type: ignore[attr-defined]
    reasons = {n.file: n.reason for n in report.notes}  # type: ignore[attr-defined]
    assert "outside the repository" in reasons["zero.py"]
    assert "not a regular file (device)" in reasons["/dev/zero"]
    assert "not a regular file (FIFO)" in reasons["pipe.py"]
    assert "outside the repository" in reasons["outside_link.py"]
    assert reasons["dir_link"] == "symlink to a directory"


def test_a_symlink_to_a_file_inside_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text(f"K = '{tokens()['github_token']}'\n")
    os.symlink("real.py", tmp_path / "alias.py")
    report = Engine(SecuritySettings(tmp_path, tmp_path)).scan_paths([tmp_path / "alias.py"])
    assert [f.file for f in report.findings] == ["alias.py"]


@pytest.mark.parametrize("limit", [10, 100])
def test_reads_are_bounded(tmp_path: Path, limit: int) -> None:
    from brgit.security.files import read_bytes

    (tmp_path / "f").write_bytes(b"x" * 1000)
    assert read_bytes(tmp_path / "f", limit) == f"larger than {limit} bytes"
    assert read_bytes(tmp_path / "f", 1000) == b"x" * 1000


def test_vendor_and_git_directories_are_not_walked(tmp_path: Path) -> None:
    for folder in ("node_modules/pkg", ".git", ".venv/lib"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "k.js").write_text(f"k = '{tokens()['npm_token']}'\n")
    assert _scan(tmp_path).findings == []


def test_config_exclude_patterns(tmp_path: Path) -> None:
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "k.py").write_text(f"k = '{tokens()['npm_token']}'\n")
    settings = SecuritySettings(tmp_path, tmp_path, exclude=("gen/*",))
    assert Engine(settings).scan_directory(tmp_path).findings == []
