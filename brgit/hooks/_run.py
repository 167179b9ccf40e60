"""Shared body of the published hooks: parse file names, scan, print masked findings."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from brgit.errors import EXIT_GENERAL, EXIT_OK, EXIT_SECURITY, BuildRunnerError


def run_hook(name: str, argv: Sequence[str] | None, *, secrets: bool, sql: bool) -> int:
    parser = argparse.ArgumentParser(prog=name, description=f"{name}: brgit's pre-commit hook")
    parser.add_argument("filenames", nargs="*", help="files to check (pre-commit passes them)")
    parser.add_argument("--baseline", help="detect-secrets baseline of known secrets")
    parser.add_argument("--no-baseline", action="store_true", help="ignore the baseline")
    # a file named like an option (`-x.py`) is still a file: pre-commit passes names as they are
    args, unknown = parser.parse_known_args(argv)
    args.filenames = [*args.filenames, *unknown]

    from dataclasses import replace

    from brgit.security.engine import Engine
    from brgit.security.render import report_lines
    from brgit.security.settings import SecuritySettings

    try:
        settings = SecuritySettings.read()
        if args.baseline:
            settings = replace(settings, baseline_file=args.baseline)
            if not settings.baseline_path.is_file() and not args.no_baseline:
                sys.stderr.write(f"{name}: baseline not found: {args.baseline} (none used)\n")
        engine = Engine(settings, secrets=secrets, sql=sql, use_baseline=not args.no_baseline)
        report = engine.scan_paths(Path(f) for f in args.filenames)
    except BuildRunnerError as exc:
        sys.stderr.write(f"{name}: error: {exc}\n")
        return exc.exit_code
    except Exception as exc:  # a hook prints one line, never a traceback
        sys.stderr.write(f"{name}: error: unexpected {type(exc).__name__}: {exc}\n")
        return EXIT_GENERAL
    for line in report_lines(report, name):
        sys.stdout.write(line + "\n")
    return EXIT_SECURITY if report.findings else EXIT_OK
