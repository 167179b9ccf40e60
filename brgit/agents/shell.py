"""The shell agent: runs the task's `run` command in its worktree (the offline default)."""

from __future__ import annotations

from brgit.agents.base import AgentRequest, AgentResult, looks_rate_limited, run_process


class ShellAgent:
    name = "shell"

    def run(self, request: AgentRequest) -> AgentResult:
        command = request.task.run
        if not command:
            return AgentResult(False, error=f"task {request.task.id!r} has no `run` command")
        code, out = run_process(command, request, shell=True)  # noqa: S604 - the user's own command
        if code == 0:
            return AgentResult(True, output=out, exit_code=0)
        return AgentResult(
            False,
            output=out,
            error=_describe(code, out),
            rate_limited=looks_rate_limited(out),
            exit_code=code,
        )


def _describe(code: int, out: str) -> str:
    if code < 0:
        return f"killed by signal {-code}"
    last = [line for line in out.strip().splitlines() if line.strip()]
    tail = f": {last[-1][:200]}" if last else ""
    return f"exit {code}{tail}"
