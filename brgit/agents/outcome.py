"""What an agent CLI's run came to: ok, an error, a denial, or a model-provider failure.

`judge(report, exit_code, output, program)` reads the parsed report (`brgit.agents.parsers`)
and the exit code. A run is never a silent success: a reported error, a refused tool, a
failed model call or a report brgit could not read each end up in the AgentResult.
"""

from __future__ import annotations

import re

from brgit.agents.base import API_ERROR, DENIED, ERROR, OK, AgentResult, looks_rate_limited
from brgit.agents.parsers import Report
from brgit.llm import errors as kinds

_USAGE_FORMATS = ("claude-json", "codex-jsonl", "aider", "auto")
_CONNECTION = re.compile(
    r"ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|connection (?:refused|error|reset)"
    r"|unable to connect|getaddrinfo|certificate|\bTLS\b|\bSSL\b|socket hang up|fetch failed",
    re.IGNORECASE,
)


def judge(report: Report, code: int, output: str, program: str) -> AgentResult:
    result = AgentResult(
        code == 0 and not report.is_error and not report.denials,
        output=report.result or output[-2000:],
        usages=report.usages,
        reported_cost_usd=report.cost_usd,
        exit_code=code,
    )
    if not report.found and report.format in _USAGE_FORMATS:
        what = "usage" if report.format == "auto" else report.format
        result.warnings.append(f"{program} printed no {what} report: tokens and cost not recorded")
    if result.success:
        result.outcome = OK
        return result
    failure = _api_failure(report, code, output)
    if failure is not None:
        return _api_result(result, failure)
    if report.denials:
        result.outcome = DENIED
        result.error = f"permission denied: {'; '.join(report.denials[:5])}"
        return result
    result.outcome = ERROR
    result.error = report.error or (
        f"killed by signal {-code}" if code < 0 else f"{program} exited {code}"
    )
    result.rate_limited = looks_rate_limited(output)
    return result


def _api_failure(report: Report, code: int, output: str) -> kinds.Failure | None:
    """The model-provider failure the agent reported, if its run ended on one."""
    text = report.error or report.result or output[-2000:]
    if report.api_status is not None or report.api_failed:
        return kinds.classify_reported(report.api_status, text)
    unreported = code != 0 and not report.found
    if unreported and (_CONNECTION.search(output[-4000:]) or looks_rate_limited(output)):
        return kinds.classify_reported(None, text)
    return None


def _api_result(result: AgentResult, failure: kinds.Failure) -> AgentResult:
    result.outcome = API_ERROR
    result.error = f"model provider: {failure.message}"
    result.rate_limited = failure.kind in (kinds.RATE_LIMITED, kinds.OVERLOADED)
    result.retryable = failure.kind in (kinds.CONNECTION, kinds.TRANSIENT)
    return result
