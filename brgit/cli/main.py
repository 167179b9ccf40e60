"""`br`: the entry point. Parses, dispatches and maps every error to its exit code."""

from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from brgit import __version__
from brgit.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_GENERAL,
    EXIT_INTERRUPTED,
    BuildRunnerError,
    OutputClosedError,
)

# Each module registers one top-level command or group of the same name, in this order.
COMMANDS = (
    "init",
    "plan",
    "run",
    "demo",
    "merge",
    "worktree",
    "parallel",
    "security",
    "routing",
    "telemetry",
    "db",
    "quality",
    "gaps",
    "doctor",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"br {__version__}")
        raise typer.Exit(0)


def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print version."),
    ] = False,
) -> None:
    """brgit (br): parallel agents in git worktrees, a merge train, telemetry, security hooks."""


def build_app(names: Sequence[str] = COMMANDS) -> typer.Typer:
    """The `br` app with the commands `names` (what one invocation needs: typer inspects every
    registered function when it builds the parser, about 20 ms for all of them)."""
    import importlib

    built = typer.Typer(
        name="br",
        help="brgit: run AI coding agents in parallel git worktrees, merge their work in order, "
        "track tokens and costs, and scan for secrets and SQL injection.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        pretty_exceptions_show_locals=False,
        rich_markup_mode=None,  # plain help: `br --help` never imports rich
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    built.callback()(_root)
    for name in names:
        importlib.import_module(f"brgit.cli.{name}").register(built)
    return built


def __getattr__(name: str) -> typer.Typer:
    """`from brgit.cli.main import app`: the whole app, built on first use."""
    if name == "app":
        full = build_app()
        globals()["app"] = full
        return full
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _crash_log(exc: BaseException) -> Path | None:
    """Write the traceback (credentials masked) under .buildrunner/logs/; return its path."""
    import tempfile

    from brgit import paths
    from brgit.redact import redact

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    text = redact("".join(traceback.format_exception(exc)))
    for folder in (paths.store_dir() / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"crash-{stamp}-{os.getpid()}.log"
            target.write_text(f"br {__version__} {sys.argv!r}\n{text}", encoding="utf-8")
            return target
        except OSError:
            continue
    return None


def _fail(message: str, code: int) -> int:
    """Report an error as one masked line on stderr; return its exit code."""
    from brgit.redact import redact
    from brgit.ui.output import error

    lines = message.splitlines()
    error(redact(lines[0] if lines else message))
    return code


def _needed(args: Sequence[str]) -> Sequence[str]:
    """The commands an invocation can reach: the one it names, none for --version, else all."""
    first = args[0] if args else ""
    if first in COMMANDS:
        return (first,)
    return () if first in ("-V", "--version") else COMMANDS


def main(argv: Sequence[str] | None = None) -> int:
    """Run `br` with `argv` (default: sys.argv[1:]) and return the exit code."""
    from typer import Abort, Exit
    from typer._click.exceptions import ClickException, NoArgsIsHelpError  # vendored click

    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        result = build_app(_needed(args))(args=args, prog_name="br", standalone_mode=False)
    except Exit as exc:
        return int(exc.exit_code)
    except NoArgsIsHelpError as exc:  # `br` or `br GROUP` alone: the help, as asked
        sys.stderr.write(exc.format_message() + "\n")
        return int(exc.exit_code)
    except ClickException as exc:  # usage errors: one line, like every other error
        ctx = getattr(exc, "ctx", None)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        return _fail(" ".join(exc.format_message().split()) + hint, int(exc.exit_code))
    except (Abort, KeyboardInterrupt):
        sys.stderr.write("br: interrupted\n")
        return EXIT_INTERRUPTED
    except (BrokenPipeError, OutputClosedError):  # `br ... | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no "Exception ignored" when Python flushes
        return EXIT_BROKEN_PIPE
    except BuildRunnerError as exc:
        return _fail(str(exc) or type(exc).__name__, exc.exit_code)
    except OSError as exc:  # the machine said no (disk full, read-only, permission): say what
        where = f": {exc.filename}" if exc.filename else ""
        return _fail(f"{exc.strerror or exc}{where}", EXIT_GENERAL)
    except Exception as exc:
        log = _crash_log(exc)
        where = f" (details: {log})" if log else ""
        first = f"unexpected {type(exc).__name__}: {exc}".splitlines()[0]
        return _fail(first + where, EXIT_GENERAL)
    if result == EXIT_INTERRUPTED:  # typer turns Ctrl-C into a returned 130
        sys.stderr.write("br: interrupted\n")
    return result if isinstance(result, int) else 0


def entry() -> None:
    """The `br` program: run `main`, then leave at once (see `brgit.process.leave`)."""
    from brgit.process import leave

    leave(main())


if __name__ == "__main__":  # pragma: no cover
    entry()
