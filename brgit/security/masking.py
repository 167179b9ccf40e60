"""Masking of excerpts with every secret rule: what a SQL finding prints (its source line) or a
secret finding shows as context never holds a whole credential, whichever rule would find it.

Unlike detection, masking applies no entropy floor or placeholder filter: anything a rule's
pattern matches is masked, and `brgit.redact.redact` (the always-on net for logs) runs last.
"""

from __future__ import annotations

from brgit.redact import mask, redact
from brgit.security.generic import generic_hits
from brgit.security.rules import RULES, active_rules


def _spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for rule in active_rules(text, RULES.values()):
        for match in rule.pattern.finditer(text):
            if match.end(rule.group) > match.start(rule.group):
                spans.append((match.start(rule.group), match.end(rule.group)))
    for name in ("x.py", "x.env"):  # quoted assignments, then unquoted ones
        spans += [(hit.start, hit.end) for hit in generic_hits(text, name)]
    return spans


def mask_text(text: str) -> str:
    """`text` with every credential any rule matches shown as `abcd...wxyz`."""
    spans = sorted(_spans(text))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    for start, end in reversed(merged):
        text = text[:start] + mask(text[start:end]) + text[end:]
    return redact(text)
