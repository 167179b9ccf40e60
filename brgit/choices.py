"""The choice lists, defined once: the config schema checks them, the CLI offers them, and each
registry (agents, merge strategies, output parsers) is tested to hold exactly these names.
No imports, so the CLI's help can name them without loading anything."""

from __future__ import annotations

# the built-in agents, then the agent-CLI presets
AGENT_NAMES = ("shell", "command", "claude", "claude-code", "codex", "aider")
MERGE_STRATEGIES = ("merge", "squash", "rebase")
ON_CONFLICT = ("skip", "stop")
OUTPUT_FORMATS = ("auto", "claude-json", "codex-jsonl", "aider", "plain")
# where a session's tasks run (brgit.parallel.executor.EXECUTORS)
BACKENDS = ("local", "ray")
# which task worktrees stay after their task ends (the work itself is on the task's branch)
KEEP_WORKTREES = ("failed", "all")


def either(names: tuple[str, ...]) -> str:
    """`a | b | c`, as help texts and config comments show a choice."""
    return " | ".join(names)
