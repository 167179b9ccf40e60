"""`br doctor`: is each agent usable here? Programs, versions, keys and base URLs.

A check never prints a key: it names the variable it found and shows the value masked.
`diagnose(cfg, environ)` returns a `Diagnosis` (a value); the CLI renders it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from brgit.agents.presets import PRESETS, Preset, program_path
from brgit.redact import mask, redact

if TYPE_CHECKING:
    from brgit.config import Config

VERSION_TIMEOUT = 30.0


@dataclass
class AgentCheck:
    agent: str
    program: str | None = None  # the executable found, or None
    found_by: str = ""  # "PATH" | "agent.<key>" | "built in"
    version: str | None = None
    key: str | None = None  # "VAR=sk-a...AAAA", masked
    base_url: str | None = None
    used: bool = False  # the config's agent.default (or the agent asked about)
    usable: bool = False
    problem: str | None = None


@dataclass
class Diagnosis:
    checks: list[AgentCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every agent in use is usable."""
        return all(c.usable for c in self.checks if c.used)


def diagnose(cfg: Config, environ: Mapping[str, str] | None = None, using: str = "") -> Diagnosis:
    env = os.environ if environ is None else environ
    wanted = using or cfg.agent.default
    checks = [AgentCheck("shell", found_by="built in", usable=True), _command(cfg), _claude(cfg)]
    checks += [check_preset(preset, cfg, env) for preset in PRESETS.values()]
    for check in checks:
        check.used = check.agent == wanted
    return Diagnosis(checks)


def check_preset(preset: Preset, cfg: Config, env: Mapping[str, str]) -> AgentCheck:
    configured = str(getattr(cfg.agent, preset.path_key, "") or "")
    check = AgentCheck(preset.name, found_by=f"agent.{preset.path_key}" if configured else "PATH")
    check.key = _key(preset.key_vars, env)
    check.base_url = next((env[v] for v in preset.url_vars if env.get(v)), None)
    check.program = program_path(preset, cfg)
    if check.program is None:
        where = configured or f"{preset.program} on PATH"
        check.problem = f"{where} not found ({preset.install})"
        return check
    check.version, check.problem = _version(check.program)
    check.usable = check.problem is None
    if check.usable and check.key is None and preset.name != "claude-code":
        check.problem = f"no key in {' or '.join(preset.key_vars)}"
        check.usable = False
    return check


def _command(cfg: Config) -> AgentCheck:
    import shlex
    import shutil

    check = AgentCheck("command", found_by="agent.command")
    words = shlex.split(cfg.agent.command) if cfg.agent.command.strip() else []
    if not words:
        check.problem = "agent.command is empty"
        return check
    check.program = shutil.which(words[0])
    check.usable = check.program is not None
    check.problem = None if check.usable else f"{words[0]} not found"
    return check


def _claude(cfg: Config) -> AgentCheck:
    """brgit's own SDK agent: the key and base URL the routing key manager would use."""
    from brgit.routing.keys import KeyManager

    status = KeyManager(cfg.root).status()
    check = AgentCheck("claude", found_by="built in", base_url=status.base_url)
    check.key = f"ANTHROPIC_API_KEY={status.masked} ({status.source})" if status.masked else None
    check.usable = status.valid
    check.problem = status.problem
    return check


def _key(names: tuple[str, ...], env: Mapping[str, str]) -> str | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return f"{name}={mask(value)}"
    return None


def _version(program: str) -> tuple[str | None, str | None]:
    """(first line of `program --version`, None) or (None, why it did not run)."""
    try:
        proc = subprocess.run(
            [program, "--version"],
            capture_output=True,
            text=True,
            timeout=VERSION_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"{program} --version failed: {type(exc).__name__}"
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    first = redact(lines[0].strip()) if lines else ""
    if proc.returncode != 0:
        return None, f"{program} --version exited {proc.returncode}: {first[:120]}"
    return first[:120] or "(no version printed)", None
