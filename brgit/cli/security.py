"""`br security`: secret and SQL-injection scanning, and the native git hook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brgit.cli._common import FormatOption, check_format, group, load_config, load_context

app = group("security", "Secret and SQL-injection scanning, and the git hook.")
hooks = group("hooks", "The native git pre-commit hook.")
app.add_typer(hooks)

FORMATS = ("table", "json", "sarif")
ScanFormat = Annotated[
    str, typer.Option("--format", "-f", help="Output format: table, json or sarif (SARIF 2.1.0).")
]
Flag = bool


Verbose = Annotated[Flag, typer.Option("--verbose", "-v", help="List every skipped file.")]


@app.command("check")
def check(
    staged: Annotated[Flag, typer.Option("--staged", help="Scan the staged content.")] = False,
    secrets: Annotated[Flag, typer.Option("--secrets", help="Only secrets.")] = False,
    sql: Annotated[Flag, typer.Option("--sql", help="Only SQL injection.")] = False,
    no_secrets: Annotated[Flag, typer.Option("--no-secrets", help="Skip secrets.")] = False,
    no_sql: Annotated[Flag, typer.Option("--no-sql", help="Skip SQL injection.")] = False,
    fmt: ScanFormat = "table",
    verbose: Verbose = False,
) -> int:
    """Check changed files (or, with --staged, the index) for secrets and SQL injection."""
    from brgit.cli._security_views import show
    from brgit.security import service

    check_format(fmt, FORMATS)
    ctx = load_context(repo=False)
    cfg = ctx.config
    want_secrets, want_sql = service.select_kinds(secrets, sql, no_secrets, no_sql)
    settings = service.settings_for(cfg)
    report = service.check(settings, staged_only=staged, secrets=want_secrets, sql=want_sql)
    service.record(report, "check", cfg.root, events=ctx.events)
    return show(report, fmt, "br security check", verbose=verbose)


@app.command("scan")
def scan(
    targets: Annotated[
        list[Path] | None, typer.Argument(help="Files or directories (default: the checkout).")
    ] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Scan one file.")] = None,
    directory: Annotated[
        Path | None, typer.Option("--directory", "-d", help="Scan one directory.")
    ] = None,
    recursive: Annotated[
        Flag, typer.Option("--recursive/--no-recursive", help="Scan subdirectories.")
    ] = True,
    history: Annotated[
        Flag, typer.Option("--history", help="Scan the lines every commit added (secrets).")
    ] = False,
    since: Annotated[
        str | None, typer.Option("--since", help="With --history: only commits after REV.")
    ] = None,
    secrets: Annotated[Flag, typer.Option("--secrets", help="Only secrets.")] = False,
    sql: Annotated[Flag, typer.Option("--sql", help="Only SQL injection.")] = False,
    fmt: ScanFormat = "table",
    verbose: Verbose = False,
) -> int:
    """Scan paths (the whole checkout by default) or, with --history, every commit's lines."""
    from brgit.cli._security_views import show
    from brgit.security import service

    check_format(fmt, FORMATS)
    ctx = load_context(repo=False)
    cfg = ctx.config
    settings = service.settings_for(cfg)
    if history or since is not None:
        service.history_options(history, since, sql, bool(targets or file or directory))
        report = service.scan_history(settings, since)
    else:
        want_secrets, want_sql = service.select_kinds(secrets, sql, False, False)
        report = service.scan(settings, targets=targets or (), file=file, directory=directory,
                              recursive=recursive, secrets=want_secrets, sql=want_sql)
    service.record(report, "scan --history" if history else "scan", cfg.root, events=ctx.events)
    return show(report, fmt, "br security scan", verbose=verbose)


@app.command("precommit")
def precommit(fmt: ScanFormat = "table", verbose: Verbose = False) -> int:
    """What the git hook runs: check the staged content; exit 3 blocks the commit."""
    from brgit.cli._security_views import show
    from brgit.errors import EXIT_OK
    from brgit.security import service
    from brgit.ui.output import note

    check_format(fmt, FORMATS)
    ctx = load_context(repo=False)
    cfg = ctx.config
    settings = service.settings_for(cfg)
    report = service.check(settings, staged_only=True)
    service.record(report, "precommit", cfg.root, events=ctx.events)
    code = show(report, fmt, "br security precommit", verbose=verbose)
    if code and not settings.enforce_hooks:
        note("security.enforce_hooks is false: the commit is not blocked")
        return EXIT_OK
    return code


@app.command("baseline")
def baseline(
    directory: Annotated[
        Path | None, typer.Option("--directory", "-d", help="Scan this directory.")
    ] = None,
) -> None:
    """Write or update the detect-secrets baseline (`security.baseline_file`)."""
    from brgit.security import service

    settings = service.settings_for(load_config(repo=False))
    count, changed = service.update_baseline(settings, directory)
    state = "updated" if changed else "unchanged"
    typer.echo(f"{settings.baseline_path}: {state}, {count} known secret(s)")


@hooks.command("install")
def hooks_install(
    force: Annotated[Flag, typer.Option("--force", help="Keep and chain an old hook.")] = False,
    fmt: FormatOption = "table",
) -> None:
    """Install the native git pre-commit hook."""
    from brgit.cli._security_views import show_hook
    from brgit.gitops import hooks as githooks

    check_format(fmt)
    show_hook(githooks.install(Path.cwd(), force=force), fmt, "Pre-commit hook installed")


@hooks.command("status")
def hooks_status(fmt: FormatOption = "table") -> None:
    """Show whether the hook is installed, where, and with what permissions."""
    from brgit.cli._security_views import show_hook
    from brgit.gitops import hooks as githooks

    check_format(fmt)
    state = githooks.status(Path.cwd())
    show_hook(state, fmt, "Pre-commit hook installed" if state.installed
              else "Pre-commit hook not installed")


@hooks.command("uninstall")
def hooks_uninstall(fmt: FormatOption = "table") -> None:
    """Remove the hook (a hook it chained is put back)."""
    from brgit.cli._security_views import show_hook
    from brgit.gitops import hooks as githooks

    check_format(fmt)
    show_hook(githooks.uninstall(Path.cwd()), fmt, "Pre-commit hook removed")


def register(root: typer.Typer) -> None:
    root.add_typer(app)
