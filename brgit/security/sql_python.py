"""SQL injection in Python, found through the syntax tree.

A finding needs a sink (`execute`, `executemany`, `executescript`, Django `raw`/`extra`/
`RawSQL`, SQLAlchemy `text`/`exec_driver_sql`, pandas `read_sql*`, asyncpg `fetch*`, or a
wrapper function of this module that passes its parameter to one) whose query argument was
built from a non-constant value with an f-string, `%`, `.format`, `+`, `+=` or `join`.
Uppercase SQL statements built the same way but not seen reaching a sink are reported with low
confidence (`sql-string-built`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from brgit.security.sql_values import Evaluator, Scope, Value

SINKS: dict[str, str] = {  # name -> confidence of a finding
    "execute": "high", "executemany": "high", "executescript": "high", "mogrify": "high",
    "exec_driver_sql": "high", "read_sql": "high", "read_sql_query": "high", "raw": "high",
    "RawSQL": "high", "fetch": "medium", "fetchrow": "medium", "fetchval": "medium",
    "text": "medium", "extra": "medium", "query": "medium",
}
_QUERY_KWARGS = ("sql", "query", "statement", "operation", "raw_query", "where", "select")
_SQL_WORDS = re.compile(
    r"\b(?:select|insert|update|delete|create|drop|alter|truncate|replace|merge|exec|call|where|"
    r"values|order\s+by|group\s+by|limit|join|grant|pragma)\b", re.IGNORECASE)
_SQL_SYNTAX = re.compile(r"[=*'\"(<>]|\b(?:SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|VALUES|SET)\b|"
                         r"\bwhere\b", re.ASCII)
_SQL_STATEMENT = re.compile(
    r"^\s*(?:SELECT\b[\s\S]*\bFROM\b|INSERT\s+INTO\b|UPDATE\b[\s\S]*\bSET\b|DELETE\s+FROM\b)")
_PREFILTER = re.compile(
    r"\b(?:" + "|".join(SINKS) + r")\s*\(|\b(?:SELECT|INSERT|UPDATE|DELETE)\b")
_ADMIN = re.compile(r"\b(?:CREATE|DROP|ALTER)\s+(?:DATABASE|SCHEMA|USER|ROLE|LOGIN|TABLESPACE)\b"
                    r"|^\s*(?:GRANT|REVOKE)\b", re.IGNORECASE)
_CLAUSE_CALLS = frozenset({"filter", "where", "having", "order_by", "group_by", "join",
                           "outerjoin", "select_from", "on", "filter_by", "from_statement"})
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_HOW = {"sql-fstring": "an f-string", "sql-percent": "% formatting", "sql-format": ".format()",
        "sql-concat": "string concatenation", "sql-join": "join()"}


@dataclass(frozen=True)
class RawFinding:
    line: int
    rule: str
    severity: str
    confidence: str
    message: str


def _walk(root: ast.AST) -> Iterator[ast.AST]:
    """Nodes of one scope: does not enter nested functions, classes or lambdas."""
    stack = list(ast.iter_child_nodes(root))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))


def _names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def build_scope(root: ast.AST, nodes: list[ast.AST] | None = None) -> Scope:
    scope = Scope()
    if isinstance(root, ast.FunctionDef | ast.AsyncFunctionDef):
        args = root.args
        scope.params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        scope.params |= {a.arg for a in (args.vararg, args.kwarg) if a}
    for node in nodes if nodes is not None else _walk(root):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                _bind(scope, target, node.value, False)
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
            _bind(scope, node.target, node.value, False)
        elif isinstance(node, ast.AugAssign):
            _bind(scope, node.target, node.value, isinstance(node.op, ast.Add))
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            scope.bound |= _names(node.target)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            scope.bound |= _names(node.optional_vars)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            scope.bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.If | ast.Assert | ast.While):
            scope.checked |= _allow_listed(node.test)
    return scope


_CHECKS = frozenset({"isidentifier", "isalnum", "isdigit", "isdecimal", "isnumeric", "isalpha"})


def _allow_listed(test: ast.expr) -> set[str]:
    """Names a condition checks against an allow-list (`col in ALLOWED`, `col not in COLS`)
    or for a safe shape (`name.isidentifier()`), flow-insensitively."""
    names = set()
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and all(
                isinstance(op, ast.In | ast.NotIn) for op in node.ops):
            names.add(node.left.id)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in _CHECKS and isinstance(node.func.value, ast.Name)):
            names.add(node.func.value.id)
    return names


def _bind(scope: Scope, target: ast.AST, value: ast.expr, augmented: bool) -> None:
    if isinstance(target, ast.Name):
        scope.assigns.setdefault(target.id, []).append((value, augmented))
    else:
        scope.bound |= _names(target) if not isinstance(target, ast.Attribute | ast.Subscript) \
            else set()


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _query_args(node: ast.Call, index: int) -> list[ast.expr]:
    args = [node.args[index]] if len(node.args) > index else []
    args += [k.value for k in node.keywords if k.arg in _QUERY_KWARGS]
    return args


def _looks_like_sql(text: str, *, strict: bool) -> bool:
    """SQL words; at generic sinks (`text`, `query`, ...) also SQL syntax or uppercase
    keywords, so prose such as `st.text(f"Select a file from {d}")` is not a query."""
    if not _SQL_WORDS.search(text):
        return False
    return not strict or bool(_SQL_SYNTAX.search(text))


def _is_clause(call: ast.Call, arg: ast.expr) -> bool:
    """Django `extra(where=[...], select={...})`: the keyword itself says it is SQL."""
    return any(k.value is arg and k.arg in ("where", "select") for k in call.keywords)


def finding_for(line: int, sink: str, value: Value, confidence: str) -> RawFinding:
    """A finding at a sink; statements that create or drop a whole database or schema (admin
    code, names usually from settings) are reported at low confidence at most."""
    kind = value.kind or "sql-concat"
    message = (f"SQL built with {_HOW.get(kind, kind)} reaches {sink}(); "
               "pass values as query parameters")
    if _ADMIN.search(value.text):
        return RawFinding(line, kind, "medium", "low", message.replace(
            "pass values", "database administration; check where the name comes from, or pass"))
    return RawFinding(line, kind, "high", confidence, message)


def _clause_arguments(tree: ast.AST) -> set[int]:
    """Calls passed straight to `.filter()`, `.where()` and the like (SQLAlchemy clauses)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in _CLAUSE_CALLS:
            found |= {id(arg) for arg in node.args if isinstance(arg, ast.Call)}
    return found


def may_contain_sql(source: str) -> bool:
    """Cheap test before the tree is analysed: a sink call or an uppercase SQL verb."""
    return _PREFILTER.search(source) is not None


class PythonSQLAnalyzer:
    def __init__(self, tree: ast.Module, source: str) -> None:
        self.tree, self.lines = tree, source.splitlines()
        self.nodes: dict[int, list[ast.AST]] = {id(tree): list(_walk(tree))}
        self.functions = [n for n in ast.walk(tree)
                          if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        for func in self.functions:
            self.nodes[id(func)] = list(_walk(func))
        self.module = build_scope(tree, self.nodes[id(tree)])
        self.scopes = {id(f): build_scope(f, self.nodes[id(f)]) for f in self.functions}
        self.wrappers = self._wrappers()
        self.clauses = _clause_arguments(tree) if "text(" in source else set()

    def _wrappers(self) -> dict[str, int]:
        """Functions of this module that pass one of their parameters to a sink."""
        wrappers: dict[str, int] = {}
        for _ in range(2):
            for func in self.functions:
                positional = [a.arg for a in [*func.args.posonlyargs, *func.args.args]]
                offset = 1 if positional[:1] in (["self"], ["cls"]) else 0
                for call, index, _conf in self._sinks(func, wrappers):
                    for arg in _query_args(call, index):
                        if isinstance(arg, ast.Name) and arg.id in positional:
                            wrappers.setdefault(func.name, positional.index(arg.id) - offset)
        return wrappers

    def _sinks(
        self, root: ast.AST, wrappers: dict[str, int]
    ) -> Iterator[tuple[ast.Call, int, str]]:
        for node in self.nodes[id(root)]:
            if isinstance(node, ast.Call):
                name = _call_name(node)
                if name in SINKS:
                    yield node, 0, SINKS[name]
                elif name in wrappers and wrappers[name] >= 0:
                    yield node, wrappers[name], "medium"

    def findings(self) -> list[RawFinding]:
        results: dict[int, RawFinding] = {}
        for root in (self.tree, *self.functions):
            scope = self.scopes.get(id(root), self.module)
            evaluator = Evaluator(scope, self.module)
            sunk = self._check_sinks(root, evaluator, results)
            self._check_built(root, evaluator, sunk, results)
        return sorted(results.values(), key=lambda f: f.line)

    def _check_sinks(self, root: ast.AST, ev: Evaluator, out: dict[int, RawFinding]) -> set[str]:
        sunk: set[str] = set()
        for call, index, confidence in self._sinks(root, self.wrappers):
            clause = id(call) in self.clauses  # text(...) given to filter()/where(): SQL
            for arg in _query_args(call, index):
                sunk |= {arg.id} if isinstance(arg, ast.Name) else set()
                value = ev.value(arg)
                sql_like = _looks_like_sql(value.text, strict=confidence != "high") \
                    or _is_clause(call, arg) or clause
                if not value.safe and value.kind and sql_like:
                    level = "high" if clause else confidence
                    out.setdefault(call.lineno, finding_for(call.lineno, _call_name(call),
                                                            value, level))
        return sunk

    def _check_built(self, root: ast.AST, ev: Evaluator, sunk: set[str],
                     out: dict[int, RawFinding]) -> None:
        for node in self.nodes[id(root)]:
            if not isinstance(node, ast.Return | ast.Assign) or node.value is None:
                continue
            if isinstance(node, ast.Assign) and _names(node.targets[0]) & sunk:
                continue
            value = ev.value(node.value)
            if not value.safe and value.kind and _SQL_STATEMENT.match(value.text):
                out.setdefault(node.lineno, RawFinding(
                    node.lineno, "sql-string-built", "medium", "low",
                    f"SQL statement built with {_HOW.get(value.kind, value.kind)}; "
                    "use query parameters where it is executed"))
