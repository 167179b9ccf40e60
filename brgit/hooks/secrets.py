"""`br-secrets`: the published pre-commit hook that blocks secrets (lean: stdlib only)."""

from __future__ import annotations

from collections.abc import Sequence

from brgit.hooks._run import run_hook


def main(argv: Sequence[str] | None = None) -> int:
    return run_hook("br-secrets", argv, secrets=True, sql=False)


def entry() -> None:
    """The `br-secrets` program: run the hook, then leave at once (`brgit.process.leave`)."""
    from brgit.process import leave

    leave(main())


if __name__ == "__main__":  # pragma: no cover
    entry()
