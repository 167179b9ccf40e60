"""The shape of a secret rule: the `Rule` protocol a plugin rule satisfies, and `SecretRule`,
the data class brgit's own rules are (`brgit.security.rule_table`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
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

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        """Compiled on first use: a rule whose keywords never occur costs no compile (a hook
        on clean files compiles almost none of them)."""
        flags = re.IGNORECASE if self.ignore_case else 0
        return re.compile(self.regex, flags | re.MULTILINE)
