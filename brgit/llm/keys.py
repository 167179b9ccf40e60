"""KeyManager: the Anthropic API key and base URL, from the environment or the repo's `.env`.

The environment wins over `.env` (at the main worktree's root). A key is checked for shape
before any request; it is only ever shown masked (`sk-a...AAAA`). With `ANTHROPIC_BASE_URL`
set (a gateway or proxy) any non-blank key without whitespace is accepted, since gateways
issue their own keys.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brgit import paths
from brgit.errors import ConfigError
from brgit.redact import mask

KEY_VAR = "ANTHROPIC_API_KEY"
URL_VAR = "ANTHROPIC_BASE_URL"
ANTHROPIC_KEY = re.compile(r"^sk-ant-[A-Za-z0-9_\-]{8,}$")
_ANY_KEY = re.compile(r"^\S{8,}$")
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


@dataclass(frozen=True)
class KeyStatus:
    present: bool
    source: str | None  # "environment" | ".env" | None
    masked: str | None
    valid: bool
    base_url: str | None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def read_dotenv(file: Path) -> dict[str, str]:
    """KEY=VALUE lines (optional `export`, quotes and comments); a missing file is empty."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match:
            values[match.group(1)] = _unquote(match.group(2))
    return values


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return raw.split(" #", 1)[0].strip()


class KeyManager:
    def __init__(self, root: Path | None = None, environ: Mapping[str, str] | None = None) -> None:
        self.root = root or paths.locate().main_root
        self.environ = os.environ if environ is None else environ
        self.dotenv_file = self.root / ".env"
        self._dotenv: dict[str, str] | None = None

    def _lookup(self, var: str) -> tuple[str | None, str | None]:
        value = self.environ.get(var, "").strip()
        if value:
            return value, "environment"
        if self._dotenv is None:
            self._dotenv = read_dotenv(self.dotenv_file)
        value = self._dotenv.get(var, "").strip()
        return (value, ".env") if value else (None, None)

    def base_url(self) -> str | None:
        return self._lookup(URL_VAR)[0]

    def problem(self, key: str) -> str | None:
        """Why `key` cannot be a key, or None when its shape is right."""
        if self.base_url():
            return None if _ANY_KEY.match(key) else "it is blank or contains whitespace"
        if ANTHROPIC_KEY.match(key):
            return None
        return "an Anthropic key starts with 'sk-ant-' and has no spaces"

    def status(self) -> KeyStatus:
        key, source = self._lookup(KEY_VAR)
        if key is None:
            return KeyStatus(False, None, None, False, self.base_url(), f"{KEY_VAR} is not set")
        problem = self.problem(key)
        return KeyStatus(True, source, mask(key), problem is None, self.base_url(), problem)

    def api_key(self) -> str:
        """The key, checked; ConfigError (exit 2) naming the variable when missing or malformed."""
        key, source = self._lookup(KEY_VAR)
        if key is None:
            raise ConfigError(
                f"{KEY_VAR} is not set: export it, or add a line {KEY_VAR}=<your key> to "
                f"{self.dotenv_file} (keep that file out of git)"
            )
        problem = self.problem(key)
        if problem:
            raise ConfigError(f"{KEY_VAR} from {source} ({mask(key)}) looks wrong: {problem}")
        return key

    def client(self, timeout: float = 120.0) -> Any:
        """An SDK client with the checked key and base URL (retries off)."""
        from brgit.llm.client import make_client

        return make_client(api_key=self.api_key(), base_url=self.base_url(), timeout=timeout)
