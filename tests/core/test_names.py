"""Task ids, session names and branch names: git's ref rules, checked in Python."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brgit.core.session import check_name
from brgit.errors import UsageError
from brgit.names import id_problem, ref_problem, slugify

REFUSED_IDS = ["a..b", "x.lock", "x.", "x\n", "-x", "", "a b", "a/b", "caf\u00e9", "x" * 65, "."]


@pytest.mark.parametrize("name", REFUSED_IDS)
def test_refused_ids(name: str) -> None:
    assert id_problem(name)
    with pytest.raises(UsageError, match="session name"):
        check_name(name)


@pytest.mark.parametrize("name", ["a", "a.b", "a-b_c", "A1", "x" * 64, "v1.2"])
def test_accepted_ids(name: str) -> None:
    assert id_problem(name) is None and check_name(name) == name


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("-m", "starts with '-'"),
        ("a..b", "contains '..'"),
        ("x.lock", "ending in '.lock'"),
        ("a.lock/b", "ending in '.lock'"),
        ("x.", "ends with '.'"),
        ("x\n", "contains '\\n'"),
        ("a/.b", "starting with '.'"),
        ("a//b", "empty '/' component"),
        ("a@{b", "'@{'"),
        ("HEAD", "is 'HEAD'"),
        ("a~1", "contains '~'"),
    ],
)
def test_ref_problems_name_the_rule(name: str, why: str) -> None:
    assert why in (ref_problem(name) or "")


def _git_accepts(name: str) -> bool:
    result = subprocess.run(
        ["git", "check-ref-format", "--branch", name], capture_output=True, check=False
    )
    return result.returncode == 0


_REF_TEXT = st.lists(
    st.sampled_from([*"ab/.-_@{}~^:?*[\\ \t\n\x7f\u00e9", "lock", "HEAD"]), max_size=10
).map("".join)


@settings(max_examples=150, deadline=None)
@given(_REF_TEXT)
def test_branch_rules_agree_with_git(name: str) -> None:
    """brgit never accepts a name git refuses; apart from '@' forms (which git expands, and
    brgit refuses outright), both agree."""
    ours = ref_problem(name) is None
    if ours:
        assert _git_accepts(name), name
    elif "@" not in name:
        assert not _git_accepts(name), name


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_slugify_always_gives_a_valid_id(text: str) -> None:
    assert id_problem(slugify(text, 64)) is None
