"""What the native git hook runs: `br security precommit` without the CLI's start-up.

The staged content (the blobs in the index, not the working tree) is scanned for secrets and
SQL injection; exit 3 blocks the commit unless `security.enforce_hooks` is false. Standard
library and `brgit.security` only, like the published pre-commit hooks.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from brgit.errors import EXIT_GENERAL, EXIT_OK, EXIT_SECURITY, BuildRunnerError

NAME = "br security precommit"


def main(argv: Sequence[str] | None = None) -> int:
    from brgit.security import service, staged
    from brgit.security.engine import Engine
    from brgit.security.render import report_lines
    from brgit.security.settings import SecuritySettings

    if argv:
        sys.stderr.write(f"{NAME}: takes no arguments\n")
        return 2
    try:
        settings = SecuritySettings.read()
        staged.require_repository(settings.top)
        report = Engine(settings).scan_blobs(staged.staged_blobs(settings.top))
    except BuildRunnerError as exc:
        sys.stderr.write(f"{NAME}: error: {exc}\n")
        return exc.exit_code
    except Exception as exc:  # a hook prints one line, never a traceback
        sys.stderr.write(f"{NAME}: error: unexpected {type(exc).__name__}: {exc}\n")
        return EXIT_GENERAL
    service.record(report, "precommit", settings.store_root)
    for line in report_lines(report, NAME):
        sys.stdout.write(line + "\n")
    if report.findings and not settings.enforce_hooks:
        sys.stderr.write(f"{NAME}: security.enforce_hooks is false: the commit is not blocked\n")
        return EXIT_OK
    return EXIT_SECURITY if report.findings else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    from brgit.process import leave

    leave(main(sys.argv[1:]))
