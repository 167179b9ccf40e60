"""`br parallel`: parallel build sessions, each task in its own worktree on its own branch."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from brgit.choices import BACKENDS, either
from brgit.cli._common import FormatOption, check_format, group

if TYPE_CHECKING:
    from brgit.parallel.manager import SessionManager

app = group("parallel", "Parallel build sessions: each task in its own worktree.")

NameArg = Annotated[str, typer.Argument(help="Session name or id.")]
OptName = Annotated[
    str | None, typer.Argument(help="Session name or id (default: the latest).")
]
WorkersOpt = Annotated[int | None, typer.Option("--workers", "-w", min=1, help="Workers.")]
AgentOpt = Annotated[
    str | None,
    typer.Option("--agent", help="Agent or agent-CLI preset (`br doctor` lists them)."),
]
DetachOpt = Annotated[bool, typer.Option("--detach", help="Run in the background.")]
BackendOpt = Annotated[
    str | None,
    typer.Option(
        "--backend", help=f"Where tasks run: {either(BACKENDS)} (default: cluster.backend)."
    ),
]


def _root() -> Path:
    from brgit import paths

    return paths.locate().main_root


def _manager() -> SessionManager:
    from brgit.cli._common import load_context
    from brgit.parallel.manager import SessionManager

    ctx = load_context()
    return SessionManager(_root(), ctx.config, ctx=ctx)


def _echo(line: str) -> None:
    from brgit.ui.output import note

    note(line)


@app.command("start")
def start(
    name: NameArg,
    plan: Annotated[Path, typer.Option("--plan", "-p", help="Plan file (TOML).")],
    workers: WorkersOpt = None,
    agent: AgentOpt = None,
    watch: Annotated[bool, typer.Option("--watch", help="Show the live dashboard.")] = False,
    detach: DetachOpt = False,
    backend: BackendOpt = None,
    fmt: FormatOption = "table",
) -> int:
    """Run every task of a plan in worktrees; foreground with progress, or --detach."""
    from brgit.app import launch
    from brgit.cli._common import load_context
    from brgit.core.plan import load_plan

    check_format(fmt)
    ctx = load_context()
    cfg = ctx.config
    loaded = load_plan(plan)
    if agent:  # before --detach spawns anything
        from brgit.agents.base import check_agent

        check_agent(agent)
    from brgit.parallel.executor import check_backend

    backend = check_backend(backend or cfg.cluster.backend, cfg)  # before --detach, too
    if detach:
        args = ["start", name, "--plan", str(plan.resolve())]
        return launch.detach(args, name, workers, agent, backend, cfg)
    if watch:
        return launch.watch(loaded, name, _root(), ctx, workers, agent, backend)
    from brgit.parallel.orchestrator import run_plan

    record = run_plan(
        loaded, root=_root(), cfg=cfg, session=name, workers=workers, agent=agent,
        progress=_echo, ctx=ctx, backend=backend,
    )  # fmt: skip
    return launch.show(record, fmt)


@app.command("status")
def status(name: OptName = None, fmt: FormatOption = "table") -> None:
    """Show a session: progress, ETA and lanes, workers, each task's result."""
    from brgit.parallel.eta import telemetry_history
    from brgit.parallel.views import session_data, session_eta, session_view
    from brgit.ui.output import emit

    check_format(fmt)
    manager = _manager()
    record = manager.get(name) if name else manager.latest()
    ctx = manager.ctx
    eta = session_eta(record, history=(lambda: telemetry_history(ctx)) if ctx else None)
    emit(session_data(record, eta), session_view(record, eta), fmt)


@app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    fmt: FormatOption = "table",
) -> None:
    """List sessions."""
    import dataclasses

    from brgit.parallel.views import list_view
    from brgit.ui.output import emit

    check_format(fmt)
    found = _manager().list_sessions(status)
    emit([dataclasses.asdict(s) for s in found], list_view(found), fmt)


@app.command("workers")
def workers_command(name: OptName = None, fmt: FormatOption = "table") -> None:
    """Show a session's workers: active, idle or offline by heartbeat."""
    from brgit.parallel.coordinator import workers_of
    from brgit.parallel.views import workers_view
    from brgit.ui.output import emit

    check_format(fmt)
    manager = _manager()
    record = manager.get(name) if name else manager.latest()
    found = workers_of(record, manager.root, manager.cfg.parallel.heartbeat_timeout)
    emit(found, workers_view(record.name, found), fmt)


@app.command("pause")
def pause(name: NameArg) -> None:
    """Pause a running session: running tasks finish, no new ones start."""
    status = _manager().pause_session(name)
    typer.echo(f"session {status.name}: {status.status}")


@app.command("resume")
def resume(
    name: NameArg,
    workers: WorkersOpt = None,
    agent: AgentOpt = None,
    detach: DetachOpt = False,
    backend: BackendOpt = None,
    fmt: FormatOption = "table",
) -> int:
    """Unpause a session, or run what remains of a stopped or crashed one."""
    from brgit.app import launch
    from brgit.parallel.executor import check_backend
    from brgit.parallel.manager import LIVE, effective_status

    check_format(fmt)
    manager = _manager()
    name = manager.name_of(name)
    record = manager.get(name)
    if effective_status(record) in LIVE:
        typer.echo(f"session {name}: {manager.unpause_session(name).status}")
        return 0
    where = check_backend(backend or record.backend, manager.cfg)
    if detach:
        return launch.detach(["resume", name], name, workers, agent, where, manager.cfg)
    record = manager.resume_session(name, workers=workers, agent=agent, progress=_echo,
                                    backend=backend)  # fmt: skip
    return launch.show(record, fmt)


@app.command("stop")
def stop(
    name: NameArg,
    force: Annotated[bool, typer.Option("--force", help="Kill running agents now.")] = False,
) -> None:
    """Stop a session: no new tasks start; --force also kills running agents."""
    status = _manager().stop_session(name, force=force)
    typer.echo(
        f"session {status.name}: {status.status} ({status.completed_tasks}/"
        f"{status.total_tasks} completed; `br parallel resume {status.name}` continues)"
    )


@app.command("cleanup")
def cleanup(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Sessions (names or ids) to clean up now, whatever their age."),
    ] = None,
    days: Annotated[
        int, typer.Option("--days", min=0, help="Without NAMES: older than N days.")
    ] = 7,
    everything: Annotated[bool, typer.Option("--all", help="Every finished session.")] = False,
    fmt: FormatOption = "table",
) -> None:
    """Remove finished sessions' worktrees and records (branches are kept)."""
    from brgit.ui.output import View, emit

    check_format(fmt)
    if names and everything:
        raise typer.BadParameter("give session names or --all, not both", param_hint="--all")
    removed = _manager().cleanup(days=days, everything=everything, names=names)
    lines = [f"removed {r['name']} ({r['worktrees']} worktrees)" for r in removed]
    lines += [f"left alone {why}" for r in removed for why in r["left_alone"]]
    emit(removed, View(lines=lines or ["nothing to clean up"]), fmt)


@app.command("dashboard")
def dashboard(
    name: OptName = None,
    refresh: Annotated[float, typer.Option("--refresh", min=0.2, help="Seconds.")] = 2.0,
) -> None:
    """Live view of progress, workers, recent events and cost (keys: q r p s)."""
    from brgit.parallel.live import SessionWatch
    from brgit.ui.dashboard import run_dashboard

    manager = _manager()
    record = manager.get(name) if name else manager.latest()
    seen = SessionWatch(manager, record.name)
    run_dashboard(seen.frame, on_key=seen.key, ended=seen.ended, refresh=refresh)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
