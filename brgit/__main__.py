from __future__ import annotations

from brgit.cli.main import entry

entry()
