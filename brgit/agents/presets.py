"""Agent-CLI presets: Claude Code, Codex and aider as named settings of the command agent.

A preset knows its program, the flags of a headless run whose edits stay in the worktree,
how to name brgit's model to that CLI, and which parser reads its report. Its argv puts the
prompt where the CLI cannot read it as an option (after `--`, or glued to `--message=`), so
a task title starting with `-` stays text.

    PRESETS["claude-code"].argv("/usr/bin/claude", request)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from brgit.agents.base import AgentRequest, AgentResult
from brgit.agents.command import run_cli
from brgit.agents.parsers import parse_aider_log

if TYPE_CHECKING:
    from brgit.config import Config


@dataclass(frozen=True)
class Preset:
    name: str
    program: str  # looked up on PATH unless `agent.<path_key>` names it
    path_key: str
    output_format: str  # a parser of brgit.agents.parsers
    build: Callable[[str, AgentRequest], list[str]]
    env_defaults: dict[str, str] = field(default_factory=dict)  # unless the user set them
    key_vars: tuple[str, ...] = ()  # where the CLI reads its API key (any one will do)
    url_vars: tuple[str, ...] = ()  # where it reads a base URL
    install: str = ""  # how to get it, for `br doctor` and the not-found error
    usage_log: str = ""  # a flag naming a file where the CLI logs exact usage (aider)

    def argv(self, program: str, request: AgentRequest) -> list[str]:
        return self.build(program, request)

    def env(self, environ: dict[str, str] | None = None) -> dict[str, str]:
        current = os.environ if environ is None else environ
        return {k: v for k, v in self.env_defaults.items() if k not in current}


def program_path(preset: Preset, cfg: Config) -> str | None:
    """The preset's executable: `agent.<name>_path` when set (relative to the repo), else PATH."""
    configured = str(getattr(cfg.agent, preset.path_key, "") or "")
    if configured:
        path = cfg.resolve(configured) if ("/" in configured) else Path(configured)
        if path.is_absolute():
            return str(path) if os.access(path, os.X_OK) and path.is_file() else None
        return shutil.which(configured)
    return shutil.which(preset.program)


class PresetAgent:
    def __init__(self, preset: Preset) -> None:
        self.preset = preset
        self.name = preset.name

    def run(self, request: AgentRequest) -> AgentResult:
        preset = self.preset
        program = program_path(preset, request.cfg)
        if program is None:
            where = getattr(request.cfg.agent, preset.path_key, "") or f"{preset.program} on PATH"
            return AgentResult(
                False,
                error=f"{preset.name}: {where} not found ({preset.install}; see `br doctor`)",
            )
        argv = preset.argv(program, request)
        if not preset.usage_log:
            return run_cli(argv, request, preset.output_format, preset.env())
        with tempfile.TemporaryDirectory(prefix="brgit-agent-") as folder:
            log = Path(folder) / "usage.jsonl"
            result = run_cli([*argv, preset.usage_log, str(log)], request, preset.output_format,
                             preset.env())
            exact = parse_aider_log(log.read_text(errors="replace")) if log.exists() else []
        if exact:  # exact counts beat the rounded `Tokens: 1.2k sent` lines
            result.usages = exact
            result.warnings = [w for w in result.warnings if "printed no" not in w]
        return result


def claude_code_argv(program: str, request: AgentRequest) -> list[str]:
    """`claude -p` with JSON output; edits are accepted in the working directory (the worktree)
    and nowhere else, other tools only as `agent.allowed_tools` allows."""
    limits = request.cfg.agent
    argv = [program, "-p", "--output-format", "json", "--permission-mode", "acceptEdits"]
    if request.model:
        argv += ["--model", request.model]
    argv += ["--max-turns", str(limits.max_turns), "--max-budget-usd", str(limits.max_budget_usd)]
    if limits.allowed_tools:
        argv += ["--allowedTools", *limits.allowed_tools]
    return [*argv, "--", request.prompt]


def codex_argv(program: str, request: AgentRequest) -> list[str]:
    """`codex exec --json` sandboxed to the worktree (`-s workspace-write`)."""
    argv = [program, "exec", "--json", "--color", "never", "-s", "workspace-write"]
    argv += ["-C", str(request.worktree)]
    model = codex_model(request.model)
    if model:
        argv += ["-m", model]
    return [*argv, "--", request.prompt]


def codex_model(model: str) -> str | None:
    """Codex serves OpenAI models: a Claude id from routing leaves Codex's own default."""
    return None if not model or model.startswith("claude") else model


def aider_argv(program: str, request: AgentRequest) -> list[str]:
    """`aider --message` in the worktree's repository; brgit commits, so aider does not.
    The prompt is glued to `--message=`; `--analytics-log FILE` (added by PresetAgent) gives
    exact token counts."""
    argv = [program, "--yes-always", "--no-auto-commits", "--no-dirty-commits", "--no-gitignore"]
    argv += ["--no-check-update", "--analytics-disable", "--no-pretty", "--no-fancy-input"]
    argv += ["--no-stream", "--no-show-model-warnings"]
    argv += ["--input-history-file", os.devnull, "--chat-history-file", os.devnull]
    if request.model:
        argv += ["--model", aider_model(request.model)]
    return [*argv, f"--message={request.prompt}"]


def aider_model(model: str) -> str:
    """aider names models LiteLLM's way: `anthropic/<id>` unless a provider is given."""
    return model if "/" in model else f"anthropic/{model}"


PRESETS: dict[str, Preset] = {
    "claude-code": Preset(
        name="claude-code",
        program="claude",
        path_key="claude_code_path",
        output_format="claude-json",
        build=claude_code_argv,
        env_defaults={"CLAUDE_CODE_MAX_RETRIES": "0"},  # brgit owns the one retry loop
        key_vars=("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"),
        url_vars=("ANTHROPIC_BASE_URL",),
        install="npm install -g @anthropic-ai/claude-code",
    ),
    "codex": Preset(
        name="codex",
        program="codex",
        path_key="codex_path",
        output_format="codex-jsonl",
        build=codex_argv,
        key_vars=("OPENAI_API_KEY", "CODEX_API_KEY"),
        url_vars=("OPENAI_BASE_URL",),
        install="npm install -g @openai/codex",
    ),
    "aider": Preset(
        name="aider",
        program="aider",
        path_key="aider_path",
        output_format="aider",
        build=aider_argv,
        key_vars=("ANTHROPIC_API_KEY", "OPENAI_API_KEY"),
        url_vars=("ANTHROPIC_BASE_URL", "OPENAI_API_BASE"),
        install="pip install aider-chat",
        usage_log="--analytics-log",  # written even with --analytics-disable; nothing is sent
    ),
}
