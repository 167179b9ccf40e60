"""Which detect-secrets type to record a brgit finding under, so `detect-secrets audit` works.

`detect-secrets audit` shows a baseline entry by running the plugin named by its `type` on the
recorded line and looking for the entry's hash (it does not load custom plugins). So for each
new entry brgit asks detect-secrets' own plugins, the way `audit` will, which of them finds
exactly this secret on that line, preferring the closest type. Imported only when a baseline
is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from brgit.security.model import Finding

PREFERRED = {
    "aws_access_key_id": "AWS Access Key", "private_key": "Private Key", "jwt": "JSON Web Token",
    "slack_webhook": "Slack Token", "sendgrid_key": "SendGrid API Key",
    "openai_key": "OpenAI Token", "database_url": "Basic Auth Credentials",
    "generic_secret": "Secret Keyword",
}
FALLBACK = "Base64 High Entropy String"


class TypeProbe:
    """Finds, per finding, a detect-secrets plugin that re-discovers its hash on its line."""

    def __init__(self, root: Path) -> None:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

        self.root = root
        self.plugins: dict[str, Any] = {}
        mapping: dict[str, Any] = get_mapping_from_secret_type_to_class()
        for secret_type, plugin_class in mapping.items():
            try:
                self.plugins[secret_type] = _instantiate(plugin_class)
            except Exception:  # noqa: S112 - a plugin that needs settings is skipped
                continue
        self._lines: dict[str, list[str]] = {}

    def type_of(self, finding: Finding) -> str:
        line = self._line(finding.file, finding.line)
        preferred = PREFERRED.get(finding.rule)
        order = [preferred] if preferred else []
        order += [FALLBACK, *sorted(t for t in self.plugins if t not in (preferred, FALLBACK))]
        for secret_type in order:
            if line and self._finds(secret_type, finding, line):
                return secret_type
        return preferred or FALLBACK

    def _finds(self, secret_type: str, finding: Finding, line: str) -> bool:
        from detect_secrets.util.inject import call_function_with_arguments

        plugin = self.plugins.get(secret_type)
        if plugin is None:
            return False
        try:
            found = call_function_with_arguments(
                plugin.analyze_line, filename=finding.file, line=line,
                line_number=finding.line, enable_eager_search=True, context=None)
        except Exception:
            return False
        return any(s.secret_hash == finding.secret_hash for s in found or ())

    def _line(self, name: str, number: int) -> str:
        if name not in self._lines:
            from brgit.security.files import read_bytes

            data = read_bytes(self.root / name, 5_000_000, self.root)  # bounded, no FIFO wait
            text = data.decode("utf-8", "replace") if isinstance(data, bytes) else ""
            self._lines[name] = text.splitlines()
        lines = self._lines[name]
        return lines[number - 1] if 0 < number <= len(lines) else ""


def _instantiate(plugin_class: Any) -> Any:
    from detect_secrets.core.plugins import initialize
    from detect_secrets.settings import default_settings

    with default_settings():
        return initialize.from_plugin_classname(plugin_class.__name__)
