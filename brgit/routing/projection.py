"""What one agent run costs on each tier: profiles from the ledger, real sessions by default.

A projection prices a whole agent run (dozens of requests), not one API call. Once the cost
ledger holds `MIN_RUNS` agent runs of a tier, the tier's profile is the median run there: its
tokens (each field's median) and turns, priced turn by turn with the model's prices, so
long-context rates apply only when one request is long. Before that, a tier's profile is a real
session from the shared SWE-bench Pro file (`REFERENCE_SESSIONS`), scaled to the model by its
list prices. The complexity score does not enter: on those real sessions it barely predicts
cost (correlation 0.13).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from brgit.core.usage import TokenUsage
from brgit.routing.catalog import price

if TYPE_CHECKING:
    from brgit.routing.catalog import Catalog, ModelInfo

MIN_RUNS = 3  # agent runs of a tier in the ledger before they replace the default
TURN_INPUT = 50_000  # prompt tokens of one request, when the ledger does not say how many turns
TOKEN_FIELDS = (
    "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_5m_tokens",
    "cache_write_1h_tokens",
)  # fmt: skip


class Profile(Protocol):
    @property
    def tier(self) -> int: ...

    def cost(self, model: ModelInfo) -> float: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class ReferenceSession:
    """The median billed cost of real agent sessions of one model, with its list prices."""

    tier: int
    usd: float
    model: str
    input: float  # USD per million tokens
    output: float
    sessions: int
    source: str

    def cost(self, model: ModelInfo) -> float:
        """The same work at `model`'s list prices (input and output weighed alike)."""
        return self.usd * (model.input + model.output) / (self.input + self.output)

    def describe(self) -> str:
        return (
            f"median of {self.sessions} real {self.model} sessions ({self.source}), "
            "at this model's list prices"
        )


SWE_BENCH_PRO = "SWE-agent 1.1 on SWE-bench Pro, shared routing file"
REFERENCE_SESSIONS: dict[int, ReferenceSession] = {
    1: ReferenceSession(1, 1.59, "gpt-5", 1.25, 10.0, 368, SWE_BENCH_PRO),
    2: ReferenceSession(2, 10.54, "claude-sonnet-4-5", 3.0, 15.0, 368, SWE_BENCH_PRO),
}


@dataclass(frozen=True)
class LedgerProfile:
    """The median agent run of one tier in this repository's cost ledger."""

    tier: int
    runs: int
    usage: TokenUsage  # the median of each token field over the runs
    turns: int

    def cost(self, model: ModelInfo) -> float:
        turns = max(1, self.turns)
        per_turn = {f: getattr(self.usage, f) // turns for f in TOKEN_FIELDS}
        return price(model, _usage(model.id, per_turn)) * turns

    def describe(self) -> str:
        return f"median of {self.runs} agent runs in the ledger"


def _usage(model_id: str, tokens: Mapping[str, int]) -> TokenUsage:
    return TokenUsage(
        model=model_id,
        input_tokens=tokens["input_tokens"],
        output_tokens=tokens["output_tokens"],
        cache_read_tokens=tokens["cache_read_tokens"],
        cache_write_5m_tokens=tokens["cache_write_5m_tokens"],
        cache_write_1h_tokens=tokens["cache_write_1h_tokens"],
    )


class Projector:
    """Projected cost of an agent run per model: the tier's ledger profile, else its default,
    else the default of the nearest tier below (a tier-3 run is priced as a tier-2 run's
    work at tier-3 prices)."""

    def __init__(self, profiles: Mapping[int, Profile] | None = None) -> None:
        self.profiles: dict[int, Profile] = {**REFERENCE_SESSIONS, **(profiles or {})}

    def profile(self, tier: int) -> Profile:
        below = [t for t in self.profiles if t <= tier]
        return self.profiles[max(below) if below else min(self.profiles)]

    def cost(self, model: ModelInfo) -> float:
        return self.profile(model.tier).cost(model)


def agent_runs(records: Iterable[Mapping[str, Any]], catalog: Catalog) -> dict[int, list[Run]]:
    """Ledger records grouped into agent runs (one task attempt on one model), per tier.
    Records without a task are single calls (estimates, tools) and are left out."""
    runs: dict[tuple[Any, ...], Run] = {}
    for record in records:
        info = catalog.find(str(record.get("model") or ""))
        if info is None or not record.get("task_id"):
            continue
        key = (record.get("session_id"), record["task_id"], record.get("attempt"), info.id)
        runs.setdefault(key, Run(info.tier)).add(record)
    by_tier: dict[int, list[Run]] = {}
    for run in runs.values():
        by_tier.setdefault(run.tier, []).append(run)
    return by_tier


class Run:
    def __init__(self, tier: int) -> None:
        self.tier = tier
        self.tokens = dict.fromkeys(TOKEN_FIELDS, 0)
        self.records = 0
        self.turns = 0  # as the agent reported them, when it did

    def add(self, record: Mapping[str, Any]) -> None:
        self.records += 1
        for name in TOKEN_FIELDS:
            self.tokens[name] += int(record.get(name) or 0)
        self.turns += int(record.get("turns") or 0)

    def turn_count(self) -> int:
        """Reported turns; else one per record when the agent recorded each call; else the
        prompt tokens spread over requests of TURN_INPUT."""
        if self.turns:
            return self.turns
        if self.records > 1:
            return self.records
        prompt = sum(v for k, v in self.tokens.items() if k != "output_tokens")
        return max(1, -(-prompt // TURN_INPUT))


def ledger_profiles(
    records: Iterable[Mapping[str, Any]], catalog: Catalog, min_runs: int = MIN_RUNS
) -> dict[int, Profile]:
    """A profile per tier with at least `min_runs` agent runs in `records`."""
    out: dict[int, Profile] = {}
    for tier, runs in agent_runs(records, catalog).items():
        if len(runs) < min_runs:
            continue
        medians = {f: int(statistics.median(r.tokens[f] for r in runs)) for f in TOKEN_FIELDS}
        turns = int(statistics.median(r.turn_count() for r in runs))
        out[tier] = LedgerProfile(tier, len(runs), _usage("", medians), turns)
    return out
