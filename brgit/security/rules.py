"""Secret rules: each is data (a name, prefilter keywords, one compiled pattern, an entropy floor,
where it came from, and optionally the file names it applies to and a check of the match).

A rule only runs on a file that contains one of its keywords (checked once per file, case as
written for vendor prefixes, lower-case for `ignore_case` rules), so adding rules costs almost
nothing on files they cannot match. `RULES` is the explicit registry (the table itself is in
`brgit.security.rule_table`); `Rule` is the protocol a plugin rule satisfies.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

Check = Callable[[re.Match[str]], bool]


class Rule(Protocol):
    """What the scanner needs from a secret rule (a plugin rule need not be a SecretRule)."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def keywords(self) -> tuple[str, ...]: ...
    @property
    def ignore_case(self) -> bool: ...
    @property
    def pattern(self) -> re.Pattern[str]: ...
    @property
    def group(self) -> int: ...
    @property
    def min_entropy(self) -> float: ...
    @property
    def severity(self) -> str: ...


@dataclass(frozen=True)
class SecretRule:
    name: str
    description: str
    keywords: tuple[str, ...]
    regex: str
    group: int = 0
    min_entropy: float = 0.0
    severity: str = "high"
    ignore_case: bool = False
    origin: str = "brgit"
    files: tuple[str, ...] = ()  # file-name globs this rule is limited to (empty: every file)
    check: Check | None = None  # a further test of the match (a decoded value, a header)
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        flags = re.IGNORECASE if self.ignore_case else 0
        object.__setattr__(self, "pattern", re.compile(self.regex, flags | re.MULTILINE))


def applies_to(rule: Rule, file_path: str) -> bool:
    """Whether a rule limited to some file names (`.pgpass`, `master.key`) applies here."""
    globs: tuple[str, ...] = getattr(rule, "files", ())
    if not globs:
        return True
    name = file_path.replace("\\", "/").rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(name, g) for g in globs)


def active_rules(content: str, rules: Iterable[Rule], file_path: str = "") -> list[Rule]:
    """The rules whose keywords occur in `content` (a rule without keywords always runs)."""
    lowered: str | None = None
    active = []
    for rule in rules:
        if file_path and not applies_to(rule, file_path):
            continue
        if rule.ignore_case:
            lowered = content.lower() if lowered is None else lowered
            hit = any(k in lowered for k in rule.keywords)
        else:
            hit = any(k in content for k in rule.keywords)
        if hit or not rule.keywords:
            active.append(rule)
    return active


def _registry() -> dict[str, Rule]:
    from brgit.security.rule_table import ALL

    return {rule.name: rule for rule in ALL}


RULES: dict[str, Rule] = _registry()

# Generic assignments (handled in `brgit.security.generic`): the rule name used in findings.
GENERIC_RULE = "generic_secret"
