"""`br-sql-injection`: the published pre-commit hook that blocks injectable SQL (lean)."""

from __future__ import annotations

from collections.abc import Sequence

from brgit.hooks._run import run_hook


def main(argv: Sequence[str] | None = None) -> int:
    return run_hook("br-sql-injection", argv, secrets=False, sql=True)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
