"""SQL injection in Python without a syntax tree, for files the running Python cannot parse.

The same model as `brgit.security.sql_python` (sinks, wrappers, values followed through the
assignments of the function and the module, the same rules and confidences), read from the
token stream of `brgit.security.sql_lexer` instead of `ast`, so the findings do not depend on
which Python runs the hook. It is an approximation: scopes come from indentation, and only
expressions (not statements) are understood.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from brgit.security.sql_expr import Args, ExprParser, Resolver
from brgit.security.sql_lexer import Statement, Tok, statements
from brgit.security.sql_python import (
    _CLAUSE_CALLS,
    _HOW,
    _QUERY_KWARGS,
    _SQL_STATEMENT,
    SINKS,
    RawFinding,
    _looks_like_sql,
    finding_for,
)
from brgit.security.sql_values import SAFE, UNKNOWN, Value, union

MAX_DEPTH = 100  # deeper bracket nesting than any real query builder: the statement is skipped
_BINDERS = ("for", "import", "from", "with", "except", "global", "nonlocal", "del")


@dataclass
class FScope:
    params: list[str] = field(default_factory=list)
    assigns: dict[str, list[tuple[list[Tok], bool]]] = field(default_factory=dict)
    bound: set[str] = field(default_factory=set)
    checked: set[str] = field(default_factory=set)
    body: list[Statement] = field(default_factory=list)
    name: str = ""
    too_deep: list[int] = field(default_factory=list)  # lines of statements left out


def _scopes(source: str) -> list[FScope]:
    """The module scope first, then one per `def`, each with the statements of its body."""
    module = FScope()
    scopes, stack = [module], [(-1, module)]
    for stmt in statements(source):
        if stmt.depth > MAX_DEPTH:
            module.too_deep.append(stmt.line)
            continue
        while len(stack) > 1 and stmt.indent <= stack[-1][0]:
            stack.pop()
        scope = stack[-1][1]
        toks = stmt.tokens
        head = 1 if toks[0].text == "async" and len(toks) > 1 else 0
        if toks[head].text == "def" and len(toks) > head + 1:
            inner = FScope(params=_params(toks[head + 2 :]), name=toks[head + 1].text)
            scopes.append(inner)
            stack.append((stmt.indent, inner))
            continue
        if toks[0].text == "class":
            stack.append((stmt.indent, FScope()))  # a class body is not the module's scope
            continue
        scope.body.append(stmt)
        _bind(scope, toks)
    return scopes


def _params(toks: list[Tok]) -> list[str]:
    names, depth, expect = [], 0, True
    for tok in toks:
        if tok.text in "([{":
            depth += 1
            expect = depth == 1
        elif tok.text in ")]}":
            depth -= 1
            if depth == 0:
                break
        elif depth == 1 and tok.text == ",":
            expect = True
        elif depth == 1 and expect and tok.kind == "name":
            names.append(tok.text)
            expect = False
        elif depth == 1 and tok.text in ("=", ":"):
            expect = False
    return names


def _bind(scope: FScope, toks: list[Tok]) -> None:
    first = toks[0].text
    if first in _BINDERS or "as" in (t.text for t in toks if t.kind == "name"):
        scope.bound |= {t.text for t in toks if t.kind == "name"} - {first, "as", "in"}
    if first in ("if", "elif", "while", "assert"):
        scope.checked |= _checked(toks)
        return
    eq = next((i for i, t in enumerate(toks) if t.text in ("=", "+=", ":=")), None)
    if eq is None or first in _BINDERS:
        return
    target = toks[:eq]
    if len(target) == 1 and target[0].kind == "name":
        scope.assigns.setdefault(target[0].text, []).append((toks[eq + 1 :], toks[eq].text == "+="))
    elif len(target) >= 3 and target[0].kind == "name" and target[1].text == ":":
        scope.assigns.setdefault(target[0].text, []).append((toks[eq + 1 :], False))
    elif all(t.kind == "name" or t.text in ",()[]*" for t in target):
        scope.bound |= {t.text for t in target if t.kind == "name"}


def _checked(toks: list[Tok]) -> set[str]:
    names = set()
    for i, tok in enumerate(toks[:-1]):
        nxt = toks[i + 1]
        membership = nxt.text == "in" or (
            nxt.text == "not" and i + 2 < len(toks) and toks[i + 2].text == "in")
        if tok.kind == "name" and membership and (i == 0 or toks[i - 1].text != "."):
            names.add(tok.text)
        if (tok.text == "." and i > 0 and toks[i - 1].kind == "name" and nxt.text.startswith(
                ("isidentifier", "isalnum", "isdigit", "isdecimal", "isnumeric", "isalpha"))):
            names.add(toks[i - 1].text)
    return names


class _ScopeResolver(Resolver):
    def __init__(self, scope: FScope, module: FScope) -> None:
        self.scope, self.module = scope, module
        self.active: set[str] = set()

    def name(self, name: str) -> Value:
        if name in self.active:
            return SAFE
        for scope in (self.scope, self.module):
            if name in scope.checked:
                return SAFE
            if name in scope.params or name in scope.bound:
                return UNKNOWN
            if name in scope.assigns:
                self.active.add(name)
                try:
                    return union(self._assigned(t, aug) for t, aug in scope.assigns[name])
                finally:
                    self.active.discard(name)
            if scope is self.module:
                break
        return UNKNOWN

    def _assigned(self, toks: list[Tok], augmented: bool) -> Value:
        value = ExprParser(toks, self).value()
        if augmented and not value.safe and value.kind is None:
            return Value(False, value.text, "sql-concat")
        return value


def _call_start(toks: list[Tok], index: int) -> Tok:
    """The first token of the call expression whose callee name is at `index`."""
    i = index
    while i >= 2 and toks[i - 1].text == ".":
        i -= 2
        if toks[i].text in ")]":
            depth = 0
            while i > 0:
                depth += (toks[i].text in ")]") - (toks[i].text in "([")
                if depth == 0:
                    break
                i -= 1
            i -= 1
        if i < 0 or toks[i].kind != "name":
            return toks[max(i + 1, 0)]
    return toks[i]


def _sink_calls(stmt: Statement, wrappers: dict[str, int]) -> Iterator[tuple[int, int, str]]:
    """(callee index, query argument index, confidence) of each sink call in a statement."""
    toks = stmt.tokens
    for i, tok in enumerate(toks[:-1]):
        if tok.kind != "name" or toks[i + 1].text != "(" or (i and toks[i - 1].text == "def"):
            continue
        if tok.text in SINKS:
            yield i, 0, SINKS[tok.text]
        elif wrappers.get(tok.text, -1) >= 0:
            yield i, wrappers[tok.text], "medium"


class FallbackAnalyzer:
    def __init__(self, source: str) -> None:
        self.scopes = _scopes(source)
        self.module = self.scopes[0]
        self.wrappers = self._wrappers()

    def _wrappers(self) -> dict[str, int]:
        wrappers: dict[str, int] = {}
        for _ in range(2):
            for scope in self.scopes[1:]:
                offset = 1 if scope.params[:1] in (["self"], ["cls"]) else 0
                for stmt in scope.body:
                    for index, position, _conf in _sink_calls(stmt, wrappers):
                        for arg in self._query_args(stmt.tokens, index, position):
                            if len(arg) == 1 and arg[0].text in scope.params:
                                wrappers.setdefault(
                                    scope.name, scope.params.index(arg[0].text) - offset)
        return wrappers

    @staticmethod
    def _query_args(toks: list[Tok], index: int, position: int) -> list[list[Tok]]:
        args = Args.split(toks, index + 1)
        picked = [args.positional[position]] if len(args.positional) > position else []
        return picked + [v for k, v in args.keywords if k in _QUERY_KWARGS]

    def findings(self) -> list[RawFinding]:
        out: dict[int, RawFinding] = {}
        for scope in self.scopes:
            resolver = _ScopeResolver(scope, self.module)
            sunk = self._check_sinks(scope, resolver, out)
            self._check_built(scope, resolver, sunk, out)
        return sorted(out.values(), key=lambda f: f.line)

    def _check_sinks(self, scope: FScope, resolver: _ScopeResolver,
                     out: dict[int, RawFinding]) -> set[str]:
        sunk: set[str] = set()
        for stmt in scope.body:
            toks = stmt.tokens
            for index, position, confidence in _sink_calls(stmt, self.wrappers):
                clause = index >= 2 and toks[index - 1].text == "(" and \
                    toks[index - 2].text in _CLAUSE_CALLS and toks[index].text == "text"
                for arg in self._query_args(toks, index, position):
                    sunk |= {arg[0].text} if len(arg) == 1 and arg[0].kind == "name" else set()
                    value = ExprParser(arg, resolver).value()
                    keyword = toks[index].text == "extra"  # extra(where=..., select=...)
                    sql_like = clause or keyword or _looks_like_sql(
                        value.text, strict=confidence != "high")
                    if not value.safe and value.kind and sql_like:
                        line = _call_start(toks, index).line
                        out.setdefault(line, finding_for(line, toks[index].text, value,
                                                         "high" if clause else confidence))
        return sunk

    def _check_built(self, scope: FScope, resolver: _ScopeResolver, sunk: set[str],
                     out: dict[int, RawFinding]) -> None:
        for stmt in scope.body:
            toks = stmt.tokens
            if toks[0].text == "return" and len(toks) > 1:
                expr = toks[1:]
            elif len(toks) > 2 and toks[1].text == "=" and toks[0].kind == "name" \
                    and toks[0].text not in sunk:
                expr = toks[2:]
            else:
                continue
            value = ExprParser(expr, resolver).value()
            if not value.safe and value.kind and _SQL_STATEMENT.match(value.text):
                out.setdefault(stmt.line, RawFinding(
                    stmt.line, "sql-string-built", "medium", "low",
                    f"SQL statement built with {_HOW.get(value.kind, value.kind)}; use query "
                    "parameters where it is executed"))


def analyze_without_ast(source: str) -> tuple[list[RawFinding], list[int]]:
    """The findings, and the lines of statements nested too deeply to analyse."""
    analyzer = FallbackAnalyzer(source)
    return analyzer.findings(), analyzer.module.too_deep
