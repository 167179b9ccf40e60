"""Routing policies replayed on real outcomes: the shared SWE-bench Pro matrix.

    python bench/bench_routing.py [MATRIX.csv] [--seeds N] [--boot N]

The matrix (default: the shared `routing-swebench-pro-dev.csv`, or $BR_ROUTING_MATRIX) holds,
for each of 368 real tasks, the run of a cheap and of a strong model: whether it produced a
patch, whether the hidden tests passed (`resolved`), and what it cost. Every policy below goes
through `brgit.routing.evaluate` (the code behind `br routing evaluate`), so it decides from the
task text, the repository and what each of its runs shows (a change or not, its cost; with a
verify, the verdict), and `resolved` scores it. Printed and saved (bench/results/routing.json,
every sample kept):

- baselines: always-cheap, always-strong, oracle;
- the shipped policy (escalate on a failed run, cheap first unless critical) without and with a
  verify as the check;
- the complexity heuristic alone (escalation off), roughly what routing did before;
- the learner (`data_driven`) with a verify, over shuffled task orders and seeds;
- the learner fed verdicts after the fact while escalation checks only for a change (a verify
  that runs at merge time, not per run): replayed here, not a configuration brgit has;
- the goal check (always-strong's rate minus 1.5 points at 0.4x its cost) with a bootstrap
  over tasks, to show how near the line the figure is.

There is no peer tool that replays routing policies over recorded outcomes; the baselines are
the comparison. The replay's own speed is timed for completeness.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._util import save
from brgit.config import Config, RoutingConfig
from brgit.routing.attempts import Attempt, Outcome
from brgit.routing.catalog import load_catalog
from brgit.routing.evaluate import Evaluation, Totals, evaluate, replay_config
from brgit.routing.learning import Learner
from brgit.routing.matrix import Matrix, MatrixTask, load_matrix
from brgit.routing.policy import EscalationPolicy
from brgit.routing.selector import ModelChoice

SHARED = Path("/work/shared/data/routing-swebench-pro-dev.csv")
GOAL_POINTS, GOAL_COST, MOON_COST = 1.5, 0.40, 0.35


def shuffled(matrix: Matrix, seed: int) -> Matrix:
    order = matrix.tasks[:]
    random.Random(seed).shuffle(order)
    return replace(matrix, tasks=order)


def row(totals: Totals, strong: Totals) -> dict[str, Any]:
    return {
        **totals.to_dict(),
        "points_vs_strong": round(100 * (totals.resolve_rate - strong.resolve_rate), 2),
        "cost_vs_strong": round(totals.cost_usd / strong.cost_usd, 4),
    }


def spread(samples: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"samples": samples}
    for key in ("resolved", "cost_usd", "points_vs_strong", "cost_vs_strong"):
        values = [s[key] for s in samples]
        out[key] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    return out


def learner_with_verify(matrix: Matrix, strong: Totals, seeds: int) -> dict[str, Any]:
    samples = []
    for seed in range(seeds):
        result = evaluate(shuffled(matrix, seed), Config(), verify=True, seed=seed,
                          data_driven=True)  # fmt: skip
        samples.append({"seed": seed, **row(result.totals, strong)})
    return spread(samples)


def learner_with_late_verdicts(matrix: Matrix, strong: Totals, seeds: int) -> dict[str, Any]:
    """Escalation checks for a change only; the learner is told each run's verdict afterwards
    (as a merge-train verify would), never during the task."""
    samples = []
    for seed in range(seeds):
        learner = Learner(seed=seed)
        cfg = replay_config(Config(), data_driven=True)
        policy = EscalationPolicy(cfg, learner=learner, ladder=matrix.ladder)
        done = [late_verdicts(policy, learner, t) for t in shuffled(matrix, seed).tasks]
        totals = Totals(len(done), sum(d[0] for d in done), sum(d[1] for d in done),
                        sum(d[2] for d in done))  # fmt: skip
        samples.append({"seed": seed, **row(totals, strong)})
    return spread(samples)


def late_verdicts(
    policy: EscalationPolicy, learner: Learner, task: MatrixTask
) -> tuple[bool, float, int]:
    def attempt(choice: ModelChoice) -> Attempt:
        arm = task.arms[choice.model_id]
        outcome = Outcome.CHANGED if arm.produced_patch else Outcome.NO_CHANGE
        tier = policy.catalog.resolve(choice.model_id).tier
        return Attempt(choice.model_id, tier, outcome, arm.cost_usd)

    done = policy.run(policy.first_choice(task.text, task.repo), attempt, task.repo)
    for a in done.attempts:  # the verdicts, after the task
        learner.record(task.repo, a.tier, task.arms[a.model_id].resolved)
    return task.arms[done.attempts[-1].model_id].resolved, done.cost_usd, len(done.attempts)


def cheap_then_strong_on_no_change(matrix: Matrix, strong: Totals) -> dict[str, Any]:
    """The issue's rule, computed straight from the matrix (no critical start)."""
    cheap_id, strong_id = matrix.ladder[0].id, matrix.ladder[-1].id
    resolved, cost, runs = 0, 0.0, 0
    for task in matrix.tasks:
        cheap = task.arms[cheap_id]
        final = cheap if cheap.produced_patch else task.arms[strong_id]
        resolved += final.resolved
        cost += cheap.cost_usd + (0 if cheap.produced_patch else final.cost_usd)
        runs += 1 if cheap.produced_patch else 2
    return row(Totals(len(matrix.tasks), resolved, cost, runs), strong)


def bootstrap(matrix: Matrix, result: Evaluation, draws: int) -> dict[str, Any]:
    """Resample tasks with replacement: how often the policy meets the goal and the moonshot."""
    strong_id = matrix.ladder[-1].id
    pairs = [
        (d.resolved, d.cost_usd, t.arms[strong_id].resolved, t.arms[strong_id].cost_usd)
        for d, t in zip(result.decisions, matrix.tasks, strict=True)
    ]
    rng = random.Random(0)
    goal = moon = 0
    for _ in range(draws):
        pick = [rng.choice(pairs) for _ in pairs]
        ok, spent = sum(p[0] for p in pick), sum(p[1] for p in pick)
        base, base_cost = sum(p[2] for p in pick), sum(p[3] for p in pick)
        points = 100 * (ok - base) / len(pick)
        goal += points >= -GOAL_POINTS and spent <= GOAL_COST * base_cost
        moon += ok >= base and spent <= MOON_COST * base_cost
    return {"draws": draws, "goal_share": goal / draws, "moonshot_share": moon / draws}


def replay_speed(matrix: Matrix, runs: int = 5) -> dict[str, Any]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        evaluate(matrix, Config())
        samples.append(time.perf_counter() - start)
    return {"seconds": samples, "median": statistics.median(samples),
            "per_task_ms": 1000 * statistics.median(samples) / len(matrix.tasks)}  # fmt: skip


def report(results: dict[str, Any], strong: Totals) -> None:
    print(f"{'policy':52} {'resolved':>8} {'rate':>6} {'cost $':>9} {'pts':>6} {'x cost':>7}")
    for name, r in results.items():
        if "samples" in r:
            m = {k: r[k]["median"] for k in ("resolved", "cost_usd", "points_vs_strong",
                                             "cost_vs_strong")}  # fmt: skip
            rng = f"  (resolved {r['resolved']['min']}-{r['resolved']['max']}, " \
                  f"${r['cost_usd']['min']:,.0f}-{r['cost_usd']['max']:,.0f})"  # fmt: skip
            rate = m["resolved"] / strong.tasks
            name = f"{name}, median"
        else:
            m, rng, rate = r, "", r["resolve_rate"]
        print(f"{name:52} {m['resolved']:8} {rate:6.1%} {m['cost_usd']:9,.0f} "
              f"{m['points_vs_strong']:6.2f} {m['cost_vs_strong']:7.3f}{rng}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("matrix", nargs="?", default=os.environ.get("BR_ROUTING_MATRIX", SHARED))
    parser.add_argument("--seeds", type=int, default=25)
    parser.add_argument("--boot", type=int, default=2000)
    args = parser.parse_args()
    matrix = load_matrix(Path(args.matrix), load_catalog())
    shipped = evaluate(matrix, Config())
    strong = shipped.baselines["always_strong"][1]
    results: dict[str, Any] = {
        name.replace("_", "-"): row(totals, strong)
        for name, (_, totals) in shipped.baselines.items()
    }
    results["shipped: escalate on a failed run (no verify)"] = row(shipped.totals, strong)
    verified = evaluate(matrix, Config(), verify=True)
    results["shipped, with a verify as the check"] = row(verified.totals, strong)
    heuristic = evaluate(matrix, Config(routing=RoutingConfig(escalate=False)))
    results["heuristic only (escalation off)"] = row(heuristic.totals, strong)
    results["issue's rule: cheap, strong on no change"] = cheap_then_strong_on_no_change(
        matrix, strong
    )
    results["learner + verify"] = learner_with_verify(matrix, strong, args.seeds)
    results["learner fed verdicts late, change check"] = learner_with_late_verdicts(
        matrix, strong, args.seeds
    )
    tiers = " -> ".join(m.name for m in matrix.ladder)
    print(f"{len(matrix.tasks)} tasks from {matrix.path}; tiers {tiers}; "
          f"{args.seeds} orders for learners\n")  # fmt: skip
    report(results, strong)
    boot = bootstrap(matrix, shipped, args.boot)
    speed = replay_speed(matrix)
    print(f"\ngoal (>= strong - {GOAL_POINTS} pts at <= {GOAL_COST}x): shipped policy "
          f"{shipped.to_dict()['vs_always_strong']}; met in {boot['goal_share']:.0%} of "
          f"{boot['draws']} bootstrap resamples (moonshot in {boot['moonshot_share']:.0%})")
    print(f"replay speed: median {speed['median']:.2f} s for the file "
          f"({speed['per_task_ms']:.1f} ms a task)")  # fmt: skip
    escalated = sum(len(d.models) > 1 for d in shipped.decisions)
    data = {"file": str(matrix.path), "tasks": len(matrix.tasks), "results": results,
            "bootstrap": boot, "replay_speed": speed, "shipped_escalated": escalated,
            "shipped_started_on": shipped.to_dict()["started_on"]}  # fmt: skip
    print(f"saved {save('routing', data)}")


if __name__ == "__main__":
    main()
