"""Quality gate and gap analysis: `br quality check`, `br gaps analyze`, the merge-train gate.

    from brgit.quality.check import check          # -> QualityReport (exit 0 / 4)
    from brgit.quality.gaps import analyze         # -> GapReport
    from brgit.quality.gate import QualityGate     # gate.check(worktree) -> (passed, reason)

Measures come from the tools Python projects already use: coverage.py runs the tests, radon
gives cyclomatic complexity; docstrings, stubs, exception handlers and imports are read from
the one AST parse per file. Each file's facts are cached by content under
`.buildrunner/quality/`. The security scanners and the model call are passed in by the
caller, so this package imports neither security nor routing.
"""
