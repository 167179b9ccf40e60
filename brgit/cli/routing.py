"""`br routing`: Complexity estimates, model choice, prices and costs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from brgit.cli import costs
from brgit.cli._common import FormatOption, check_format, group, load_config, load_context

if TYPE_CHECKING:
    from brgit.routing.evaluate import Evaluation
    from brgit.ui.output import View

app = group("routing", "Complexity estimates, model choice, prices and costs.")

Text = Annotated[str, typer.Argument(help="What the task is about.", show_default=False)]


def _described(text: str) -> str:
    """A task description is needed: an empty one is a usage error, not a 'simple' task."""
    if not text.strip():
        raise typer.BadParameter("describe the task", param_hint="TEXT")
    return text


@app.command("estimate")
def estimate(
    text: Text,
    fmt: FormatOption = "table",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every factor.")] = False,
    ai: Annotated[bool, typer.Option("--ai", help="Ask the cheapest model (needs a key).")] = False,
    role: Annotated[str, typer.Option("--role", help="The task's role.")] = "builder",
) -> None:
    """Estimate task complexity and recommend a model."""
    from brgit.routing.policy import build_policy
    from brgit.routing.views import estimate_view
    from brgit.ui.output import emit, note

    check_format(fmt)
    ctx = load_context(repo=False)
    text = _described(text)
    policy = build_policy(ctx.config, ctx.root, ctx=ctx)
    result = policy.estimator.estimate(text, role=role, use_ai=ai)
    if ai and result.source != "ai":
        note(result.reasoning[-1])
    emit(result.to_dict(), estimate_view(result, verbose), fmt)


@app.command("select")
def select(
    text: Text,
    cost_limit: Annotated[
        float | None, typer.Option("--cost-limit", min=0, help="Most the task may cost, USD.")
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0, help="Most the task may take, minutes."),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Force a model (alias or id).")
    ] = None,
    role: Annotated[str, typer.Option("--role", help="The task's role.")] = "builder",
    fmt: FormatOption = "table",
) -> None:
    """Select the model a task starts on, under cost, time and budget limits."""
    from brgit.routing.policy import build_policy
    from brgit.routing.views import select_view
    from brgit.ui.output import emit

    check_format(fmt)
    ctx = load_context(repo=False)
    text = _described(text)
    choice = build_policy(ctx.config, ctx.root, ctx=ctx).first_choice(
        text, role=role, cost_limit=cost_limit, time_limit=time_limit, model=model
    )
    data: dict[str, Any] = {"task": text, **choice.to_dict()}
    emit(data, select_view(text, choice), fmt)


@app.command("models")
def models(fmt: FormatOption = "table") -> None:
    """List models: aliases, ids, context, prices (cache included) and typical latency."""
    from brgit.routing.views import models_data, models_view
    from brgit.ui.output import emit

    check_format(fmt)
    catalog = load_context(repo=False).catalog
    emit(models_data(catalog), models_view(catalog), fmt)


@app.command("evaluate")
def evaluate(
    matrix: Annotated[
        Path,
        typer.Argument(
            help="CSV of recorded runs: task_id, repo, text, model, tier, resolved, "
            "produced_patch, cost_usd.",
            show_default=False,
        ),
    ],
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Treat `resolved` as the verdict of a verify command run after each attempt "
            "(escalate on any failure).",
        ),
    ] = False,
    data_driven: Annotated[
        bool | None,
        typer.Option("--data-driven/--no-data-driven", help="Override routing.data_driven."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the learner's sampling.")] = 0,
    fmt: FormatOption = "table",
) -> None:
    """Replay the configured routing policy over recorded outcomes, with baselines."""
    from brgit.llm.catalog import load_catalog
    from brgit.routing.evaluate import evaluate as replay
    from brgit.routing.matrix import load_matrix
    from brgit.ui.output import emit

    check_format(fmt)
    cfg = load_config(repo=False)
    table = load_matrix(matrix, load_catalog(cfg.models))
    result = replay(table, cfg, verify=verify, seed=seed, data_driven=data_driven)
    emit(result.to_dict(), _evaluation_view(result), fmt)


def _evaluation_view(result: Evaluation) -> View:
    from brgit.ui.output import Table, View

    strong = result.baselines["always_strong"][1].cost_usd
    rows: list[list[Any]] = []
    named = [("policy (as configured)", result.totals)]
    named += [(f"{k.replace('_', '-')} ({runs})", t) for k, (runs, t) in result.baselines.items()]
    for name, t in named:
        ratio = f"{t.cost_usd / strong:.2f}x" if strong else "-"
        rows.append([name, t.resolved, f"{t.resolve_rate:.1%}", f"${t.cost_usd:,.2f}",
                     t.attempts, ratio])  # fmt: skip
    s = result.settings
    check = "the verify verdict (resolved)" if s["verify"] else "a change (produced_patch)"
    view = View(title=f"Routing replay: {result.file}")
    view.fields = [
        ("Tasks", str(result.totals.tasks)),
        ("Tiers", " -> ".join(s["tiers"])),
        ("Escalate", f"{s['escalate']} (at most {s['max_task_attempts']} runs a task)"),
        ("Success check", check),
        ("Data-driven", f"{s['data_driven']} (seed {s['seed']})"),
    ]
    columns = ["Policy", "Resolved", "Rate", "Cost", "Runs", "Cost vs strong"]
    view.tables.append(Table(columns, rows))
    if not s["verify"]:
        view.lines = ["", "`resolved` was read only to score the runs, never to decide."]
    return view


costs.register(app)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
