"""Configuration: `.buildrunner/config.toml`, read and written through tomlkit.

The schema is the set of frozen dataclasses below; each field carries its default and a one-line
comment, which is what `br init` writes. Loading validates every key and type and raises
`ConfigError` with one line naming the file, the line and the key. Environment variables from
the API reference override the file.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brgit import paths
from brgit.choices import (
    AGENT_NAMES,
    BACKENDS,
    KEEP_WORKTREES,
    MERGE_STRATEGIES,
    ON_CONFLICT,
    OUTPUT_FORMATS,
    either,
)
from brgit.errors import ConfigError
from brgit.files import atomic_write

__all__ = ["Config", "atomic_write", "ensure_config", "load_config", "set_value"]


def _opt(default: Any, doc: str) -> Any:
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata={"doc": doc})
    return field(default=default, metadata={"doc": doc})


def _sub(cls: type, doc: str) -> Any:
    return field(default_factory=cls, metadata={"doc": doc})


@dataclass(frozen=True)
class CostLimits:
    daily: float = _opt(50.0, "USD a day; 0 disables (env BR_COST_LIMIT_DAILY)")
    weekly: float = _opt(250.0, "USD a week; 0 disables (env BR_COST_LIMIT_WEEKLY)")
    monthly: float = _opt(1000.0, "USD a month; 0 disables (env BR_COST_LIMIT_MONTHLY)")


@dataclass(frozen=True)
class RoutingConfig:
    default_model: str = _opt("sonnet", "model used when nothing else decides (alias or id)")
    cost_optimization: bool = _opt(True, "prefer the cheapest model that fits the task")
    escalate: bool = _opt(True, "start cheap (strong if critical); re-run a failed task a tier up")
    max_task_attempts: int = _opt(2, "agent runs one task may make when escalating (1: no re-run)")
    data_driven: bool = _opt(False, "learn first tiers per repository from verify verdicts")
    max_attempts: int = _opt(4, "model calls one request may make across fallbacks")
    cooldown_seconds: int = _opt(300, "how long a model that keeps failing is skipped")
    request_timeout_seconds: float = _opt(120.0, "timeout of one model call")
    cost_limits: CostLimits = _sub(CostLimits, "spending budgets, read against the ledger")


@dataclass(frozen=True)
class SecurityConfig:
    enforce_hooks: bool = _opt(True, "block commits when the hooks find something")
    whitelist_file: str = _opt(
        ".buildrunner/security/whitelist.txt", "path globs and finding fingerprints to ignore"
    )
    baseline_file: str = _opt(".secrets.baseline", "detect-secrets baseline of known secrets")
    max_file_bytes: int = _opt(5_000_000, "larger files are skipped with a note")
    exclude: list[str] = _opt([], "gitignore-style patterns never scanned")


@dataclass(frozen=True)
class Thresholds:
    success_rate_warning: float = _opt(80.0, "percent; below it `br telemetry alerts` warns")
    success_rate_critical: float = _opt(50.0, "percent; below it the alert is critical")
    latency_warning_ms: float = _opt(2000.0, "p95 task latency that warns")
    latency_critical_ms: float = _opt(10000.0, "p95 task latency that is critical")
    daily_cost_warning: float = _opt(40.0, "USD spent today that warns (80% of the daily budget)")
    daily_cost_critical: float = _opt(50.0, "USD spent today that is critical (the daily budget)")


@dataclass(frozen=True)
class TelemetryConfig:
    enabled: bool = _opt(True, "collect events and costs (env BR_TELEMETRY_ENABLED)")
    storage_dir: str = _opt(".buildrunner/telemetry", "where event segments live")
    max_file_bytes: int = _opt(1_000_000, "rotate the live segment into gzip past this size")
    retention_days: int = _opt(30, "sealed segments older than this are removed")
    export_dir: str = _opt(
        ".buildrunner/exports", "default export folder (env BR_TELEMETRY_EXPORT_DIR)"
    )
    thresholds: Thresholds = _sub(Thresholds, "alert thresholds")


@dataclass(frozen=True)
class ParallelConfig:
    enabled: bool = _opt(True, "allow parallel sessions")
    default_workers: int = _opt(3, "workers when --workers is not given")
    max_concurrency: int = _opt(8, "global cap on agents running at once, across sessions")
    heartbeat_timeout: int = _opt(30, "seconds without a heartbeat before a worker is offline")
    worktree_root: str = _opt("", "where worker worktrees go; empty: ../<repo>.brgit/")
    base_branch: str = _opt("", "branch or commit sessions start from; empty: current HEAD")
    copy_files: list[str] = _opt([".env", ".env.*"], "ignored files copied into each new worktree")
    setup_command: str = _opt("", "run once in each new worktree (e.g. dependency install)")
    port_base: int = _opt(20000, "first port handed to workers (BR_PORT_BASE)")
    ports_per_worker: int = _opt(10, "size of each worker's port range")
    keep_worktrees: str = _opt(
        "failed",
        f"{either(KEEP_WORKTREES)}: a completed task's worktree is removed (its branch keeps the "
        "work) unless 'all'",
    )


@dataclass(frozen=True)
class ClusterConfig:
    backend: str = _opt("local", f"where tasks run: {either(BACKENDS)} (docs/SCALE.md)")
    address: str = _opt("", "Ray address: host:port or ray://host:10001; empty: RAY_ADDRESS, auto")
    remote: str = _opt("", "git URL every node can reach; task branches are pushed there")
    work_dir: str = _opt("", "per-node folder for the mirror and worktrees; empty: ~/.cache/brgit")
    partial_clone: bool = _opt(False, "nodes mirror the remote with --filter=blob:none")
    task_cpus: float = _opt(1.0, "Ray CPUs each task reserves on its node")
    max_retries: int = _opt(3, "times Ray runs a task again when its node is lost")
    key_file: str = _opt("", "file on each node holding the API key; empty: the node's env")
    base_url: str = _opt("", "LLM proxy the agents on the nodes call (ANTHROPIC_BASE_URL)")
    dashboard: str = _opt("", "Ray dashboard URL for --detach jobs; empty: <address host>:8265")


@dataclass(frozen=True)
class MergeConfig:
    verify: str = _opt("", "command run after merging (e.g. 'pytest -q'); empty: none")
    strategy: str = _opt("merge", either(MERGE_STRATEGIES))
    on_conflict: str = _opt("skip", "skip (eject and continue) | stop")
    batch_size: int = _opt(1, "branches merged before one verify; failures are bisected")
    target: str = _opt("", "branch the train advances; empty: the session's base branch")
    verify_timeout_seconds: int = _opt(1800, "a verify run longer than this fails")
    speculate: int = _opt(1, "train prefixes verified at once (also capped by the CPU count)")
    gate: list[str] = _opt([], "gates run on each verified merge, by name (br merge --gate)")
    repair: bool = _opt(False, "hand ejected branches back to their agent to fix")
    repair_attempts: int = _opt(1, "hand-backs per ejected branch")


@dataclass(frozen=True)
class AgentConfig:
    default: str = _opt("shell", either(AGENT_NAMES))
    command: str = _opt(
        "", "template for the command agent, e.g. 'claude -p {prompt} --output-format json'"
    )
    output_format: str = _opt("auto", either(OUTPUT_FORMATS))
    timeout_seconds: int = _opt(1800, "an agent running longer than this is stopped")
    max_turns: int = _opt(30, "turn limit of the claude agent and the claude-code preset")
    max_budget_usd: float = _opt(25.0, "spend limit of one claude or claude-code task run")
    claude_code_path: str = _opt("", "the claude executable of the claude-code preset; empty: PATH")
    codex_path: str = _opt("", "the codex executable of the codex preset; empty: PATH")
    aider_path: str = _opt("", "the aider executable of the aider preset; empty: PATH")
    allowed_tools: list[str] = _opt(
        [], "tools claude-code may use besides edits in the worktree, e.g. 'Bash(pytest *)'"
    )


@dataclass(frozen=True)
class QualityThresholds:
    security: float = _opt(90.0, "0-100; findings of the secret and SQL scanners lower it")
    testing: float = _opt(80.0, "0-100; coverage.py's total (lines and branches) of the tests")
    documentation: float = _opt(70.0, "0-100; public docstrings and the README")
    structure: float = _opt(75.0, "0-100; functions and modules within the limits, no cycles")


@dataclass(frozen=True)
class QualityConfig:
    test_command: str = _opt(
        "python -m pytest -q", "run under coverage.py; starts with python or a Python script"
    )
    test_timeout_seconds: int = _opt(1800, "a test run longer than this fails the testing score")
    max_complexity: int = _opt(10, "cyclomatic complexity (radon) a function may have")
    max_function_lines: int = _opt(60, "lines a function or method may span")
    max_module_lines: int = _opt(500, "lines a module may have")
    readme_min_words: int = _opt(30, "a README with fewer words counts as trivial")
    exclude: list[str] = _opt([], "gitignore-style patterns left out of every measure")
    thresholds: QualityThresholds = _sub(QualityThresholds, "score each category must reach")


@dataclass(frozen=True)
class ModelOverride:
    id: str | None = _opt(None, "provider model id")
    tier: int | None = _opt(None, "1 cheapest .. 3 strongest")
    context_window: int | None = _opt(None, "tokens")
    max_output: int | None = _opt(None, "tokens")
    input: float | None = _opt(None, "USD per million input tokens")
    output: float | None = _opt(None, "USD per million output tokens")
    cache_write_5m: float | None = _opt(None, "USD per million tokens")
    cache_write_1h: float | None = _opt(None, "USD per million tokens")
    cache_read: float | None = _opt(None, "USD per million tokens")


@dataclass(frozen=True)
class Config:
    routing: RoutingConfig = _sub(RoutingConfig, "model choice and budgets")
    security: SecurityConfig = _sub(SecurityConfig, "secret and SQL-injection scanning")
    telemetry: TelemetryConfig = _sub(TelemetryConfig, "events and the cost ledger")
    parallel: ParallelConfig = _sub(ParallelConfig, "workers in git worktrees")
    merge: MergeConfig = _sub(MergeConfig, "the merge train")
    agent: AgentConfig = _sub(AgentConfig, "how tasks are carried out")
    cluster: ClusterConfig = _sub(ClusterConfig, "running tasks on a Ray cluster")
    quality: QualityConfig = _sub(QualityConfig, "br quality check and br gaps analyze")
    models: dict[str, ModelOverride] = _opt(
        {}, "overrides of the bundled model catalog: [models.NAME] id/tier/prices"
    )
    path: Path | None = field(default=None, compare=False, metadata={"internal": True})
    root: Path = field(default_factory=Path.cwd, compare=False, metadata={"internal": True})

    def resolve(self, relative: str) -> Path:
        """A path from the config, relative to the main worktree."""
        p = Path(relative)
        return p if p.is_absolute() else self.root / p


_ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "BR_COST_LIMIT_DAILY": ("routing", "cost_limits", "daily"),
    "BR_COST_LIMIT_WEEKLY": ("routing", "cost_limits", "weekly"),
    "BR_COST_LIMIT_MONTHLY": ("routing", "cost_limits", "monthly"),
    "BR_TELEMETRY_ENABLED": ("telemetry", "enabled"),
    "BR_TELEMETRY_EXPORT_DIR": ("telemetry", "export_dir"),
}


def _public_fields(cls: type) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if not f.metadata.get("internal")]


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


class _Located:
    """Finds the line of a dotted key in TOML text, for error messages."""

    _HEADER = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def line_of(self, dotted: str) -> int | None:
        *section, key = dotted.split(".")
        current: list[str] = []
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for number, line in enumerate(self.lines, start=1):
            header = self._HEADER.match(line)
            if header:
                current = [p.strip().strip("\"'") for p in header.group(1).split(".")]
                if current == [*section, key]:
                    return number
                continue
            if current == section and pattern.match(line):
                return number
        return None


def _fail(file: Path | None, located: _Located | None, dotted: str, message: str) -> ConfigError:
    line = located.line_of(dotted) if located else None
    where = f"{file}:{line}" if file and line else str(file) if file else "config"
    return ConfigError(f"{where}: {dotted}: {message}")


def _describe(value: Any) -> str:
    shown = repr(value)
    return f"{type(value).__name__} {shown[:40]}"


def _coerce(
    value: Any, hint: Any, dotted: str, err: typing.Callable[[str, str], ConfigError]
) -> Any:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None:
            return None
        inner = next(a for a in typing.get_args(hint) if a is not type(None))
        return _coerce(value, inner, dotted, err)
    if hint is bool:
        if not isinstance(value, bool):
            raise err(dotted, f"expected true or false, got {_describe(value)}")
        return bool(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise err(dotted, f"expected an integer, got {_describe(value)}")
        return _count(int(value), dotted, err)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise err(dotted, f"expected a number, got {_describe(value)}")
        return _count(float(value), dotted, err)
    if hint is str:
        if not isinstance(value, str):
            raise err(dotted, f"expected a string, got {_describe(value)}")
        return str(value)
    if origin is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise err(dotted, f"expected a list of strings, got {_describe(value)}")
        return [str(v) for v in value]
    if origin is dict:
        if not isinstance(value, dict):
            raise err(dotted, f"expected a table, got {_describe(value)}")
        item_cls = typing.get_args(hint)[1]
        return {str(k): _build(item_cls, v, f"{dotted}.{k}", err) for k, v in value.items()}
    if dataclasses.is_dataclass(hint):
        return _build(typing.cast(type, hint), value, dotted, err)
    raise err(dotted, f"unsupported type {hint}")  # pragma: no cover - schema bug


def _count(
    value: float, dotted: str, err: typing.Callable[[str, str], ConfigError]
) -> Any:
    """Every number in the config is a count, size, duration, price or limit: NaN, infinities
    and negatives are errors (a NaN budget would compare false and so never stop spending)."""
    if not math.isfinite(value):
        raise err(dotted, f"expected a finite number, got {value!r}")
    if value < 0:
        raise err(dotted, f"must not be negative, got {value!r}")
    return value


def _build(cls: type, data: Any, prefix: str, err: typing.Callable[[str, str], ConfigError]) -> Any:
    if not isinstance(data, dict):
        raise err(prefix, f"expected a table, got {_describe(data)}")
    hints = _hints(cls)
    known = {f.name for f in _public_fields(cls)}
    for key in data:
        if key not in known:
            dotted = f"{prefix}.{key}" if prefix else str(key)
            raise err(dotted, f"unknown key (known: {', '.join(sorted(known))})")
    kwargs = {}
    for name in known & set(data):
        dotted = f"{prefix}.{name}" if prefix else name
        kwargs[name] = _coerce(_plain(data[name]), hints[name], dotted, err)
    return cls(**kwargs)


def _plain(value: Any) -> Any:
    """tomlkit items -> plain Python values."""
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value


def _env_layer() -> dict[str, Any]:
    layer: dict[str, Any] = {}
    for var, keypath in _ENV_OVERRIDES.items():
        raw = os.environ.get(var)
        if raw is None or raw == "":
            continue
        node = layer
        for part in keypath[:-1]:
            node = node.setdefault(part, {})
        node[keypath[-1]] = _parse_env(var, raw, keypath)
    return layer


def _parse_env(var: str, raw: str, keypath: tuple[str, ...]) -> Any:
    if keypath[-1] == "enabled":
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"environment {var}: expected true or false, got {raw!r}")
    if keypath[-1] == "export_dir":
        return raw
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ConfigError(
            f"environment {var}: expected a number of 0 or more (0 turns it off), got {raw!r}"
        )
    return value


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


MAX_TEXT_BYTES = 32 * 1024 * 1024


def read_text(file: Path, *, limit: int = MAX_TEXT_BYTES) -> str:
    """A UTF-8 text file (config, plan, spec), read without blocking or unbounded reads: a FIFO
    or a device (even behind a symlink, e.g. to /dev/zero) and files over `limit` bytes are
    ConfigErrors, and so is text that is not UTF-8."""
    import stat

    try:
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f"{file}: not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ConfigError(f"{file}: larger than {limit // (1024 * 1024)} MB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{file}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def parse_toml(file: Path, text: str) -> dict[str, Any]:
    """Parse TOML for reading with the standard library's fast parser (tomlkit, which keeps
    comments, is only needed to write). A syntax error names the file and the line."""
    import tomllib

    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ConfigError(f"{file}: invalid TOML: nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "syntax error"
        where = f"{file}:{found.group(1)}" if found else str(file)
        raise ConfigError(f"{where}: invalid TOML: {reason}") from None


def read_document(file: Path) -> Any:
    """Parse a TOML file with tomlkit; a syntax error is a ConfigError naming file and line."""
    import tomlkit
    from tomlkit.exceptions import ParseError, TOMLKitError

    text = read_text(file)
    try:
        return tomlkit.parse(text)
    except RecursionError:
        raise ConfigError(f"{file}: invalid TOML: nested too deeply") from None
    except ParseError as exc:
        reason = str(exc).split(" at line")[0]
        raise ConfigError(f"{file}:{exc.line}: invalid TOML: {reason}") from None
    except TOMLKitError as exc:  # e.g. a key defined twice
        parse_toml(file, text)  # the standard parser names the line
        raise ConfigError(f"{file}: invalid TOML: {exc}") from None


def load_config(start: Path | None = None, file: Path | None = None) -> Config:
    """Load, validate and return the configuration of the repository containing `start`."""
    location = paths.locate(start)
    file = file or paths.config_path(start)
    data: dict[str, Any] = {}
    located: _Located | None = None
    if file.exists():
        text = read_text(file)
        data = parse_toml(file, text)
        located = _Located(text)
    elif os.environ.get("BR_CONFIG_FILE"):
        raise ConfigError(f"{file}: BR_CONFIG_FILE names a file that does not exist")

    def err(dotted: str, message: str) -> ConfigError:
        return _fail(file, located, dotted, message)

    built: Config = _build(Config, _merge(data, _env_layer()), "", err)
    _check_choices(built, err)
    return dataclasses.replace(built, path=file, root=location.main_root)


_CHOICES = {
    ("merge", "strategy"): MERGE_STRATEGIES,
    ("merge", "on_conflict"): ON_CONFLICT,
    ("agent", "default"): AGENT_NAMES,
    ("agent", "output_format"): OUTPUT_FORMATS,
    ("cluster", "backend"): BACKENDS,
    ("parallel", "keep_worktrees"): KEEP_WORKTREES,
}


def _check_choices(cfg: Config, err: typing.Callable[[str, str], ConfigError]) -> None:
    for (section, key), allowed in _CHOICES.items():
        value = getattr(getattr(cfg, section), key)
        if value not in allowed:
            raise err(f"{section}.{key}", f"expected one of {', '.join(allowed)}, got {value!r}")
    positive = [
        ("telemetry", "max_file_bytes"),
        ("parallel", "default_workers"),
        ("parallel", "max_concurrency"),
        ("merge", "batch_size"),
        ("routing", "max_task_attempts"),
        ("merge", "speculate"),
        ("merge", "repair_attempts"),
        ("quality", "test_timeout_seconds"),
        ("quality", "max_complexity"),
        ("quality", "max_function_lines"),
        ("quality", "max_module_lines"),
    ]
    for section, key in positive:
        if getattr(getattr(cfg, section), key) < 1:
            raise err(f"{section}.{key}", "must be at least 1")
    for name, value in dataclasses.asdict(cfg.quality.thresholds).items():
        if not 0 <= value <= 100:
            raise err(f"quality.thresholds.{name}", f"must be between 0 and 100, got {value:g}")


# ---------------------------------------------------------------- writing (br init)


def _add_fields(table: Any, cls: type, instance: Any) -> int:
    """Add every missing setting of `cls` to a tomlkit table, with its comment; count them."""
    import tomlkit

    added = 0
    for f in _public_fields(cls):
        value = getattr(instance, f.name)
        doc = f.metadata.get("doc", "")
        if dataclasses.is_dataclass(value):
            sub = table.get(f.name)
            if sub is None:
                sub = tomlkit.table()
                sub.comment(doc)
                table.add(f.name, sub)
            added += _add_fields(sub, type(value), value)
        elif isinstance(value, dict):
            if f.name not in table:
                sub = tomlkit.table()
                sub.comment(doc)
                table.add(f.name, sub)
                added += 1
        elif f.name not in table:
            item = tomlkit.item(value)
            item.comment(doc)
            table.add(f.name, item)
            added += 1
    return added


def default_document() -> str:
    """The full default config with a one-line comment per setting."""
    import tomlkit

    document = tomlkit.document()
    document.add(tomlkit.comment("brgit configuration. Every setting is shown with its default."))
    document.add(tomlkit.comment("Docs: docs/CONFIG.md. Environment variables override some keys."))
    _add_fields(document, Config, Config())
    return tomlkit.dumps(document)


def ensure_config(file: Path) -> int:
    """Create `file` with defaults, or add only the settings it lacks; return how many were added.

    A user's values, comments and order are kept. A broken file raises ConfigError and is not
    touched.
    """
    import tomlkit

    if not file.exists():
        atomic_write(file, default_document())
        return -1
    load_config(file.parent, file=file)  # validate before touching anything
    document = read_document(file)
    added = _add_fields(document, Config, Config())
    if added:
        atomic_write(file, tomlkit.dumps(document))
    return added


def set_value(file: Path, dotted: str, value: Any) -> None:
    """Set one setting in the file, keeping everything else (comments, order) as it was."""
    import tomlkit

    document = read_document(file) if file.exists() else tomlkit.document()
    *section, key = dotted.split(".")
    node = document
    for part in section:
        if part not in node:
            node.add(part, tomlkit.table())
        node = node[part]
    node[key] = value
    text = tomlkit.dumps(document)
    located = _Located(text)
    _build(
        Config, _plain(tomlkit.parse(text)), "", lambda d, m: _fail(file, located, d, m)
    )  # validate before writing
    atomic_write(file, text)
