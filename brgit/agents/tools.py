"""Tools of the claude agent, confined to one worktree."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MAX_READ = 100_000
MAX_COMMAND_SECONDS = 120.0

TOOL_SPECS: list[dict[str, Any]] = [
    {
        "name": "read_file",
        "description": "Read a text file of the worktree.",
        "input_schema": {
            "type": "object",
            "properties": {"path": {"type": "string"}},
            "required": ["path"],
        },
    },
    {
        "name": "write_file",
        "description": "Create or overwrite a text file of the worktree.",
        "input_schema": {
            "type": "object",
            "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
            "required": ["path", "content"],
        },
    },
    {
        "name": "list_files",
        "description": "List the files under a folder of the worktree (default: all).",
        "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}},
    },
    {
        "name": "run_command",
        "description": "Run a shell command in the worktree (timeout in seconds, max 120).",
        "input_schema": {
            "type": "object",
            "properties": {"command": {"type": "string"}, "timeout": {"type": "number"}},
            "required": ["command"],
        },
    },
]


class ToolError(Exception):
    """A tool call the model got wrong; reported back to it as an error result."""


class Toolbox:
    def __init__(self, root: Path, env: Mapping[str, str]) -> None:
        self.root = root.resolve()
        self.env = dict(env)

    def confine(self, relative: str) -> Path:
        target = (self.root / relative).resolve()
        if target != self.root and self.root not in target.parents:
            raise ToolError(f"path {relative!r} is outside the worktree")
        if ".git" in target.relative_to(self.root).parts:
            raise ToolError("the .git folder is off limits")
        return target

    def call(self, name: str, args: Mapping[str, Any]) -> str:
        handler = {
            "read_file": self.read_file,
            "write_file": self.write_file,
            "list_files": self.list_files,
            "run_command": self.run_command,
        }.get(name)
        if handler is None:
            raise ToolError(f"unknown tool {name!r}")
        try:
            return handler(args)
        except (KeyError, TypeError) as exc:
            raise ToolError(f"bad arguments for {name}: {exc}") from None

    def read_file(self, args: Mapping[str, Any]) -> str:
        target = self.confine(str(args["path"]))
        if not target.is_file():
            raise ToolError(f"no such file: {args['path']}")
        return target.read_text(encoding="utf-8", errors="replace")[:MAX_READ]

    def write_file(self, args: Mapping[str, Any]) -> str:
        target = self.confine(str(args["path"]))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(str(args["content"]), encoding="utf-8")
        return f"wrote {target.relative_to(self.root)}"

    def list_files(self, args: Mapping[str, Any]) -> str:
        base = self.confine(str(args.get("path") or "."))
        found = sorted(
            str(p.relative_to(self.root))
            for p in base.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(self.root).parts
        )
        return "\n".join(found[:2000]) or "(no files)"

    def run_command(self, args: Mapping[str, Any]) -> str:
        timeout = min(float(args.get("timeout") or MAX_COMMAND_SECONDS), MAX_COMMAND_SECONDS)
        try:
            proc = subprocess.run(  # noqa: S602 - the agent's tool, confined to the worktree
                str(args["command"]),
                shell=True,
                cwd=self.root,
                env={**os.environ, **self.env},
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ToolError(f"command timed out after {timeout:g}s") from None
        return f"exit {proc.returncode}\n{(proc.stdout + proc.stderr)[-8000:]}"
