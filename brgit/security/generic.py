"""Generic secrets: a value assigned to a name that says it is a password, secret or token.

The evidence is the key name and the kind of file, not entropy alone (as detect-secrets'
keyword detector works): a name whose last word is a password word (`DB_PASSWORD`,
`adminPassword`, `db.pass`) takes human passwords such as `hunter22`; a token/secret/key name
(`client_secret`, `API_KEY`) needs a value that looks random. Forms:

- quoted, anywhere: `password = "..."`, `token: str = "..."`, `connect(password="...")`,
  `"secret": "..."` (JSON), `password="..."` (XML attributes), PHP `define('DB_PASSWORD', '...')`
  (WordPress salts included) and `'password' => '...'`;
- unquoted, in config files (`.env`, INI, `.cfg`, `.conf`, properties, YAML, TOML, shell
  profiles, Dockerfiles, extension-less files such as `credentials`): `DB_PASSWORD=...`,
  `password = value  # comment` (a `#` inside the value is kept);
- XML elements in XML files: `<password>...</password>`, `<add key="DbPassword" value="..."/>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from brgit.security.filters import generic_value_ok, name_kind, password_value_ok

_STEMS = ("password", "passwd", "pwd", "pass", "secret", "token", "key", "credential", "creds",
          "salt", "contrase")
_KEY = r"(?:" + "|".join(_STEMS) + r")"
_NAME = r"(" + _KEY + r"[A-Za-z0-9_.\-]*)"  # the name's start is found by `_full_name`
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-$")
# name ["'] [: annotation] (= | : | => | :=) [prefix] "value"
_QUOTED = re.compile(
    _NAME + r"[\"'\]]?(?:\s*:\s*[A-Za-z_][\w\[\]., |]*(?=\s*=))?\s*(?::=|=>|=|:)\s*"
    r"(?:[rbuRBU]{1,2}|@)?([\"'`])([^\"'`\n\\]{4,200})\2",
    re.IGNORECASE,
)
_UNQUOTED = re.compile(
    r"^[ \t]*(?:export[ \t]+|ENV[ \t]+|set[ \t]+|SetEnv[ \t]+)?[A-Za-z0-9_.\-]*?" + _NAME
    + r"[ \t]*[=:][ \t]*([^\s\"'`][^\s]{3,199})(?:[ \t]+(?:[#;].*)?)?\r?$",
    re.IGNORECASE | re.MULTILINE,
)
_DEFINE = re.compile(
    r"define\(\s*([\"'])([A-Za-z0-9_]+)\1\s*,\s*([\"'])([^\"'\n]{4,200})\3\s*\)", re.IGNORECASE)
_XML_ELEMENT = re.compile(
    r"<(?:[\w.\-]+:)?([\w.\-]*" + _KEY + r"[\w.\-]*)(?:\s[^>]*)?>([^<\s]{4,200})</",
    re.IGNORECASE)
_XML_ADD = re.compile(
    r"\bkey\s*=\s*\"([^\"]*" + _KEY + r"[^\"]*)\"\s+value\s*=\s*\"([^\"]{4,200})\"",
    re.IGNORECASE)
_CONFIG_SUFFIXES = (".env", ".ini", ".cfg", ".conf", ".cnf", ".properties", ".yaml", ".yml",
                    ".toml", ".json", ".xml", ".config", ".plist", ".tfvars", ".tf", ".hcl",
                    ".sh", ".bash", ".zsh", ".profile", ".bashrc", ".zshrc", ".npmrc", ".pypirc",
                    ".s3cfg", ".netrc", ".credentials", ".htpasswd", ".secrets", ".vars")
_CONFIG_NAMES = ("dockerfile", "containerfile", "credentials", "config", "makefile", "procfile")
_NO_UNQUOTED = (".json", ".xml", ".plist")


@dataclass(frozen=True)
class GenericHit:
    start: int
    end: int
    value: str
    name: str


def is_config_file(file_path: str) -> bool:
    """Files whose values are data, not code: config formats, shell profiles, Dockerfiles, and
    any file without an extension (`.credentials`, `credentials`, `hub`)."""
    name = file_path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if name.endswith(_CONFIG_SUFFIXES) or name.startswith(".env") or name in _CONFIG_NAMES:
        return True
    stem = name.lstrip(".")
    return bool(stem) and "." not in stem


def _full_name(content: str, start: int, end: int) -> str:
    """Extend the keyword match backwards to the whole name (`DB_` + `PASSWORD`)."""
    while start > 0 and content[start - 1] in _NAME_CHARS:
        start -= 1
    return content[start:end].lstrip("$")


def _keyword_offsets(lowered: str) -> list[int]:
    """Where a key stem starts (found with str.find, much faster than a regex scan)."""
    offsets: set[int] = set()
    for stem in _STEMS:
        index = lowered.find(stem)
        while index != -1:
            offsets.add(index)
            index = lowered.find(stem, index + 1)
    return sorted(offsets)


def _quoted_matches(content: str, lowered: str) -> Iterator[re.Match[str]]:
    end = -1
    for offset in _keyword_offsets(lowered):
        if offset < end:
            continue
        match = _QUOTED.match(content, offset)
        if match:
            end = match.end()
            yield match


def value_ok(name: str, value: str, *, config: bool) -> bool:
    kind = name_kind(name)
    if kind == "password":
        return password_value_ok(value, name, config=config)
    return kind == "secret" and generic_value_ok(value)


def _hits(content: str, lowered: str, config: bool, file_path: str
          ) -> Iterator[tuple[str, int, int]]:
    """(name, start, end) of every candidate value."""
    for match in _quoted_matches(content, lowered):
        yield _full_name(content, match.start(1), match.end(1)), match.start(3), match.end(3)
    if "define" in lowered:
        for match in _DEFINE.finditer(content):
            yield match.group(2), match.start(4), match.end(4)
    if not config:
        return
    name = file_path.lower()
    if not name.endswith(_NO_UNQUOTED):
        for match in _UNQUOTED.finditer(content):
            yield _full_name(content, match.start(1), match.end(1)), match.start(2), match.end(2)
    if "<" in content:
        for pattern in (_XML_ELEMENT, _XML_ADD):
            for match in pattern.finditer(content):
                yield match.group(1), match.start(2), match.end(2)


def generic_hits(content: str, file_path: str) -> Iterator[GenericHit]:
    config = is_config_file(file_path)
    seen: set[int] = set()
    for name, start, end in _hits(content, content.lower(), config, file_path):
        value = content[start:end]
        if start not in seen and value_ok(name, value, config=config):
            seen.add(start)
            yield GenericHit(start, end, value, name)
