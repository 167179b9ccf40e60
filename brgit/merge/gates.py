"""Gates: checks the train runs on a merged result after its verify command passed.

A gate is any object with a `name` and `check(worktree) -> (passed, reason)`; it is handed the
scratch worktree holding the merged result and must leave it as it found it (a gate that
writes files should write them under an ignored folder). A failing gate ejects the branch
like a failed verify command (with bisection in batch mode), the gate's reason as the detail.

Gates are plugins registered by name in `GATES` (a factory per name, given the loaded
`Config`); `br merge --gate NAME` and `merge.gate` pick them. brgit's own packages register
theirs where the application is put together; this module registers none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from brgit.errors import UsageError

if TYPE_CHECKING:
    from brgit.config import Config


class Gate(Protocol):
    name: str

    def check(self, worktree: Path) -> tuple[bool, str]:
        """(passed, reason): the reason says what failed (it becomes the ejection detail)."""
        ...


GateFactory = Callable[["Config"], Gate]
GATES: dict[str, GateFactory] = {}


def resolve(
    names: Sequence[str], cfg: Config, registry: dict[str, GateFactory] | None = None
) -> list[Gate]:
    """The gates named, built once per train; an unknown name is a usage error (exit 2)."""
    known = GATES if registry is None else registry
    gates = []
    for name in dict.fromkeys(names):
        if name not in known:
            listed = ", ".join(sorted(known)) or "none registered"
            raise UsageError(f"unknown gate {name!r} (known: {listed})")
        gates.append(known[name](cfg))
    return gates


def run_gates(gates: Sequence[Gate], worktree: Path) -> tuple[str, str] | None:
    """None when every gate passes; else (the failing gate's name, its reason). A gate that
    raises fails with the exception as its reason (the train goes on)."""
    from brgit.redact import redact

    for gate in gates:
        try:
            passed, reason = gate.check(worktree)
        except Exception as exc:  # a broken gate ejects the branch, it does not stop the train
            passed, reason = False, f"{type(exc).__name__}: {exc}"
        if not passed:
            lines = [line.strip() for line in reason.splitlines() if line.strip()]
            return gate.name, redact(" | ".join(lines) or "failed")
    return None
