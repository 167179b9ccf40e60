"""The one git runner: text and bytes, errors translated the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from brgit.errors import GitError, NotFoundError
from brgit.gitops.git import run_git, run_git_bytes
from tests.conftest import commit_file


def test_bytes_in_and_out_keep_what_git_stores(repo: Path) -> None:
    commit_file(repo, "data.bin", "caf\u00e9\n")
    blob = run_git_bytes(["cat-file", "--batch"], repo, stdin=b"HEAD:data.bin\n")
    assert blob.split(b"\n", 1)[1].startswith("caf\u00e9\n".encode())
    assert run_git(["rev-parse", "--abbrev-ref", "HEAD"], repo).stdout.strip() == "main"


def test_failures_name_the_command_and_git_s_first_line(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(GitError, match=r"^git rev-parse nope: ambiguous argument .nope."):
        run_git_bytes(["rev-parse", "nope"], repo)
    with pytest.raises(GitError, match=r"^git rev-parse nope: ambiguous argument .nope."):
        run_git(["rev-parse", "nope"], repo)
    with pytest.raises(NotFoundError, match="directory not found"):
        run_git_bytes(["status"], tmp_path / "missing")
