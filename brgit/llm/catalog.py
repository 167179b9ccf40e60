"""The model catalog: aliases, ids, limits and prices, bundled as versioned data.

One table serves routing (which model, what it will cost) and the telemetry ledger (what a
call did cost). Config `[models.NAME]` tables override or add models.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from brgit.errors import RoutingError

if TYPE_CHECKING:
    from brgit.config import ModelOverride
    from brgit.core.usage import TokenUsage

PER_MILLION = 1_000_000


@dataclass(frozen=True)
class ModelInfo:
    id: str
    tier: int
    context_window: int
    max_output: int
    input: float  # USD per million tokens
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float
    typical_latency_ms: int = 1000
    long_context_threshold: int = 0  # 0: no long-context pricing
    long_context_input_multiplier: float = 1.0
    long_context_output_multiplier: float = 1.0
    aliases: tuple[str, ...] = ()
    best_for: str = ""  # one line for `br routing models`

    @property
    def name(self) -> str:
        """The short name people use (its first alias), else its id."""
        return self.aliases[0] if self.aliases else self.id


@dataclass(frozen=True)
class Cost:
    usd: float
    price_version: str
    model_known: bool
    currency: str = "USD"


class Catalog:
    def __init__(self, models: dict[str, ModelInfo], aliases: dict[str, str], version: str):
        self.models = models
        self.aliases = aliases
        self.version = version

    def resolve(self, name: str) -> ModelInfo:
        """A model by alias or id; RoutingError naming the known ones if it is unknown."""
        key = self.aliases.get(name, name)
        if key in self.models:
            return self.models[key]
        for model in self.models.values():  # dated ids such as claude-sonnet-4-5-20250929
            if name.startswith(model.id + "-"):
                return model
        known = ", ".join([*sorted(self.aliases), *sorted(self.models)])
        raise RoutingError(f"unknown model {name!r} (known: {known})")

    def find(self, name: str) -> ModelInfo | None:
        try:
            return self.resolve(name)
        except RoutingError:
            return None

    def by_tier(self) -> list[ModelInfo]:
        """The aliased (current) models, cheapest tier first."""
        current = [self.models[i] for i in dict.fromkeys(self.aliases.values()) if i in self.models]
        return sorted(current, key=lambda m: (m.tier, m.input))

    def cost(self, usage: TokenUsage) -> Cost:
        """What a call cost under Anthropic's rules; an unknown model costs 0 with model_known
        False so callers can warn (it is never silently priced)."""
        model = self.find(usage.model)
        if model is None:
            return Cost(0.0, self.version, False)
        return Cost(price(model, usage), self.version, True)


def price(model: ModelInfo, usage: TokenUsage) -> float:
    """input + 5m writes + 1h writes + cache reads + output, each at its own rate.

    Long-context pricing applies to the whole request once its prompt (all input tokens,
    cached ones included) passes the model's threshold.
    """
    in_mult = out_mult = 1.0
    if model.long_context_threshold and usage.total_input_tokens > model.long_context_threshold:
        in_mult = model.long_context_input_multiplier
        out_mult = model.long_context_output_multiplier
    dollars = (
        usage.input_tokens * model.input * in_mult
        + usage.cache_write_5m_tokens * model.cache_write_5m * in_mult
        + usage.cache_write_1h_tokens * model.cache_write_1h * in_mult
        + usage.cache_read_tokens * model.cache_read * in_mult
        + usage.output_tokens * model.output * out_mult
    )
    return dollars / PER_MILLION


def _bundled() -> dict[str, Any]:
    text = resources.files("brgit.data").joinpath("models.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_catalog(overrides: dict[str, ModelOverride] | None = None) -> Catalog:
    """The bundled catalog with config overrides applied."""
    data = _bundled()
    aliases: dict[str, str] = dict(data.get("aliases", {}))
    by_id = {v: k for k, v in aliases.items()}
    models: dict[str, ModelInfo] = {}
    for model_id, fields in data["models"].items():
        alias = (by_id[model_id],) if model_id in by_id else ()
        models[model_id] = ModelInfo(id=model_id, aliases=alias, **fields)
    for name, override in (overrides or {}).items():
        _apply_override(models, aliases, name, override)
    return Catalog(models, aliases, str(data["version"]))


def _apply_override(
    models: dict[str, ModelInfo], aliases: dict[str, str], name: str, override: ModelOverride
) -> None:
    changes = {k: v for k, v in dataclasses.asdict(override).items() if v is not None}
    target_id = changes.pop("id", None) or aliases.get(name, name)
    base = models.get(target_id) or models.get(aliases.get(name, ""))
    if base is None:
        missing = {"tier", "context_window", "max_output", "input", "output"} - set(changes)
        if missing:
            raise RoutingError(
                f"config [models.{name}] adds a new model and needs {', '.join(sorted(missing))}"
            )
        base = ModelInfo(
            id=target_id,
            tier=1,
            context_window=0,
            max_output=0,
            input=0,
            output=0,
            cache_write_5m=changes.get("input", 0) * 1.25,
            cache_write_1h=changes.get("input", 0) * 2,
            cache_read=changes.get("input", 0) * 0.1,
        )
    alias = (name,) if name != target_id else base.aliases
    models[target_id] = dataclasses.replace(base, id=target_id, aliases=alias, **changes)
    if name != target_id:
        aliases[name] = target_id
