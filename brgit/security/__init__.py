"""Secret and SQL-injection scanning: rules, analysers, suppression, baselines and SARIF.

Everything here imports only the standard library (detect-secrets only when a baseline is
written), so the published hooks start fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SQLInjectionDetector", "SQLVulnerability", "SecretMatch", "SecretScanner"]


def __getattr__(name: str) -> Any:
    if name == "SecretScanner":
        from brgit.security.secrets import SecretScanner

        return SecretScanner
    if name == "SQLInjectionDetector":
        from brgit.security.sql import SQLInjectionDetector

        return SQLInjectionDetector
    if name in ("SecretMatch", "SQLVulnerability"):
        from brgit.security import model

        return getattr(model, name)
    raise AttributeError(name)
