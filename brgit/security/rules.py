"""Secret rules: each is data (a name, prefilter keywords, one compiled pattern, an entropy floor,
where it came from, and optionally the file names it applies to and a check of the match).

A rule only runs on a file that contains one of its keywords (checked once per file, case as
written for vendor prefixes, lower-case for `ignore_case` rules), so adding rules costs almost
nothing on files they cannot match. `RULES` is the explicit registry (the table itself is in
`brgit.security.rule_table`); `Rule` is the protocol a plugin rule satisfies.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from brgit.security.rule_base import Check, Rule, SecretRule
from brgit.security.rule_table import ALL

__all__ = ["GENERIC_RULE", "RULES", "Check", "Rule", "SecretRule", "active_rules", "applies_to"]


def applies_to(rule: Rule, file_path: str) -> bool:
    """Whether a rule limited to some file names (`.pgpass`, `master.key`) applies here."""
    globs: tuple[str, ...] = getattr(rule, "files", ())
    if not globs:
        return True
    name = file_path.replace("\\", "/").rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(name, g) for g in globs)


def active_rules(content: str, rules: Iterable[Rule], file_path: str = "") -> list[Rule]:
    """The rules whose keywords occur in `content` (a rule without keywords always runs).
    The search runs on the UTF-8 bytes (about twice as fast as on `str`; a keyword occurs
    in the text exactly when its bytes occur in the bytes)."""
    data = content.encode("utf-8", "surrogatepass")
    lowered: bytes | None = None
    active = []
    for rule in rules:
        if file_path and not applies_to(rule, file_path):
            continue
        if rule.ignore_case:
            lowered = data.lower() if lowered is None else lowered
            hit = any(k.encode() in lowered for k in rule.keywords)
        else:
            hit = any(k.encode() in data for k in rule.keywords)
        if hit or not rule.keywords:
            active.append(rule)
    return active


RULES: dict[str, Rule] = {rule.name: rule for rule in ALL}

# Generic assignments (handled in `brgit.security.generic`): the rule name used in findings.
GENERIC_RULE = "generic_secret"
