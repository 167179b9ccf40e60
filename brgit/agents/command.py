"""The command agent: runs an agent CLI from a template and reads what it reports.

Template placeholders (each stays one argument, whatever it contains): `{prompt}`, `{model}`,
`{task_id}`, `{title}`, `{worktree}`, `{max_turns}`, `{max_budget_usd}`. Example:
`claude -p {prompt} --output-format json --model {model} --max-turns {max_turns}`.
"""

from __future__ import annotations

import shlex

from brgit.agents.base import AgentRequest, AgentResult, looks_rate_limited, run_process
from brgit.agents.parsers import parse_output
from brgit.errors import ConfigError


def build_argv(template: str, request: AgentRequest) -> list[str]:
    """Split the template first, then fill each word, so a prompt can never inject arguments."""
    if not template.strip():
        raise ConfigError("agent.command is empty: set a template for the command agent")
    values = {
        "prompt": request.prompt,
        "model": request.model,
        "task_id": request.task.id,
        "title": request.task.title,
        "worktree": str(request.worktree),
        "max_turns": str(request.cfg.agent.max_turns),
        "max_budget_usd": str(request.cfg.agent.max_budget_usd),
    }
    try:
        return [word.format(**values) for word in shlex.split(template)]
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"agent.command: bad template ({exc})") from None


class CommandAgent:
    name = "command"

    def run(self, request: AgentRequest) -> AgentResult:
        argv = build_argv(request.cfg.agent.command, request)
        try:
            code, out = run_process(argv, request)
        except FileNotFoundError:
            return AgentResult(False, error=f"agent command not found: {argv[0]}")
        report = parse_output(request.cfg.agent.output_format, out, request.model)
        success = code == 0 and not report.is_error
        error = None
        if not success:
            error = report.error or (
                f"killed by signal {-code}" if code < 0 else f"{argv[0]} exited {code}"
            )
        return AgentResult(
            success,
            output=report.result or out[-2000:],
            error=error,
            usages=report.usages,
            reported_cost_usd=report.cost_usd,
            rate_limited=not success and looks_rate_limited(out),
            exit_code=code,
        )
