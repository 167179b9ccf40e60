from __future__ import annotations

from pathlib import Path

import pytest

from brgit.security import SecretScanner
from brgit.security.rules import RULES
from tests.security.samples import measure, negatives, positives, rand, tokens

POSITIVES = list(positives())
NEGATIVES = list(negatives())


@pytest.mark.parametrize(("rule", "name", "text"), POSITIVES, ids=[f"{r}-{n}" for r, n, _ in POSITIVES])
def test_each_rule_finds_its_secret_and_masks_it(rule: str, name: str, text: str) -> None:
    findings = SecretScanner().findings(text, name)
    assert [f.rule for f in findings] == [rule]
    finding = findings[0]
    assert finding.line >= 1 and "..." in finding.masked
    assert finding.masked not in text  # the shown form never spells out the value
    for chunk in text.replace('"', " ").replace("'", " ").replace("=", " ").split():
        if len(chunk) >= 20:
            assert chunk not in finding.masked


@pytest.mark.parametrize(("label", "name", "text"), NEGATIVES, ids=[n[0] for n in NEGATIVES])
def test_look_alikes_are_not_reported(label: str, name: str, text: str) -> None:
    assert SecretScanner().findings(text, name) == []


def test_every_named_rule_has_a_labeled_fixture() -> None:
    covered = {rule for rule, _, _ in POSITIVES}
    assert set(RULES) <= covered


def test_recall_and_false_positives_on_the_labeled_set() -> None:
    found, total, false_positives, _clean, _ = measure()
    assert found == total
    assert false_positives == 0


def test_scan_content_returns_secret_matches_with_masked_context() -> None:
    key = tokens()["openrouter_key"]
    content = f"import os\n\nOPENROUTER = '{key}'\n"
    [match] = SecretScanner().scan_content(content, "settings.py")
    assert (match.file_path, match.line_number, match.secret_type) == ("settings.py", 3, "openrouter_key")
    assert match.masked_value == key[:4] + "..." + key[-4:]
    assert key not in match.context and match.masked_value in match.context


def test_inline_constructor_secret_is_caught() -> None:
    key = tokens()["anthropic_key"]
    [finding] = SecretScanner().findings(f'client = Anthropic(api_key="{key}")\n', "c.py")
    assert finding.rule == "anthropic_key"


def test_secret_spanning_lines_reports_the_line_it_starts_on() -> None:
    text = "# header\n\n" + tokens()["github_token"].join(["x = '", "'\n"])
    [finding] = SecretScanner().findings(text, "a.py")
    assert finding.line == 3


def test_same_secret_twice_on_a_line_is_one_finding() -> None:
    key = tokens()["npm_token"]
    assert len(SecretScanner().findings(f"a = '{key}'; b = '{key}'\n", "a.js")) == 1


def test_scan_file_and_directory(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.py").write_text(f"K = '{tokens()['huggingface_token']}'\n")
    (tmp_path / "b.txt").write_text("nothing here\n")
    (tmp_path / "c.py").write_text(f"K = '{tokens()['stripe_key']}'\n")
    scanner = SecretScanner()
    assert len(scanner.scan_directory(tmp_path)) == 2
    assert len(scanner.scan_directory(tmp_path, recursive=False)) == 1
    assert scanner.scan_file(tmp_path / "b.txt") == []


def test_generic_rule_needs_entropy() -> None:
    scanner = SecretScanner()
    assert scanner.findings('password = "aaaaaaaaaaaa"\n', "a.py") == []
    assert scanner.findings(f'password = "{rand(16)}"\n', "a.py")


def test_unquoted_values_only_count_in_config_files() -> None:
    line = f"password = {rand(16)}\n"
    scanner = SecretScanner()
    assert scanner.findings(line, "settings.py") == []
    assert scanner.findings(line, "settings.ini")


def test_a_plugin_rule_is_registered_in_an_explicit_dict() -> None:
    from brgit.security.rules import RULES, SecretRule

    internal = SecretRule("acme_token", "ACME internal token", ("acme_",),
                          r"\bacme_[a-z0-9]{24}\b", min_entropy=3.0)
    value = "acme_" + rand(24, "abcdefghijklmnopqrstuvwxyz0123456789")
    scanner = SecretScanner({**RULES, internal.name: internal})
    [finding] = scanner.findings(f"t = '{value}'\n", "a.py")
    assert finding.rule == "acme_token" and value not in finding.masked
    assert SecretScanner().findings(f"t = '{value}'\n", "a.py") == []
