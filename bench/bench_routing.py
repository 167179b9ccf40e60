"""Offline evaluation of model routing: replay a table of task outcomes per model.

    python bench/bench_routing.py

`bench/data/routing_outcomes.csv` is a SYNTHETIC table built by hand for this evaluation
(see docs/performance/routing.md): 48 tasks in six roles, each with the size of the work in
tokens and whether haiku, sonnet and opus finish it. Strategies compared on the same tasks:

- always-cheapest (haiku) and always-strongest (opus);
- heuristic: the ComplexityEstimator's recommendation;
- data-driven (4-fold): the ModelSelector in data-driven mode, its beliefs fed with the
  outcomes of every model on the other three folds' tasks of the same role;
- data-driven (online): tasks replayed in a shuffled order, learning only from the model it
  chose (what telemetry records in real use), median over seeds;
- oracle: the cheapest model that succeeds (a floor, not a strategy).

Cost: the task's tokens priced with the bundled price table, spread over 50k-token turns.
"With escalation" retries a failed task on the next stronger model and adds that cost.
"""

from __future__ import annotations

import csv
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._util import save
from brgit.config import Config, CostLimits, RoutingConfig
from brgit.core.usage import TokenUsage
from brgit.llm.catalog import load_catalog, price
from brgit.routing.complexity import TURN_INPUT, ComplexityEstimator
from brgit.routing.selector import ModelSelector

DATA = Path(__file__).resolve().parent / "data" / "routing_outcomes.csv"
MODELS = ("haiku", "sonnet", "opus")
FOLDS = 4
SEEDS = 25
CATALOG = load_catalog()


@dataclass
class Row:
    task_id: str
    role: str
    files: int
    depends_on: int
    input_tokens: int
    output_tokens: int
    ok: dict[str, bool]
    description: str


def load() -> list[Row]:
    with DATA.open(newline="") as handle:
        return [
            Row(r["task_id"], r["role"], int(r["files"]), int(r["depends_on"]),
                int(r["input_tokens"]), int(r["output_tokens"]),
                {m: r[m] == "1" for m in MODELS}, r["description"])
            for r in csv.DictReader(handle)
        ]  # fmt: skip


def cost(row: Row, alias: str) -> float:
    model = CATALOG.resolve(alias)
    turns = -(-row.input_tokens // TURN_INPUT)
    turn = TokenUsage(model.id, input_tokens=row.input_tokens // turns,
                      output_tokens=row.output_tokens // turns)  # fmt: skip
    return price(model, turn) * turns


def escalated(row: Row, alias: str) -> tuple[bool, float]:
    spent = 0.0
    for name in MODELS[MODELS.index(alias) :]:
        spent += cost(row, name)
        if row.ok[name]:
            return True, spent
    return False, spent


def selector(data_driven: bool) -> ModelSelector:
    routing = RoutingConfig(data_driven=data_driven, cost_limits=CostLimits(0, 0, 0))
    return ModelSelector(Config(routing=routing), catalog=CATALOG)


ESTIMATOR = ComplexityEstimator(CATALOG)


def estimate(row: Row):  # type: ignore[no-untyped-def]
    return ESTIMATOR.estimate(
        row.description, files=[f"f{i}" for i in range(row.files)],
        depends_on=[f"d{i}" for i in range(row.depends_on)], role=row.role,
    )  # fmt: skip


def counts(rows: list[Row], role: str) -> dict[str, tuple[int, int]]:
    out = {}
    for alias in MODELS:
        same = [r for r in rows if r.role == role]
        wins = sum(r.ok[alias] for r in same)
        out[CATALOG.resolve(alias).id] = (wins, len(same) - wins)
    return out


def heuristic_picks(rows: list[Row]) -> dict[str, str]:
    choose = selector(False)
    return {r.task_id: choose.select(estimate(r), role=r.role).model for r in rows}


def cross_validated_picks(rows: list[Row]) -> dict[str, str]:
    choose = selector(True)
    picks = {}
    for index, row in enumerate(rows):
        train = [r for i, r in enumerate(rows) if i % FOLDS != index % FOLDS]
        outcomes = counts(train, row.role)
        picks[row.task_id] = choose.select(estimate(row), role=row.role, outcomes=outcomes).model
    return picks


def online_run(rows: list[Row], seed: int) -> dict[str, str]:
    choose = selector(True)
    order = rows[:]
    random.Random(seed).shuffle(order)
    seen: dict[str, dict[str, tuple[int, int]]] = {}
    picks = {}
    for row in order:
        outcomes = seen.setdefault(row.role, {})
        alias = choose.select(estimate(row), role=row.role, outcomes=dict(outcomes)).model
        picks[row.task_id] = alias
        model_id = CATALOG.resolve(alias).id
        wins, losses = outcomes.get(model_id, (0, 0))
        outcomes[model_id] = (wins + row.ok[alias], losses + (not row.ok[alias]))
    return picks


def score(rows: list[Row], picks: dict[str, str]) -> dict[str, float]:
    ok = [r.ok[picks[r.task_id]] for r in rows]
    spent = sum(cost(r, picks[r.task_id]) for r in rows)
    esc = [escalated(r, picks[r.task_id]) for r in rows]
    return {
        "success_rate": sum(ok) / len(rows),
        "cost_usd": spent,
        "cost_per_success": spent / max(1, sum(ok)),
        "escalated_success_rate": sum(e[0] for e in esc) / len(rows),
        "escalated_cost_usd": sum(e[1] for e in esc),
        "share_haiku": sum(p == "haiku" for p in picks.values()) / len(rows),
        "share_opus": sum(p == "opus" for p in picks.values()) / len(rows),
    }


def oracle(rows: list[Row]) -> dict[str, str]:
    return {r.task_id: next((m for m in MODELS if r.ok[m]), "opus") for r in rows}


def median_scores(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(run[k] for run in runs) for k in runs[0]}


def selection_speed(rows: list[Row]) -> dict[str, float]:
    """Median microseconds per choice, heuristic and data-driven side by side."""
    out = {}
    for name, choose in (("heuristic", selector(False)), ("data-driven", selector(True))):
        samples = []
        for row in rows * 5:
            start = time.perf_counter()
            choose.select(estimate(row), role=row.role, outcomes=counts(rows, row.role))
            samples.append((time.perf_counter() - start) * 1e6)
        out[name] = statistics.median(samples)
    return out


def main() -> None:
    rows = load()
    results = {
        "always-cheapest (haiku)": score(rows, {r.task_id: "haiku" for r in rows}),
        "always-strongest (opus)": score(rows, {r.task_id: "opus" for r in rows}),
        "heuristic": score(rows, heuristic_picks(rows)),
        "data-driven (4-fold)": score(rows, cross_validated_picks(rows)),
        "data-driven (online)": median_scores(
            [score(rows, online_run(rows, s)) for s in range(SEEDS)]
        ),
        "oracle (floor)": score(rows, oracle(rows)),
    }  # fmt: skip
    strongest = results["always-strongest (opus)"]["cost_usd"]
    print(f"{len(rows)} synthetic tasks from {DATA.name} (price table {CATALOG.version})\n")
    print(f"{'strategy':26} {'success':>8} {'cost $':>8} {'vs opus':>8} {'$/success':>10}"
          f" {'esc. success':>13} {'esc. cost $':>12}")  # fmt: skip
    for name, r in results.items():
        print(f"{name:26} {r['success_rate']:8.1%} {r['cost_usd']:8.2f} "
              f"{r['cost_usd'] / strongest:8.2f} {r['cost_per_success']:10.3f} "
              f"{r['escalated_success_rate']:13.1%} {r['escalated_cost_usd']:12.2f}")  # fmt: skip
    speed = selection_speed(rows)
    ratio = speed["data-driven"] / speed["heuristic"]
    print(f"\nselection time, median per task: heuristic {speed['heuristic']:.0f} us, "
          f"data-driven {speed['data-driven']:.0f} us (ratio {ratio:.2f})")  # fmt: skip
    target = save("routing", {"tasks": len(rows), "results": results, "selection_us": speed})
    print(f"saved {target}")


if __name__ == "__main__":
    main()
