"""SQL injection in JavaScript and TypeScript: template literals with `${...}` and string
concatenation reaching `query`, `execute`, `raw`, `$queryRawUnsafe` and the like, directly or
through a variable. Tagged templates (`$queryRaw\\`...\\``, `sql\\`...\\``) are safe by design.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from brgit.security.sql_python import RawFinding

_SINK = (r"(?:\.|\b)(query|execute|raw|whereRaw|havingRaw|orderByRaw|joinRaw|unsafe|"
         r"\$queryRawUnsafe|\$executeRawUnsafe|exec|all|run|prepare)\s*(?:<[^>()]*>)?\s*\(\s*")
_TEMPLATE = r"`(?:[^`\\]|\\.)*`"
_STRING = r"(?:\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*')"
_SINK_TEMPLATE = re.compile(_SINK + "(" + _TEMPLATE + ")")
_SINK_CONCAT = re.compile(_SINK + "(" + _STRING + r"\s*\+\s*[^,)]+|[A-Za-z_$][\w$.]*\s*\+\s*"
                          + _STRING + ")")
_SINK_NAME = re.compile(_SINK + r"([A-Za-z_$][\w$]*)\s*[,)]")
_DECL_TEMPLATE = re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*\w+\s*)?=\s*("
                            + _TEMPLATE + ")")
_DECL_CONCAT = re.compile(r"\b(?:const|let|var)?\s*([A-Za-z_$][\w$]*)\s*(?::\s*\w+\s*)?\+?=\s*("
                          + _STRING + r"\s*\+[^;\n]+|[A-Za-z_$][\w$]*\s*\+\s*" + _STRING + ")")
_INTERPOLATION = re.compile(r"\$\{([^}]*)\}")
_SAFE_INTERPOLATION = re.compile(
    r"^\s*(?:Number|parseInt|parseFloat|Math\.\w+|BigInt)\(.*\)\s*$|^\s*\d+\s*$|\.length\s*$")
_SQL = re.compile(r"\b(?:select|insert|update|delete|create|drop|alter|where|values|from|"
                  r"order\s+by|limit|join|truncate)\b", re.IGNORECASE)


_SYNTAX = re.compile(r"[=*'\"(<>]|\b(?:SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|VALUES|SET)\b")


def _sql_like(text: str) -> bool:
    """SQL words plus SQL syntax or uppercase keywords (a route like `/users/${id}/delete`
    is not a query)."""
    constant = _INTERPOLATION.sub("", text)
    return bool(_SQL.search(constant)) and bool(_SYNTAX.search(constant.strip("`'\"")))


def _unsafe_template(literal: str) -> bool:
    holes = _INTERPOLATION.findall(literal)
    return _sql_like(literal) and any(not _SAFE_INTERPOLATION.search(h) for h in holes)


def _unsafe_concat(expression: str) -> bool:
    return _sql_like(expression)


def _line(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _tainted_names(source: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for match in _DECL_TEMPLATE.finditer(source):
        if _unsafe_template(match.group(2)):
            names[match.group(1)] = "js-sql-template"
    for match in _DECL_CONCAT.finditer(source):
        if _unsafe_concat(match.group(2)):
            names.setdefault(match.group(1), "js-sql-concat")
    return names


def analyze_js(source: str) -> list[RawFinding]:
    found: dict[int, RawFinding] = {}
    for raw in _raw(source):
        found.setdefault(raw.line, raw)
    return sorted(found.values(), key=lambda f: f.line)


def _raw(source: str) -> Iterator[RawFinding]:
    for match in _SINK_TEMPLATE.finditer(source):
        if _unsafe_template(match.group(2)):
            yield _finding(source, match, "js-sql-template", "high")
    for match in _SINK_CONCAT.finditer(source):
        if _unsafe_concat(match.group(2)):
            yield _finding(source, match, "js-sql-concat", "high")
    tainted = _tainted_names(source)
    for match in _SINK_NAME.finditer(source):
        rule = tainted.get(match.group(2))
        if rule:
            yield _finding(source, match, rule, "medium")


def _finding(source: str, match: re.Match[str], rule: str, confidence: str) -> RawFinding:
    how = "a template literal" if rule == "js-sql-template" else "string concatenation"
    return RawFinding(_line(source, match.start()), rule, "high", confidence,
                      f"SQL built with {how} reaches {match.group(1)}(); use placeholders")
