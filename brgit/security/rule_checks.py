"""Checks some rules make of a match beyond their pattern: plain functions of the match."""

from __future__ import annotations

import base64
import binascii
import re

from brgit.security.filters import entropy, is_documented_password, is_placeholder

_FAKE_HEADER = re.compile(r"FAKE|EXAMPLE|DUMMY|SAMPLE|REDACTED", re.IGNORECASE)
_KEY_MATERIAL = re.compile(r"[A-Za-z0-9+/=]{40,}")


def private_key(match: re.Match[str]) -> bool:
    """A real key block: not `BEGIN FAKE PRIVATE KEY`, and material that is not filler."""
    if _FAKE_HEADER.search(match.group(1)):
        return False
    material = _KEY_MATERIAL.search(match.group(0))
    return material is not None and entropy(material.group(0)) >= 3.5


def docker_auth(match: re.Match[str]) -> bool:
    """docker `"auth"`: base64 of `user:password` with a password that is not a placeholder."""
    try:
        decoded = base64.b64decode(match.group(1) + "==", validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    user, sep, password = decoded.partition(":")
    if not sep or not user or len(password) < 3 or not decoded.isprintable():
        return False
    return not (is_placeholder(password) or is_documented_password(password))


_SCHEME = re.compile(r"(?<![\w+.\-])([a-zA-Z][a-zA-Z0-9+.\-]{1,20})$")
_DATABASES = re.compile(
    r"(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|oracle|"
    r"cockroachdb)(?:\+\w+)?", re.IGNORECASE)


def _scheme(match: re.Match[str]) -> str:
    """The URL scheme right before the match's `://` ("" if there is none)."""
    found = _SCHEME.search(match.string, max(0, match.start() - 24), match.start())
    return found.group(1) if found else ""


def database_url(match: re.Match[str]) -> bool:
    return bool(_DATABASES.fullmatch(_scheme(match))) and _credentials_ok(match)


def url_password(match: re.Match[str]) -> bool:
    """`scheme://user:password@host`: not a template, a placeholder or a documented example
    (`scott:tiger`), and not the user name repeated."""
    return bool(_scheme(match)) and _credentials_ok(match)


def _credentials_ok(match: re.Match[str]) -> bool:
    user, password = match.group(1), match.group(2)
    if password.startswith(("$", "%", "{", "<", ":", "*")) or password == user:
        return False
    return not (is_placeholder(password) or is_documented_password(password))


def plain_password(match: re.Match[str]) -> bool:
    """A password in a credential file (`.netrc`, `.pgpass`, `.npmrc`)."""
    value = match.group(match.lastindex or 0)
    if value.startswith(("$", "%", "{", "<", "*")) or len(value) < 3:
        return False
    return not (is_placeholder(value) or is_documented_password(value))
