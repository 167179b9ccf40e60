"""The typed API behind `br security`: check, scan, precommit and baseline."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from brgit import paths
from brgit.errors import ConfigError, NotFoundError, UsageError
from brgit.security import staged
from brgit.security.engine import Engine
from brgit.security.model import ScanReport
from brgit.security.settings import SecuritySettings

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.telemetry.collector import EventCollector


def select_kinds(secrets: bool, sql: bool, no_secrets: bool, no_sql: bool) -> tuple[bool, bool]:
    """`--secrets`/`--sql` pick one scanner (both or neither: both); `--no-*` drop one."""
    want_secrets, want_sql = (secrets or not sql), (sql or not secrets)
    want_secrets, want_sql = want_secrets and not no_secrets, want_sql and not no_sql
    if not (want_secrets or want_sql):
        raise ConfigError("nothing to check: both secret and SQL scanning are turned off")
    return want_secrets, want_sql


def history_options(history: bool, since: str | None, sql: bool, paths_given: bool) -> None:
    """`--history` scans for secrets in the whole branch: `--since` needs it; `--sql` and
    paths do not go with it (usage errors, exit 2)."""
    if not history:
        raise UsageError("--since needs --history")
    if sql:
        raise UsageError("--history scans for secrets only; drop --sql")
    if paths_given:
        raise UsageError("--history scans the whole branch; drop the paths")


def settings_for(cfg: Config, start: Path | None = None) -> SecuritySettings:
    return SecuritySettings.from_config(cfg, start)


def check(settings: SecuritySettings, *, staged_only: bool, secrets: bool = True,
          sql: bool = True) -> ScanReport:
    """Scan what a commit would record (`staged_only`) or the files changed in the checkout."""
    staged.require_repository(settings.top)
    engine = Engine(settings, secrets=secrets, sql=sql)
    if staged_only:
        return engine.scan_blobs(staged.staged_blobs(settings.top))
    names = staged.changed_files(settings.top)
    return engine.scan_paths(settings.top / n for n in names if (settings.top / n).is_file())


def scan(settings: SecuritySettings, *, targets: Sequence[Path] = (), file: Path | None = None,
         directory: Path | None = None, recursive: bool = True, secrets: bool = True,
         sql: bool = True, use_baseline: bool = True) -> ScanReport:
    """Scan files and directories (`targets`, or one `file`/`directory`), or (none given) the
    whole checkout. In a git checkout a directory's files are git's (tracked, and untracked but
    not ignored): an ignored `.env` is where secrets belong, so it is only scanned when named."""
    engine = Engine(settings, secrets=secrets, sql=sql, use_baseline=use_baseline)
    named = [*targets, *([file] if file is not None else [])]
    folders = [directory] if directory is not None else []
    for target in named:
        if not (target.exists() or target.is_symlink()):
            raise NotFoundError(f"file not found: {target}")
        (folders if target.is_dir() and not target.is_symlink() else []).append(target)
    files_named = [t for t in named if t not in folders]
    if files_named:
        engine.scan_paths(files_named)
    for folder in folders or ([] if named else [settings.top]):
        _scan_folder(engine, settings, folder, recursive)
    return engine.report


def _scan_folder(engine: Engine, settings: SecuritySettings, folder: Path,
                 recursive: bool) -> None:
    target = folder.resolve()
    if not target.is_dir():
        raise NotFoundError(f"directory not found: {target}")
    listed = staged.listed_files(settings.top, target, recursive=recursive) \
        if paths.locate(target).in_git else None
    if listed is None:  # outside git: walk the directory
        engine.scan_directory(target, recursive=recursive)
    else:
        engine.scan_paths(listed)


def scan_history(settings: SecuritySettings, since: str | None = None) -> ScanReport:
    """Secrets in every line the current branch's commits added (`--history`)."""
    from brgit.security.history import scan_history as run

    return run(Engine(settings, sql=False), settings.top, since)


def update_baseline(settings: SecuritySettings, directory: Path | None = None) -> tuple[int, bool]:
    """Write the detect-secrets baseline from a full secret scan; (entries, changed)."""
    from brgit.security.baseline import write_baseline

    report = scan(settings, directory=directory, sql=False, use_baseline=False)
    changed = write_baseline(settings.baseline_path, report.findings)
    return len(report.findings), changed


def record(
    report: ScanReport, command: str, root: Path | None, *, events: EventCollector | None = None
) -> None:
    """A `security_scan` telemetry event: counts and rule names only, never a value. It goes to
    `events` (the command's collector; None: one for the repository at `root`)."""
    from brgit.telemetry.events import EventType, TelemetryEvent

    if events is None:
        from brgit.telemetry.collector import EventCollector

        events = EventCollector(root)
    data = {
        "command": command,
        "files_scanned": report.files_scanned,
        "findings": len(report.findings),
        "secrets": sum(f.kind == "secret" for f in report.findings),
        "sql": sum(f.kind == "sql" for f in report.findings),
        "rules": sorted({f.rule for f in report.findings}),
        "suppressed": report.suppressed,
        "skipped": len(report.notes),
    }
    events.collect(TelemetryEvent(EventType.SECURITY_SCAN, success=report.clean, data=data))
