"""Generic secrets: a password/secret/token-named key assigned a literal value.

Covers code (`password = "..."`, `token: str = "..."`, `connect(password="...")`,
`Anthropic(api_key="...")`), JSON and YAML (`"secret": "..."`, `secret: "..."`), and the
unquoted values of `.env`, INI, properties and YAML files. Values go through
`brgit.security.filters` so placeholders, templates and environment lookups are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from brgit.security.filters import generic_name_ok, generic_value_ok

_KEY = (
    r"(?:password|passwd|pwd|secret|token|api[_\-]?key|access[_\-]?key|auth[_\-]?key|"
    r"credentials?|private[_\-]?key)"
)
_NAME = r"(" + _KEY + r"[A-Za-z0-9_.\-]*)"  # the name's start is found by `_full_name`
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
# name ["'] [: annotation] (= | : | => | :=) [prefix] "value"
_QUOTED = re.compile(
    _NAME + r"[\"']?(?:\s*:\s*[A-Za-z_][\w\[\]., |]*(?=\s*=))?\s*(?::=|=>|=|:)\s*"
    r"(?:[rbuRBU]{1,2})?([\"'`])([^\"'`\n\\]{8,200})\2",
    re.IGNORECASE,
)
_UNQUOTED = re.compile(
    r"^[ \t]*(?:export[ \t]+)?[A-Za-z0-9_.\-]*?" + _NAME
    + r"[ \t]*[=:][ \t]*([^\s\"'#;]{8,200})[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_CONFIG_SUFFIXES = (".env", ".ini", ".cfg", ".conf", ".properties", ".yaml", ".yml", ".toml")


@dataclass(frozen=True)
class GenericHit:
    start: int
    end: int
    value: str
    name: str


def is_config_file(file_path: str) -> bool:
    name = file_path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name.endswith(_CONFIG_SUFFIXES) or name.startswith(".env")


def _full_name(content: str, match: re.Match[str]) -> str:
    """Extend the keyword match backwards to the whole name (`DB_` + `PASSWORD`)."""
    start = match.start(1)
    while start > 0 and content[start - 1] in _NAME_CHARS:
        start -= 1
    return content[start : match.end(1)]


_STEMS = ("password", "passwd", "pwd", "secret", "token", "api", "access", "auth", "credential",
          "private")


def _keyword_offsets(lowered: str) -> list[int]:
    """Where a key stem starts (found with str.find, much faster than a regex scan)."""
    offsets: set[int] = set()
    for stem in _STEMS:
        index = lowered.find(stem)
        while index != -1:
            offsets.add(index)
            index = lowered.find(stem, index + 1)
    return sorted(offsets)


def _quoted_matches(content: str) -> Iterator[re.Match[str]]:
    end = -1
    for offset in _keyword_offsets(content.lower()):
        if offset < end:
            continue
        match = _QUOTED.match(content, offset)
        if match:
            end = match.end()
            yield match


def generic_hits(content: str, file_path: str) -> Iterator[GenericHit]:
    for match in _quoted_matches(content):
        name, value = _full_name(content, match), match.group(3)
        if generic_name_ok(name) and generic_value_ok(value):
            yield GenericHit(match.start(3), match.end(3), value, name)
    if not is_config_file(file_path):
        return
    for match in _UNQUOTED.finditer(content):
        name, value = _full_name(content, match), match.group(2)
        if generic_name_ok(name) and generic_value_ok(value):
            yield GenericHit(match.start(2), match.end(2), value, name)
