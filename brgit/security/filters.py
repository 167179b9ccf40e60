"""Plain functions that drop false positives: entropy, placeholders and indirection."""

from __future__ import annotations

import math
import re
from collections import Counter

_PLACEHOLDER_WORDS = (
    "example", "your-", "your_", "yourkey", "your key", "placeholder", "changeme", "change-me",
    "change_me", "dummy", "redacted", "replace", "insert", "xxxx", "****", "....", "<", "${",
    "{{", "%(", "%s", "fake", "sample", "notreal", "not-a-real", "todo", "fixme",
)
_INDIRECTION = re.compile(
    r"^\$[A-Za-z_]\w*$|^\$\(|os\.environ|getenv|process\.env|ENV\[|^env\(|\bvault\b|^!|^&|^\*"
)
_GENERIC_FILLER = ("test", "mock", "0123456", "123456789", "abcdef", "qwerty")
_DOTTED_PATH = re.compile(r"^[A-Za-z_][A-Za-z_\-]*(?:[.:/][A-Za-z_][A-Za-z_\-]*)+$")
_WORDS_ONLY = re.compile(r"^(?:[a-z_]+|[A-Z_]+|[a-z]+(?:[-.][a-z]+)+|[A-Z][a-z]+(?:[A-Z][a-z]+)*)$")
_TAILS_TEXT = """url uri type name file path dir field header prefix suffix format fmt len length
id ids count endpoint method mode env var kind scope param pattern regex re label class placeholder
hint prompt message msg text title help description desc key_id expiry expires ttl timeout size
limit attr attribute column col index idx param_name"""
_NAME_TAILS = frozenset(_TAILS_TEXT.split())


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def is_placeholder(value: str) -> bool:
    """Documentation keys (`...EXAMPLE`), templates (`${VAR}`, `{{ x }}`) and filler text."""
    lowered = value.lower()
    if any(word in lowered for word in _PLACEHOLDER_WORDS):
        return True
    return len(set(value)) <= 3


def is_indirection(value: str) -> bool:
    """A reference to where the secret lives (an env var, a vault path), not the secret."""
    return bool(_INDIRECTION.search(value.strip()))


def generic_value_ok(value: str) -> bool:
    """Whether a value assigned to a password/secret/token name looks like a real secret."""
    if len(value) < 8 or len(value) > 200 or any(c.isspace() for c in value):
        return False
    if value.lower() in {"none", "null", "true", "false", "nil", "undefined"}:
        return False
    if value.startswith(("http://", "https://", "/", "./", "~")):
        return False
    if is_placeholder(value) or is_indirection(value) or _WORDS_ONLY.match(value):
        return False
    lowered = value.lower()
    if any(word in lowered for word in _GENERIC_FILLER) or ("{" in value and "}" in value):
        return False
    if _DOTTED_PATH.match(value):  # a module path or entry point, not a secret
        return False
    return entropy(value) >= 3.0


def generic_name_ok(name: str) -> bool:
    """Names like `token_url` or `password_field` hold metadata about a secret, not one."""
    lowered = name.lower().strip("\"'").replace("-", "_")
    tail = lowered.rsplit("_", 1)[-1].rsplit(".", 1)[-1]
    if tail in _NAME_TAILS or lowered.endswith(("_key_id", "_token_type")):
        return False
    return not lowered.startswith(("is_", "has_", "use_", "show_", "no_", "get_", "set_"))
