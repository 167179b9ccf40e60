"""What `br routing estimate|select|models` show people (tables) and scripts (JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from brgit.view import Table, View

if TYPE_CHECKING:
    from brgit.llm.catalog import Catalog, ModelInfo
    from brgit.routing.complexity import ComplexityResult
    from brgit.routing.selector import ModelChoice


def estimate_view(result: ComplexityResult, verbose: bool) -> View:
    view = View(title=f"Task: {result.task_description}")
    view.fields = [("Complexity", result.complexity_level)]
    if verbose:
        view.fields += [("Score", f"{result.complexity_score}/100"), ("Source", result.source)]
    view.fields += [
        ("Recommended Model", result.recommended_model),
        ("Estimated Cost", f"${result.estimated_cost:.2f}"),
        ("Estimated Time", f"{result.estimated_time_minutes} minutes"),
    ]
    if verbose:
        rows: list[list[Any]] = [[f.name, f"{f.weight:+d}", f.detail] for f in result.factors]
        view.tables.append(Table(["Factor", "Points", "Why"], rows, title="Factors"))
    view.lines = ["", "Reasoning:", *(f"- {r}" for r in result.reasoning)]
    return view


def select_view(text: str, choice: ModelChoice) -> View:
    view = View(title=f"Task: {text}")
    if choice.cost_limit is not None:
        view.fields.append(("Cost Limit", _usd(choice.cost_limit)))
    if choice.time_limit is not None:
        view.fields.append(("Time Limit", f"{choice.time_limit:g} minutes"))
    view.fields += [
        ("Selected Model", f"{choice.model} ({choice.model_id})"),
        ("Source", choice.source),
        ("Complexity", f"{choice.complexity_level} ({choice.complexity_score}/100)"),
        ("Estimated Cost", f"${choice.estimated_cost:.2f}"),
        ("Estimated Time", f"{choice.estimated_time_minutes} minutes"),
    ]
    verdict = "Meets the constraints" if choice.meets_constraints else "Does NOT meet them"
    view.lines = ["", "Reasons:", *(f"- {r}" for r in choice.reasons), "", verdict]
    return view


def _usd(value: float) -> str:
    return (
        f"${value:.3f}".rstrip("0") if value < 1 and f"{value:.3f}"[-1] != "0" else f"${value:.2f}"
    )


def _model_row(model: ModelInfo) -> dict[str, Any]:
    return {
        "name": model.name,
        "id": model.id,
        "aliases": list(model.aliases),
        "tier": model.tier,
        "context_window": model.context_window,
        "max_output": model.max_output,
        "input": model.input,
        "output": model.output,
        "cache_write_5m": model.cache_write_5m,
        "cache_write_1h": model.cache_write_1h,
        "cache_read": model.cache_read,
        "long_context_threshold": model.long_context_threshold or None,
        "typical_latency_ms": model.typical_latency_ms,
        "best_for": model.best_for or None,
    }


def _ordered(catalog: Catalog) -> list[ModelInfo]:
    current = catalog.by_tier()
    rest = sorted((m for m in catalog.models.values() if m not in current), key=lambda m: m.id)
    return [*current, *rest]


def models_data(catalog: Catalog) -> dict[str, Any]:
    """JSON: `price_version`, `currency`, `unit` and one entry per model (USD per 1M tokens)."""
    return {
        "price_version": catalog.version,
        "currency": "USD",
        "unit": "per million tokens",
        "models": [_model_row(m) for m in _ordered(catalog)],
    }


def models_view(catalog: Catalog) -> View:
    columns = ["Model", "Id", "Context", "Input", "Output", "Cache 5m/1h/read", "Latency"]
    rows: list[list[Any]] = []
    for m in _ordered(catalog):
        cache = f"{_usd(m.cache_write_5m)}/{_usd(m.cache_write_1h)}/{_usd(m.cache_read)}"
        rows.append([
            m.name if m.aliases else "-", m.id, f"{m.context_window // 1000}k",
            _usd(m.input), _usd(m.output), cache, f"~{m.typical_latency_ms}ms",
        ])  # fmt: skip
    tips = [f"  - {m.name}: {m.best_for}" for m in catalog.by_tier() if m.best_for]
    lines = ["", f"Prices in USD per million tokens; price table version {catalog.version}."]
    if tips:
        lines += ["", "Recommendations:", *tips]
    return View(title="Available Models", tables=[Table(columns, rows)], lines=lines)
