"""`br merge`: integrate worker branches in dependency order, verifying as it goes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from brgit.choices import MERGE_STRATEGIES, ON_CONFLICT, either
from brgit.cli._common import FormatOption, check_format, load_config, load_context

if TYPE_CHECKING:
    from brgit.merge.api import Overrides

HELP = (
    "Integrate worker branches in dependency order, verify the merges in scratch worktrees "
    "(several prefixes at once with --speculate), and advance the target only to verified "
    "commits. Conflicting or failing branches are ejected (they keep their commits), or "
    "handed back to their agent with --repair."
)


def register(app: typer.Typer) -> None:
    @app.command("merge", help=HELP, short_help="Merge worker branches in order, verified.")
    def merge(
        branches: Annotated[
            list[str] | None, typer.Argument(help="Branches to merge in this order.")
        ] = None,
        session: Annotated[
            str | None, typer.Option("--session", "-s", help="Merge a session's tasks.")
        ] = None,
        target: Annotated[str | None, typer.Option(help="Branch to advance.")] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Print the order and forecast conflicts.")
        ] = False,
        verify: Annotated[
            str | None, typer.Option(help="Verify command (default: merge.verify).")
        ] = None,
        strategy: Annotated[str | None, typer.Option(help=either(MERGE_STRATEGIES) + ".")] = None,
        on_conflict: Annotated[
            str | None, typer.Option("--on-conflict", help=either(ON_CONFLICT) + ".")
        ] = None,
        batch: Annotated[
            int | None,
            typer.Option(min=1, help="Branches merged per verify run (bisects failures)."),
        ] = None,
        speculate: Annotated[
            int | None,
            typer.Option(min=1, help="Train prefixes verified at once (capped by the CPU count)."),
        ] = None,
        gate: Annotated[
            list[str] | None,
            typer.Option("--gate", help="Gate run on each verified merge (repeatable)."),
        ] = None,
        repair: Annotated[
            bool | None,
            typer.Option(
                "--repair/--no-repair",
                help="Hand ejected branches back to their agent (session tasks).",
            ),
        ] = None,
        abort: Annotated[
            bool, typer.Option("--abort", help="Clean up a stopped or crashed train.")
        ] = False,
        fmt: FormatOption = "table",
    ) -> int:
        check_format(fmt)
        if abort:
            return _abort(fmt)
        _choice(strategy, MERGE_STRATEGIES, "--strategy")
        _choice(on_conflict, ON_CONFLICT, "--on-conflict")
        if bool(session) == bool(branches):
            raise typer.BadParameter("give either --session NAME or BRANCH names")
        from brgit.merge.api import Overrides

        gates = tuple(gate) if gate else None
        over = Overrides(target, verify, strategy, on_conflict, batch, speculate, gates, repair)
        if dry_run:
            return _dry_run(session, branches or [], over, fmt)
        return _train(session, branches or [], over, fmt)


def _choice(value: str | None, allowed: tuple[str, ...], hint: str) -> None:
    if value is not None and value not in allowed:
        raise typer.BadParameter(f"expected one of {', '.join(allowed)}", param_hint=hint)


def _train(session: str | None, branches: list[str], over: Overrides, fmt: str) -> int:
    from brgit.app.quality import register_gates
    from brgit.merge import api, report
    from brgit.ui.output import emit, note

    register_gates()
    ctx = load_context()
    cfg = ctx.config
    progress = None if fmt == "json" else note
    if session:
        from functools import partial

        from brgit.agents.base import run_in

        run_agent = partial(run_in, cfg=cfg, ctx=ctx)
        result = api.merge_session(cfg.root, cfg, session, over, progress, run_agent, ctx=ctx)
    else:
        result = api.merge_branches(cfg.root, cfg, branches, over, progress, ctx=ctx)
    emit(report.train_data(result), report.train_view(result), fmt)
    return 0 if result.ok else 1


def _dry_run(session: str | None, branches: list[str], over: Overrides, fmt: str) -> int:
    from brgit.merge import api, report
    from brgit.ui.output import emit

    cfg = load_config()
    if session:
        result = api.forecast_session(cfg.root, cfg, session, over)
    else:
        result = api.forecast_branches(cfg.root, cfg, branches, over)
    emit(report.dry_run_data(result), report.dry_run_view(result), fmt)
    return 0


def _abort(fmt: str) -> int:
    from brgit.merge import api
    from brgit.ui.output import emit

    cfg = load_config()
    done = api.abort(cfg.root)
    if fmt == "json":
        emit(
            {
                "aborted": done is not None,
                "train_id": done.state.train_id if done else None,
                "landed": done.landed if done else None,
                "tasks": (done.tasks or []) if done else [],
                "problem": done.problem if done else None,
                "stopped": list(done.stopped) if done else [],
            }
        )
        return 1 if done and done.problem else 0
    if done is None:
        typer.echo("no merge train to abort")
        return 0
    target = done.state.target
    if done.stopped:
        pids = ", ".join(str(pid) for pid in done.stopped)
        typer.echo(f"stopped {len(done.stopped)} verify run(s) it left running (pid {pids})")
    typer.echo(f"aborted train {done.state.train_id}: removed its scratch worktrees")
    if done.landed:
        typer.echo(
            f"{target} advanced to {done.landed[:12]}, its last verified commit "
            f"(merged {', '.join(done.tasks or [])})"
        )
    elif done.problem:
        typer.echo(f"br: error: verified work did not land on {target}: {done.problem}", err=True)
        return 1
    else:
        typer.echo(f"{target} is at its last verified commit")
    return 0
