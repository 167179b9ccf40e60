"""Optional packages: which extra of `brgit` brings each, and the one error when one is missing.

`pip install brgit` gives a working `br` and the published hooks with typer and tomlkit only, so
that pre-commit's hook environment stays small. Features that need a heavy package say which
extra installs it (exit 2) instead of failing with an ImportError.
"""

from __future__ import annotations

import importlib.util

from brgit.errors import MissingExtraError

# import name -> (distribution, extra of brgit that installs it)
OPTIONAL: dict[str, tuple[str, str]] = {
    "anthropic": ("anthropic", "claude"),
    "detect_secrets": ("detect-secrets", "baseline"),
    "coverage": ("coverage", "quality"),
    "radon": ("radon", "quality"),
    "ray": ("ray", "ray"),
}


def message(module: str, feature: str | None = None) -> str:
    """The one line that tells which extra brings `module`."""
    dist, extra = OPTIONAL[module]
    what = feature or f"this command needs {dist}"
    return f"{what}, which is not installed: pip install 'brgit[{extra}]'"


def problem(module: str, feature: str) -> str | None:
    """The one line to show when the optional `module` cannot be imported, else None."""
    return message(module, feature) if importlib.util.find_spec(module) is None else None


def require(module: str, feature: str) -> None:
    """Raise MissingExtraError unless the optional `module` can be imported."""
    missing_line = problem(module, feature)
    if missing_line is not None:
        raise MissingExtraError(missing_line)


def missing(exc: ModuleNotFoundError) -> MissingExtraError | None:
    """The MissingExtraError an ImportError of an optional package stands for, else None."""
    top = (exc.name or "").split(".")[0]
    return MissingExtraError(message(top)) if top in OPTIONAL else None
