"""Plain functions that drop false positives: entropy, placeholders, indirection, documented
example credentials, password hashes and encrypted values; and what a key name says."""

from __future__ import annotations

import math
import re
from collections import Counter

_PLACEHOLDER_WORDS = (
    "example", "your-", "your_", "yourkey", "your key", "placeholder", "changeme", "change-me",
    "change_me", "changeit", "dummy", "redacted", "replace", "insert", "xxxx", "****", "....",
    "${", "{{", "%(", "fake", "sample", "notreal", "not-a-real", "todo", "fixme",
    "unique phrase", "put your", "secret-here", "token-here", "key-here",
)
_INDIRECTION = re.compile(
    r"^\$[A-Za-z_]\w*$|^\$\(|os\.environ|getenv|process\.env|ENV\[|^env\(|\bvault\b|^!|^&|^\*"
)
_TEMPLATE = re.compile(r"<[A-Za-z][\w\s\-.]*>|^\{[\w.\-]*\}$|\{\{|\$\{|%\(\w+\)")
_GENERIC_FILLER = ("test", "mock", "0123456", "123456789", "abcdef", "qwerty")
_DOTTED_PATH = re.compile(r"^[A-Za-z_][A-Za-z_\-]*(?:[.:/][A-Za-z_][A-Za-z_\-]*)+$")
_WORDS_ONLY = re.compile(r"^(?:[a-z_]+|[A-Z_]+|[a-z]+(?:[-.][a-z]+)+|[A-Z][a-z]+(?:[A-Z][a-z]+)*)$")
_REFERENCE = re.compile(r"^[a-z]+(?:[_.][a-z0-9]+)+$|^[a-z]+(?:[A-Z][a-z]+)+$")
# Documented example and default passwords (database and framework tutorials, vendor docs).
_DOCUMENTED = frozenset({
    'tiger', 'password', 'passw0rd', 'p@ssw0rd', 'p@ssword', 'secret', 'changeme', 'change_me',
    'changeit', 'admin', 'administrator', 'root', 'toor', 'letmein', '123456', '1234567',
    '12345678', '123456789', 'qwerty', 'pass', 'pass123', 'password1', 'password123',
    'mypassword', 'mypass', 'yourpassword', 's3cr3t', 'secret123', 'foobar', 'foo', 'bar',
    'test', 'testing', 'test123', 'guest', 'default', 'welcome', 'postgres', 'mysql', 'example',
    'pwd', 'passwd', 'hunter2', 'xyzzy', 'sa', 'oracle', 'manager', 'master',
})
_HASH = re.compile(
    r"^(?:\$(?:2[abxy]?|1|5|6|7|y|apr1|argon2(?:id|i|d)|pbkdf2(?:-sha\d+)?|scrypt|gy)\$"
    r"|(?:pbkdf2_sha\d+|pbkdf2|argon2|bcrypt(?:_sha256)?|sha1|md5|scrypt|crypt)\$"
    r"|\{(?:SSHA|SHA|SSHA256|SSHA512|SHA256|SHA512|MD5|SMD5|CRYPT|PBKDF2[\w-]*)\})")
_HEX_DIGEST = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$", re.I)
_ENCRYPTED = re.compile(r"^(?:ENC\(.*\)|ENC\[|\{cipher\}|enc:|vault:v\d+:|AQICA|!vault|sops:)",
                        re.IGNORECASE)
_TAILS_TEXT = """url uri type name file path dir field header prefix suffix format fmt len length
id ids count endpoint method mode env var kind scope param pattern regex re label class placeholder
hint prompt message msg text title help description desc expiry expires ttl timeout size
limit attr attribute column col index idx ref policy rule rules store reset confirmation confirm
strength min max required enabled hash hashed encrypted salt_rounds rounds version location
provider validator regex validation input"""
_NAME_TAILS = frozenset(_TAILS_TEXT.split())
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "pass", "passphrase", "passwort",
                             "contrasena", "pw"})
_SECRET_WORDS = frozenset({"secret", "token", "apikey", "credential", "credentials", "creds",
                           "salt", "authtoken"})
_KEY_OWNERS = frozenset({
    'api', 'access', 'auth', 'secret', 'private', 'client', 'service', 'account', 'signing',
    'encryption', 'master', 'app', 'consumer', 'license', 'db', 'database', 'aws', 'priv',
    'session', 'cookie',
})
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def is_placeholder(value: str) -> bool:
    """Documentation keys (`...EXAMPLE`), templates (`${VAR}`, `{{ x }}`, `<your-key>`) and
    filler text."""
    lowered = value.lower()
    if any(word in lowered for word in _PLACEHOLDER_WORDS) or _TEMPLATE.search(value):
        return True
    return len(set(value)) <= 3


def is_indirection(value: str) -> bool:
    """A reference to where the secret lives (an env var, a vault path), not the secret."""
    return bool(_INDIRECTION.search(value.strip()))


def is_documented_password(value: str) -> bool:
    """`tiger` (of `scott:tiger`, and `tiger^5HHH` in its variants), `changeme`, `admin` and
    other documented defaults."""
    lowered = value.lower().strip("'\"")
    return lowered in _DOCUMENTED or lowered.startswith(("tiger", "changeme", "password"))


def is_hash_or_encrypted(value: str) -> bool:
    """A password hash (`$2b$12$...`, `pbkdf2_sha256$...`, `{SSHA}...`) or an encrypted
    value (`ENC(...)`, SOPS `ENC[...]`, `{cipher}...`): not the secret itself."""
    return bool(_HASH.match(value) or _ENCRYPTED.match(value))


def name_kind(name: str) -> str | None:
    """What a key name says its value is: "password" (a human password), "secret" (a token,
    key or secret), or None (`token_url`, `password_field`, `secret_name`: metadata)."""
    words = [w.lower() for w in _WORD_SPLIT.split(name.strip("\"'`[]")) if w]
    if not words or words[0] in ("is", "has", "use", "show", "no", "get", "set", "enable"):
        return None
    last = words[-1]
    if last in _NAME_TAILS:
        return None
    if last in _PASSWORD_WORDS or last.endswith(("password", "passwd")):
        return "password"
    if last in _SECRET_WORDS or last.endswith(("secret", "token", "apikey")):
        return "secret"
    if last == "key" and len(words) > 1 and words[-2] in _KEY_OWNERS:
        return "secret"
    if last.endswith("key") and last[:-3] in _KEY_OWNERS:
        return "secret"
    return None


def _shared_rejections(value: str) -> bool:
    if any(c.isspace() for c in value) or len(value) > 200:
        return True
    if value.lower() in {"none", "null", "true", "false", "nil", "undefined", "required"}:
        return True
    if len(value) >= 24 and entropy(value) >= 4.3:  # random: only a few words make it filler
        lowered = value.lower()
        return is_hash_or_encrypted(value) or value.startswith(("${", "{{", "$(")) or any(
            word in lowered for word in ("example", "xxxx", "your", "placeholder", "redacted"))
    if value.startswith(("http://", "https://", "/", "./", "~")) or ("{" in value and "}" in value):
        return True  # a path, a URL, or a template / format field
    return is_placeholder(value) or is_indirection(value) or is_hash_or_encrypted(value)


def generic_value_ok(value: str) -> bool:
    """Whether a value assigned to a token/secret/key name looks like a real secret."""
    if len(value) < 8 or _shared_rejections(value) or _WORDS_ONLY.match(value):
        return False
    lowered = value.lower()
    if any(word in lowered for word in _GENERIC_FILLER) or is_documented_password(value):
        return False
    if _DOTTED_PATH.match(value):  # a module path or entry point, not a secret
        return False
    return entropy(value) >= 3.0


def password_value_ok(value: str, name: str, *, config: bool) -> bool:
    """Whether a value assigned to a password name is a password: human ones (`hunter22`)
    count, so there is no entropy floor beyond filler, but documented defaults, hashes,
    encrypted values and references do not. In code (not a config file) the value must be
    at least 8 characters and mix letters with digits or symbols."""
    if len(value) < (6 if config else 8) or _shared_rejections(value):
        return False
    if is_documented_password(value) or value.lower() == name.lower().strip("\"'"):
        return False
    if _HEX_DIGEST.match(value) or _REFERENCE.match(value) or _DOTTED_PATH.match(value):
        return False
    if not config and (value.isdigit() or (value.isalpha() and (
            value.islower() or value.isupper() or _WORDS_ONLY.match(value)))):
        return False  # a word or a number in code is more likely a fixture than a password
    return entropy(value) >= 2.0


def generic_name_ok(name: str) -> bool:
    """Names like `token_url` or `password_field` hold metadata about a secret, not one."""
    return name_kind(name) is not None
