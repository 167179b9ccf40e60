"""The one exception hierarchy of brgit and the exit codes it maps to.

Exit codes are the API reference's contract:

====  ==========================
code  meaning
====  ==========================
0     success
1     general error
2     configuration error (and command-line usage errors)
3     security issues detected
4     quality gate failed
5     API error (model provider: auth, billing, spend limit, exhausted fallbacks)
6     file not found
130   interrupted (Ctrl-C)
141   the reader of the output went away (`br ... | head`)
====  ==========================
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_GENERAL = 1
EXIT_CONFIG = 2
EXIT_SECURITY = 3
EXIT_QUALITY = 4
EXIT_API = 5
EXIT_NOT_FOUND = 6
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # the reader of our output went away (128 + SIGPIPE)


class BuildRunnerError(Exception):
    """Base exception for all brgit errors; its message is shown to the user as one line."""

    exit_code: int = EXIT_GENERAL


class ConfigError(BuildRunnerError):
    """Broken configuration: bad TOML, a wrong type, an unknown key, a bad value."""

    exit_code = EXIT_CONFIG


class SecurityError(BuildRunnerError):
    """Raised when security issues are detected."""

    exit_code = EXIT_SECURITY


class QualityGateError(BuildRunnerError):
    """Raised when a quality gate fails."""

    exit_code = EXIT_QUALITY


class APIError(BuildRunnerError):
    """A model provider refused or failed in a way retries cannot fix."""

    exit_code = EXIT_API


class RoutingError(BuildRunnerError):
    """Raised when model routing fails (unknown model, no model fits the limits)."""


class TelemetryError(BuildRunnerError):
    """Raised when telemetry operations fail (explicit commands only; collection never raises)."""


class ParallelError(BuildRunnerError):
    """Raised when parallel operations fail."""


class UsageError(BuildRunnerError):
    """A value given on the command line (or in a plan) that is not one brgit knows."""

    exit_code = EXIT_CONFIG


class PlanError(BuildRunnerError):
    """A malformed plan or spec: unknown dependency, duplicate id, cycle, bad field."""

    exit_code = EXIT_CONFIG


class GitError(BuildRunnerError):
    """A git command failed; the message carries git's own first line."""


class MergeError(BuildRunnerError):
    """The merge train cannot proceed (dirty checkout, train in progress, bad target)."""


class NotFoundError(BuildRunnerError):
    """A file, session, plan or branch that the command needs does not exist."""

    exit_code = EXIT_NOT_FOUND


class OutputClosedError(BuildRunnerError):
    """Whoever read our output went away (`br ... | head`); `br` stops quietly."""

    exit_code = EXIT_BROKEN_PIPE


class NotBuiltError(BuildRunnerError):
    """The command exists in the interface but its work is not built yet."""


class MissingExtraError(ConfigError):
    """A feature needs an optional package that is not installed (`pip install 'brgit[X]'`)."""
