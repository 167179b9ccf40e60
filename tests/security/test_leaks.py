"""Secrets as people leak them (tests/security/leaks.py), by class: each is found by the rule
meant for it and masked; each look-alike class stays quiet."""

from __future__ import annotations

import pytest

from brgit.security import SecretScanner
from tests.security.leaks import measure, negatives, positives

POSITIVES = list(positives())
NEGATIVES = list(negatives())


@pytest.mark.parametrize(("rule", "cls", "name", "text"), POSITIVES,
                         ids=[f"{r}-{n}" for r, _, n, _ in POSITIVES])
def test_each_leak_is_found_by_its_rule_and_masked(rule: str, cls: str, name: str, text: str) -> None:
    findings = SecretScanner().findings(text, name)
    assert [f.rule for f in findings] == [rule], (cls, findings)
    shown = findings[0].masked
    assert "..." in shown or set(shown) == {"*"}
    assert shown not in text


@pytest.mark.parametrize(("cls", "name", "text"), NEGATIVES, ids=[f"{c}-{n}" for c, n, _ in NEGATIVES])
def test_look_alikes_by_class_are_quiet(cls: str, name: str, text: str) -> None:
    assert SecretScanner().findings(text, name) == []


def test_recall_by_class_is_complete_and_no_class_has_false_positives() -> None:
    for cls, (hits, total) in measure().items():
        assert hits == (0 if cls.startswith("FP: ") else total), cls


def test_the_same_human_password_in_code_needs_a_mixed_value() -> None:
    scanner = SecretScanner()
    assert scanner.findings('password = "hunter22"\n', "db.py")  # pragma: allowlist secret
    assert scanner.findings('password = "hunterpass"\n', "db.py") == []  # a word, in code
    assert scanner.findings("password: hunterpass\n", "db.yaml")  # in config it counts


@pytest.mark.parametrize("line", [
    "password = s3cr#t99x",  # a '#' inside the value is part of it
    "password = s3cr3tP4ss   # trailing comment",
    "password = s3cr3tP4ss ; ini comment",
])
def test_unquoted_values_with_comments(line: str) -> None:
    [finding] = SecretScanner().findings(line + "\n", "app.ini")
    value = line.split("=", 1)[1].split()[0]
    assert finding.masked == value[:2] + "..." + value[-2:] or finding.masked.startswith(value[:4])
