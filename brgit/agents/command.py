"""The command agent: runs an agent CLI from a template and reads what it reports.

Template placeholders (each stays one argument, whatever it contains): `{prompt}`, `{model}`,
`{task_id}`, `{title}`, `{worktree}`, `{max_turns}`, `{max_budget_usd}`. Example:
`claude -p --output-format json --model {model} -- {prompt}`. The presets
(`brgit.agents.presets`) run through the same `run_cli`.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from brgit.agents import outcome
from brgit.agents.base import AgentRequest, AgentResult, run_process
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


def run_cli(
    argv: list[str],
    request: AgentRequest,
    fmt: str,
    env: Mapping[str, str] | None = None,
) -> AgentResult:
    """Run an agent CLI in the worktree and turn what it printed into an AgentResult."""
    try:
        code, out = run_process(argv, request, env=env)
    except FileNotFoundError:
        return AgentResult(False, error=f"agent command not found: {argv[0]}")
    except PermissionError:
        return AgentResult(False, error=f"agent command not executable: {argv[0]}")
    report = parse_output(fmt, out, request.model)
    return outcome.judge(report, code, out, argv[0])


class CommandAgent:
    name = "command"

    def run(self, request: AgentRequest) -> AgentResult:
        argv = build_argv(request.cfg.agent.command, request)
        return run_cli(argv, request, request.cfg.agent.output_format)
