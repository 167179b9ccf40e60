"""`br gaps analyze --ai`: a model compares each spec feature with the code it was matched to.

The model call is passed in (`ask(prompt) -> text`): the command layer sends it through the
routing fallback to the cheapest model and records it in the cost ledger. The prompt asks for
one JSON object (the 5.5 models reject a forced tool choice); an answer that is not that JSON
becomes a note, never a made-up verdict. Features with no matching code are already high
gaps and are not sent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from brgit.llm.client import reply_json
from brgit.quality.model import Gap
from brgit.quality.specs import SpecMatch

Ask = Callable[[str], str]
MAX_CODE_CHARS = 12_000
VERDICTS = {"implemented": None, "partial": "medium", "missing": "high"}
PROMPT = """Compare a feature from a project's spec with the code that was matched to it.
Reply with exactly one JSON object and nothing else, in this shape:
{{"status": "implemented" | "partial" | "missing", "missing": ["<what is not built>", "..."]}}

Feature: {name}
{text}

Code ({file}):
```
{code}
```"""


def compare(matches: list[SpecMatch], target: Path, ask: Ask,
            spec: str | None) -> tuple[list[Gap], list[str]]:
    """Gaps for features the model finds partly or not built, and notes on unusable answers."""
    gaps: list[Gap] = []
    notes: list[str] = []
    for m in matches:
        if m.code is None:
            continue
        code = (target / m.code.rel).read_text(encoding="utf-8", errors="replace")
        prompt = PROMPT.format(name=m.item.name, text=m.item.text or "(no description)",
                               file=m.code.rel, code=code[:MAX_CODE_CHARS])
        try:
            status, missing = parse_verdict(ask(prompt))
        except ValueError as exc:
            notes.append(f"AI comparison of '{m.item.name}' unusable: {exc}")
            continue
        severity = VERDICTS[status]
        if severity is not None:
            what = "; ".join(missing) or "the model gave no detail"
            gaps.append(Gap(severity, "spec-ai",
                            f"'{m.item.name}' is {status} in {m.code.rel}: {what}",
                            spec, m.item.line))
    return gaps, notes


def parse_verdict(text: str) -> tuple[str, list[str]]:
    data = reply_json(text)
    status = data.get("status") if isinstance(data, dict) else None
    if status not in VERDICTS:
        raise ValueError("the reply has no status implemented, partial or missing")
    raw = data.get("missing", [])
    missing = [str(x)[:200] for x in raw[:5]] if isinstance(raw, list) else [str(raw)[:200]]
    return str(status), missing
