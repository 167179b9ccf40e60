"""`br-secrets`: the published pre-commit hook that blocks secrets (lean: stdlib only)."""

from __future__ import annotations

from collections.abc import Sequence

from brgit.hooks._run import run_hook


def main(argv: Sequence[str] | None = None) -> int:
    return run_hook("br-secrets", argv, secrets=True, sql=False)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
