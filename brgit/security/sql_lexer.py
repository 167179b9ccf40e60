"""A small Python lexer of brgit's own (not `tokenize`, whose output changes between Python
versions), enough to find SQL sinks in source the running Python cannot parse: Python 2,
syntax newer than the interpreter, files too deeply nested for `ast`.

It yields statements (lists of tokens, split at newlines outside brackets and at `;`) with
their indentation; strings keep their prefix, so f-strings are known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>(?i:[rbuf]{0,2})(?:'''[\s\S]*?(?:'''|\Z)|\"\"\"[\s\S]*?(?:\"\"\"|\Z)
        |'(?:[^'\\\n]|\\[\s\S])*(?:'|(?=\n)|\Z)|"(?:[^"\\\n]|\\[\s\S])*(?:"|(?=\n)|\Z)))
  | (?P<name>[^\W\d]\w*)
  | (?P<number>\d[\w.]*)
  | (?P<newline>\r?\n)
  | (?P<continuation>\\\r?\n)
  | (?P<space>[ \t\f\r]+)
  | (?P<op>\*\*=|//=|>>=|<<=|[-+*/%&|^@]=|->|:=|==|!=|<=|>=|<>|\*\*|//|<<|>>|[^\s\w])
""", re.VERBOSE)
_OPEN, _CLOSE = "([{", ")]}"


@dataclass(frozen=True)
class Tok:
    kind: str  # "string" | "name" | "number" | "op"
    text: str
    line: int

    @property
    def prefix(self) -> str:
        return self.text[: len(self.text) - len(self.text.lstrip("rbufRBUF"))].lower()

    @property
    def body(self) -> str:
        """The string's content without prefix and quotes."""
        raw = self.text[len(self.prefix):]
        quote = raw[:3] if raw[:3] in ("'''", '"""') else raw[:1]
        inner = raw[len(quote):]
        return inner[: -len(quote)] if inner.endswith(quote) else inner


@dataclass(frozen=True)
class Statement:
    indent: int
    tokens: list[Tok]
    depth: int = 0  # the deepest bracket nesting in it

    @property
    def line(self) -> int:
        return self.tokens[0].line


def statements(source: str) -> Iterator[Statement]:
    tokens: list[Tok] = []
    depth, deepest, line, indent, at_start = 0, 0, 1, 0, True
    for match in _TOKEN.finditer(source):
        kind, text = match.lastgroup or "op", match.group()
        if kind == "space" and at_start:
            indent = len(text.expandtabs(8))
        elif kind in ("newline", "continuation"):
            if kind == "newline" and depth == 0 and tokens:
                yield Statement(indent, tokens, deepest)
                tokens, deepest = [], 0
            if kind == "newline" and depth == 0:
                indent, at_start = 0, True
        elif kind in ("string", "name", "number", "op"):
            at_start = False
            if text == ";" and depth == 0:
                if tokens:
                    yield Statement(indent, tokens, deepest)
                tokens, deepest = [], 0
            else:
                depth += (text in _OPEN) - (text in _CLOSE) if kind == "op" else 0
                depth = max(depth, 0)
                deepest = max(deepest, depth)
                tokens.append(Tok(kind, text, line))
        line += text.count("\n")
    if tokens:
        yield Statement(indent, tokens, deepest)
