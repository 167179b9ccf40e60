"""What a Python expression given as tokens can hold: the token-level twin of
`brgit.security.sql_values.Evaluator`, with the same answers (safe, constant text, and how
attacker-controlled text was built in), for the AST-free SQL analysis."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from brgit.security.sql_lexer import Tok, statements
from brgit.security.sql_values import (
    _NUMERIC_CONVERSIONS,
    _SAFE_CALLS,
    _STRING_METHODS,
    _WRAPPING_CALLS,
    SAFE,
    UNKNOWN,
    Value,
    union,
)

_CONSTANTS = frozenset({"True", "False", "None"})
_HOLE = re.compile(r"\{\{|\}\}|\{((?:[^{}]|\{[^{}]*\})*)\}")
_NUMERIC_SPEC = re.compile(r":[^:]*[dfxeg%]$")
_STOP = frozenset({",", ")", "]", "}", ":", "for", "if", "else", "=", "lambda", "in", "and",
                   "or", "not", "is", "==", "!=", "<", ">", "<=", ">=", "async"})


class Resolver(Protocol):
    def name(self, name: str) -> Value: ...


@dataclass
class Args:
    positional: list[list[Tok]] = field(default_factory=list)
    keywords: list[tuple[str, list[Tok]]] = field(default_factory=list)
    end: int = 0  # index of the closing parenthesis

    @classmethod
    def split(cls, toks: list[Tok], open_index: int) -> Args:
        """The arguments of the call whose `(` is at `open_index`."""
        args, depth, start = cls(), 0, open_index + 1
        for i in range(open_index, len(toks)):
            text = toks[i].text
            depth += (text in "([{") - (text in ")]}") if toks[i].kind == "op" else 0
            if (depth == 1 and text == ",") or depth == 0:
                args._add(toks[start:i])
                start = i + 1
            if depth == 0:
                args.end = i
                return args
        args._add(toks[start:])
        args.end = len(toks)
        return args

    def _add(self, part: list[Tok]) -> None:
        if not part:
            return
        if len(part) > 2 and part[0].kind == "name" and part[1].text == "=":
            self.keywords.append((part[0].text, part[2:]))
        elif part[0].text in ("*", "**"):
            self.positional.append(part[1:])
        else:
            self.positional.append(part)


class ExprParser:
    """sum := product (('+' | '-') product)*; product := postfix (('%' | '*' | ...) postfix)*;
    anything else at the top level (`and`, `==`, `if ... else`) joins the parts' values."""

    def __init__(self, toks: list[Tok], resolver: Resolver) -> None:
        self.toks, self.resolver, self.i = toks, resolver, 0

    def value(self) -> Value:
        if _top_level(self.toks, "for"):  # a bare generator argument: join(x for x in y)
            return self._comprehension(self.toks)
        parts = []
        while self.i < len(self.toks):
            if self.toks[self.i].text == "if":  # a conditional's test adds nothing to its value
                self._skip_to("else")
                continue
            start = self.i
            parts.append(self._sum())
            if self.i == start:
                self.i += 1
        return union(parts) if parts else SAFE

    def _peek(self) -> str:
        return self.toks[self.i].text if self.i < len(self.toks) else ""

    def _skip_to(self, word: str) -> None:
        depth = 0
        while self.i < len(self.toks):
            text = self.toks[self.i].text
            depth += (text in "([{") - (text in ")]}")
            self.i += 1
            if depth == 0 and text == word:
                return

    def _sum(self) -> Value:
        operands = [self._product()]
        while self._peek() in ("+", "-"):
            self.i += 1
            operands.append(self._product())
        if len(operands) == 1:
            return operands[0]
        combined = union(operands)
        if combined.safe or combined.kind:
            return combined
        return Value(False, combined.text, "sql-concat" if combined.text else None)

    def _product(self) -> Value:
        left = self._postfix()
        while self._peek() in ("%", "*", "/", "//", "@"):
            op = self._peek()
            self.i += 1
            right = self._postfix()
            if op == "%" and left.text:
                if right.safe or _numeric_only(left.text):
                    left = Value(left.safe, left.text, left.kind)
                else:
                    left = Value(False, left.text, left.kind or right.kind or "sql-percent")
            elif op == "*":
                left = left if left.safe else right if right.safe else union([left, right])
            else:
                left = union([left, right]) if left.text or right.text else SAFE
        return left

    def _postfix(self) -> Value:
        if self._peek() in ("not", "-", "+", "~", "await"):
            self.i += 1
        if self.i >= len(self.toks) or self._peek() in _STOP:
            return SAFE
        tok = self.toks[self.i]
        callee = tok.text if tok.kind == "name" else ""
        value = self._atom()
        while self._peek() in (".", "(", "["):
            if self._peek() == ".":
                self.i += 1
                attr = self.toks[self.i].text if self.i < len(self.toks) else ""
                self.i += 1
                value = self._method(value, attr) if self._peek() == "(" else UNKNOWN
                callee = ""
            elif self._peek() == "(":
                value = self._call(callee)
                callee = ""
            else:
                self._group()
                value = SAFE if value.safe else UNKNOWN
        return value

    def _atom(self) -> Value:
        tok = self.toks[self.i]
        if tok.kind == "string":
            parts = []
            while self.i < len(self.toks) and self.toks[self.i].kind == "string":
                parts.append(self._string(self.toks[self.i]))
                self.i += 1
            return union(parts)
        self.i += 1
        if tok.kind == "number" or tok.text in _CONSTANTS:
            return SAFE
        if tok.kind == "name":
            return UNKNOWN if tok.text == "lambda" else self.resolver.name(tok.text)
        if tok.text in "([{":
            self.i -= 1
            return self._collection()
        return UNKNOWN

    def _group(self) -> list[Tok]:
        """Skip a bracketed group; its inner tokens."""
        depth, start = 0, self.i
        while self.i < len(self.toks):
            text = self.toks[self.i].text
            depth += (text in "([{") - (text in ")]}") if self.toks[self.i].kind == "op" else 0
            self.i += 1
            if depth == 0:
                break
        return self.toks[start + 1 : self.i - 1]

    def _collection(self) -> Value:
        opener = self._peek()
        inner = self._group()
        if not inner:
            return SAFE
        if any(t.text == "for" for t in inner):
            return self._comprehension(inner)
        values = []
        for part in _split_commas(inner):
            if opener == "{" and any(t.text == ":" for t in part):
                colon = next(i for i, t in enumerate(part) if t.text == ":")
                part = part[colon + 1 :]
            values.append(ExprParser(part, self.resolver).value())
        return union(values)

    def _comprehension(self, inner: list[Tok]) -> Value:
        cut = next(i for i, t in enumerate(inner) if t.text == "for")
        loop_vars = set()
        for tok in inner[cut + 1 :]:
            if tok.text == "in":
                break
            if tok.kind == "name":
                loop_vars.add(tok.text)
        element = inner[:cut]
        if not {t.text for t in element if t.kind == "name"} & loop_vars:
            return ExprParser(element, self.resolver).value()
        return ExprParser(element, _Bound(self.resolver, loop_vars)).value()

    def _call(self, callee: str) -> Value:
        args = Args.split(self.toks, self.i)
        self.i = args.end + 1
        if callee in _SAFE_CALLS or "escape" in callee.lower() or "quote" in callee.lower():
            return SAFE
        if callee in _WRAPPING_CALLS:
            return ExprParser(args.positional[0], self.resolver).value() if args.positional \
                else SAFE
        return UNKNOWN

    def _method(self, base: Value, name: str) -> Value:
        args = Args.split(self.toks, self.i)
        self.i = args.end + 1
        values = [ExprParser(a, self.resolver).value() for a in args.positional]
        values += [ExprParser(v, self.resolver).value() for _, v in args.keywords]
        if name in _SAFE_CALLS or "escape" in name.lower() or "quote" in name.lower():
            return SAFE
        if name == "format":
            joined = union(values) if values else SAFE
            return base if joined.safe else Value(False, base.text, base.kind or joined.kind
                                                  or "sql-format")
        if name == "join":
            items = values[0] if values else SAFE
            if items.safe:
                return Value(base.safe, base.text + " " + items.text, base.kind)
            return Value(False, base.text + " " + items.text, items.kind or "sql-join")
        if name in _STRING_METHODS:
            return base
        if name == "get":
            return union([base, *values[1:]])
        return UNKNOWN

    def _string(self, tok: Tok) -> Value:
        body = tok.body
        if "f" not in tok.prefix:
            return Value(True, body)
        holes = [m.group(1) for m in _HOLE.finditer(body) if m.group(1) is not None]
        constant = _HOLE.sub(" ", body)
        values = [self._hole(h) for h in holes]
        result = union([Value(True, constant), *values])
        return result if result.safe else Value(False, result.text, result.kind or "sql-fstring")

    def _hole(self, hole: str) -> Value:
        expr = hole.split("!", 1)[0] if "!" in hole and "!=" not in hole else hole
        if _NUMERIC_SPEC.search(expr):
            return SAFE
        expr = expr.split(":", 1)[0] if ":" in expr and "[" not in expr else expr
        toks = [t for s in statements(expr.strip()) for t in s.tokens]
        return ExprParser(toks, self.resolver).value() if toks else SAFE


class _Bound:
    """A resolver that knows the loop variables of a comprehension (unknown values)."""

    def __init__(self, inner: Resolver, names: set[str]) -> None:
        self.inner, self.names = inner, names

    def name(self, name: str) -> Value:
        return UNKNOWN if name in self.names else self.inner.name(name)


def _top_level(toks: list[Tok], word: str) -> bool:
    depth = 0
    for tok in toks:
        depth += (tok.text in "([{") - (tok.text in ")]}") if tok.kind == "op" else 0
        if depth == 0 and tok.text == word:
            return True
    return False


def _split_commas(toks: list[Tok]) -> list[list[Tok]]:
    parts, depth, start = [], 0, 0
    for i, tok in enumerate(toks):
        depth += (tok.text in "([{") - (tok.text in ")]}") if tok.kind == "op" else 0
        if depth == 0 and tok.text == ",":
            parts.append(toks[start:i])
            start = i + 1
    parts.append(toks[start:])
    return [p for p in parts if p]


def _numeric_only(template: str) -> bool:
    conversions = set(_NUMERIC_CONVERSIONS.findall(template)) - {"%"}
    return bool(conversions) and conversions <= set("dioxXeEfFgG")
