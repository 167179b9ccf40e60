"""The quality check as a merge-train gate: `QualityGate(...).check(worktree)` returns
`(passed, reason)`, the reason being one line naming what failed.

The gate knows nothing of the train: whoever builds it passes in how a worktree is checked
(the command layer builds the scanners and the cache once), so this module imports neither
merge nor security.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from brgit.errors import BuildRunnerError
from brgit.quality.model import QualityReport

Checker = Callable[[Path], QualityReport]


class QualityGate:
    name = "quality"

    def __init__(self, checker: Checker) -> None:
        self.checker = checker
        self.last: QualityReport | None = None

    def check(self, worktree: Path) -> tuple[bool, str]:
        """Run the quality check on `worktree`; a check that cannot run fails the gate."""
        try:
            self.last = self.checker(worktree)
        except BuildRunnerError as exc:
            self.last = None
            return False, f"quality gate could not run: {exc}"
        return self.last.passed, self.last.reason()

    __call__ = check
