"""brgit: run several AI coding agents on one repository, each in its own git worktree."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
