"""What a Python expression can hold, for SQL-injection analysis.

`Evaluator.value(node)` answers: is the value safe (constants, numbers, int-coerced values,
psycopg `sql` composition), what constant text is known, and if attacker-controlled text was
built into a string, how (f-string, %, .format, +, +=, join). Names are resolved through the
assignments of the enclosing function, then of the module, flow-insensitively.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_SAFE_CALLS = frozenset({"int", "float", "len", "bool", "abs", "round", "hash", "ord", "min",
                         "max", "sum", "Decimal", "UUID", "uuid4", "Identifier", "Literal",
                         "Placeholder", "SQL", "Composed", "bindparam"})
_STRING_METHODS = frozenset({"strip", "lstrip", "rstrip", "upper", "lower", "replace", "encode",
                             "decode"})
_WRAPPING_CALLS = frozenset({"str", "dedent", "cleandoc"})
_NUMERIC_CONVERSIONS = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?([a-zA-Z%])")


@dataclass(frozen=True)
class Value:
    safe: bool
    text: str = ""
    kind: str | None = None  # the rule of the unsafe construction, if any


SAFE = Value(True)
UNKNOWN = Value(False)


def union(values: Iterable[Value]) -> Value:
    items = list(values)
    if not items:
        return UNKNOWN
    kind = next((v.kind for v in items if v.kind), None)
    return Value(all(v.safe for v in items), " ".join(v.text for v in items if v.text), kind)


@dataclass
class Scope:
    params: set[str] = field(default_factory=set)
    assigns: dict[str, list[tuple[ast.expr, bool]]] = field(default_factory=dict)  # (value, +=)
    bound: set[str] = field(default_factory=set)  # for-targets, with-as, unpacking, imports
    checked: set[str] = field(default_factory=set)  # tested against an allow-list (`in`)


class Evaluator:
    def __init__(self, scope: Scope, module: Scope) -> None:
        self.scope, self.module = scope, module
        self._active: set[str] = set()

    def value(self, node: ast.expr | None) -> Value:
        if node is None:
            return UNKNOWN
        method = getattr(self, f"_{type(node).__name__}", None)
        return method(node) if method else UNKNOWN  # type: ignore[no-any-return]

    def _Constant(self, node: ast.Constant) -> Value:
        return Value(True, node.value if isinstance(node.value, str) else "")

    def _Name(self, node: ast.Name) -> Value:
        name = node.id
        if name in self._active:
            return SAFE  # a self-reference adds nothing new
        for scope in (self.scope, self.module):
            if name in scope.checked:
                return SAFE  # `if col not in ALLOWED: raise`: only allowed values get here
            if name in scope.params or name in scope.bound:
                return UNKNOWN
            if name in scope.assigns:
                self._active.add(name)
                try:
                    return union(self._assigned(v, aug) for v, aug in scope.assigns[name])
                finally:
                    self._active.discard(name)
            if scope is self.module:
                break
        return UNKNOWN

    def _assigned(self, node: ast.expr, augmented: bool) -> Value:
        value = self.value(node)
        if augmented and not value.safe and value.kind is None:
            return Value(False, value.text, "sql-concat")
        return value

    def _JoinedStr(self, node: ast.JoinedStr) -> Value:
        parts = [self._formatted(v) if isinstance(v, ast.FormattedValue) else self.value(v)
                 for v in node.values]
        result = union(parts)
        return result if result.safe else Value(False, result.text, result.kind or "sql-fstring")

    def _formatted(self, node: ast.FormattedValue) -> Value:
        spec = ast.unparse(node.format_spec) if node.format_spec else ""
        if spec.rstrip("'\"").endswith(("d", "f", "x", "e", "g", "%")):
            return SAFE
        return self.value(node.value)

    def _BinOp(self, node: ast.BinOp) -> Value:
        if isinstance(node.op, ast.Add):
            combined = union(self.value(o) for o in _addends(node))
            if combined.safe or combined.kind:
                return combined
            return Value(False, combined.text, "sql-concat" if combined.text else None)
        left, right = self.value(node.left), self.value(node.right)
        if isinstance(node.op, ast.Mod) and left.text:
            if right.safe or _numeric_only(left.text):
                return Value(left.safe, left.text, left.kind)
            return Value(False, left.text, left.kind or right.kind or "sql-percent")
        if isinstance(node.op, ast.Mult):  # "?" * n, ["%s"] * len(ids): repeats a constant
            return left if left.safe else right if right.safe else union([left, right])
        return union([left, right]) if left.text or right.text else Value(True)

    def _Call(self, node: ast.Call) -> Value:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in _SAFE_CALLS or "escape" in name.lower() or "quote" in name.lower():
            return SAFE
        if isinstance(func, ast.Attribute) and name == "format":
            return self._format(func.value, node)
        if isinstance(func, ast.Attribute) and name == "join":
            return self._join(func.value, node.args)
        if isinstance(func, ast.Attribute) and name in _STRING_METHODS:
            return self.value(func.value)
        if isinstance(func, ast.Attribute) and name == "get":  # COLUMNS.get(key, "id")
            return union([self.value(func.value), *(self.value(a) for a in node.args[1:])])
        if name in _WRAPPING_CALLS:
            return self.value(node.args[0]) if node.args else SAFE
        return UNKNOWN

    def _format(self, template: ast.expr, node: ast.Call) -> Value:
        if isinstance(template, ast.Call) and getattr(template.func, "attr", "") == "SQL":
            return SAFE  # psycopg sql.SQL(...).format(sql.Identifier(...))
        base = self.value(template)
        args = union([self.value(a) for a in node.args] + [self.value(k.value)
                                                           for k in node.keywords]) \
            if node.args or node.keywords else SAFE
        if args.safe:
            return base
        return Value(False, base.text, base.kind or args.kind or "sql-format")

    def _join(self, separator: ast.expr, args: list[ast.expr]) -> Value:
        sep = self.value(separator)
        items = self.value(args[0]) if args else SAFE
        if items.safe:
            return Value(sep.safe, sep.text + " " + items.text, sep.kind)
        return Value(False, sep.text + " " + items.text, items.kind or "sql-join")

    def _List(self, node: ast.List) -> Value:
        return union(self.value(e) for e in node.elts) if node.elts else SAFE

    _Tuple = _Set = _List  # type: ignore[assignment]

    def _Dict(self, node: ast.Dict) -> Value:
        return union(self.value(v) for v in node.values) if node.values else SAFE

    def _GeneratorExp(self, node: ast.GeneratorExp) -> Value:
        loop_vars = {n.id for g in node.generators for n in ast.walk(g.target)
                     if isinstance(n, ast.Name)}
        used = {n.id for n in ast.walk(node.elt) if isinstance(n, ast.Name)}
        if used & loop_vars:
            scope = Scope(self.scope.params, self.scope.assigns, self.scope.bound | loop_vars)
            inner = Evaluator(scope, self.module)
            return inner.value(node.elt)
        return self.value(node.elt)

    _ListComp = _SetComp = _GeneratorExp  # type: ignore[assignment]

    def _Subscript(self, node: ast.Subscript) -> Value:
        """`COLUMNS[key]` of a constant mapping or list is one of its constant values."""
        base = self.value(node.value)
        return Value(True) if base.safe else UNKNOWN

    def _IfExp(self, node: ast.IfExp) -> Value:
        return union([self.value(node.body), self.value(node.orelse)])


def _addends(node: ast.BinOp) -> list[ast.expr]:
    """The operands of `a + b + c + ...`, left to right, without recursion (a 500-term
    concatenation must not exhaust the stack)."""
    operands: list[ast.expr] = []
    stack: list[ast.expr] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.BinOp) and isinstance(item.op, ast.Add):
            stack += [item.right, item.left]
        else:
            operands.append(item)
    return operands


def _numeric_only(template: str) -> bool:
    conversions = set(_NUMERIC_CONVERSIONS.findall(template)) - {"%"}
    return bool(conversions) and conversions <= set("dioxXeEfFgG")
