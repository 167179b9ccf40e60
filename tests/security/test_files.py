from __future__ import annotations

import os
from pathlib import Path

from brgit.security.engine import Engine
from brgit.security.settings import SecuritySettings
from tests.security.samples import tokens


def _scan(root: Path, max_bytes: int = 5_000_000):  # type: ignore[no-untyped-def]
    return Engine(SecuritySettings(root, root, max_file_bytes=max_bytes)).scan_directory(root)


def test_binary_large_non_utf8_and_symlink_loops_are_skipped_with_notes(tmp_path: Path) -> None:
    key = tokens()["github_token"]
    (tmp_path / "blob.bin").write_bytes(b"\0\1\2" + key.encode())
    (tmp_path / "latin1.py").write_bytes(f"# caf\xe9\nK = '{key}'\n".encode("latin-1"))
    (tmp_path / "big.py").write_text(f"K = '{key}'\n" + "#" * 5_100_000)
    os.symlink("loop_b", tmp_path / "loop_a")
    os.symlink("loop_a", tmp_path / "loop_b")
    os.symlink(".", tmp_path / "self_dir")
    (tmp_path / "ok.py").write_text(f"K = '{key}'\n")
    report = _scan(tmp_path)
    assert [f.file for f in report.findings] == ["ok.py"]
    reasons = {n.file: n.reason for n in report.notes}
    assert "binary" in reasons["blob.bin"]
    assert "not UTF-8" in reasons["latin1.py"]
    assert "larger than 5000000 bytes" in reasons["big.py"]
    assert "loop_a" in reasons and "loop_b" in reasons


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
