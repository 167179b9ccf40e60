"""`br routing`: Complexity estimates, model choice, prices and costs."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from brgit.cli import costs
from brgit.cli._common import FormatOption, check_format, group, load_context

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
    from brgit.routing.complexity import ComplexityEstimator
    from brgit.routing.views import estimate_view
    from brgit.ui.output import emit, note

    check_format(fmt)
    ctx = load_context()
    cfg = ctx.config
    text = _described(text)
    estimator = ComplexityEstimator(ctx.catalog, cfg, cfg.root, ctx=ctx)
    result = estimator.estimate(text, role=role, use_ai=ai)
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
    """Select a model for a task under cost, time and budget limits."""
    from brgit.routing.selector import ModelSelector
    from brgit.routing.views import select_view
    from brgit.ui.output import emit

    check_format(fmt)
    ctx = load_context()
    text = _described(text)
    choice = ModelSelector(ctx.config, root=ctx.root, ctx=ctx).select_model(
        text, cost_limit=cost_limit, time_limit=time_limit, model=model, role=role
    )
    data: dict[str, Any] = {"task": text, **choice.to_dict()}
    emit(data, select_view(text, choice), fmt)


@app.command("models")
def models(fmt: FormatOption = "table") -> None:
    """List models: aliases, ids, context, prices (cache included) and typical latency."""
    from brgit.routing.views import models_data, models_view
    from brgit.ui.output import emit

    check_format(fmt)
    catalog = load_context().catalog
    emit(models_data(catalog), models_view(catalog), fmt)


costs.register(app)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
