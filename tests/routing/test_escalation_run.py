"""Escalation with real parts: a real agent process (the command agent running a stand-in for
Claude Code that only manages the task on the stronger model), a fresh git worktree per run, a
real commit, a real verify command, and both runs in the cost ledger."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from brgit.agents.base import AgentRequest, get_agent
from brgit.config import AgentConfig, Config
from brgit.core.plan import Task
from brgit.gitops import worktrees
from brgit.routing.attempts import Attempt, Outcome
from brgit.routing.policy import build_policy
from brgit.routing.selector import ModelChoice

AGENT = Path(__file__).parent / "fixtures" / "tiered_agent.py"
VERIFY = "test -s feature.txt"


def test_failed_run_is_rerun_a_tier_up_with_both_runs_in_the_ledger(repo: Path) -> None:
    from brgit.telemetry.costs import CostTracker

    agent = AgentConfig(
        default="command", command=f"{sys.executable} {AGENT} {{prompt}} {{model}}",
        output_format="claude-json",
    )  # fmt: skip
    cfg = Config(agent=agent, root=repo)
    task = Task("flag", title="Add a feature flag", description="Add a flag file", verify=VERIFY)
    policy = build_policy(cfg, repo)
    tracker = CostTracker(repo)
    places: list[Path] = []

    def run_attempt(choice: ModelChoice) -> Attempt:
        n = len(places) + 1
        place = worktrees.add_worktree(
            repo, repo.parent / f"wt-{n}", f"br/s/flag-{n}", "main"
        )  # a fresh worktree from the base for every run
        places.append(place)
        request = AgentRequest(task=task, worktree=place, env={}, model=choice.model_id, cfg=cfg)
        result = get_agent("command").run(request)
        cost = sum(
            tracker.track_usage(u, task_id=task.id, session_id="s", attempt=n,
                                command_name="parallel", action="task")["cost_usd"]
            for u in result.usages
        )  # fmt: skip
        commit = worktrees.commit_all(place, f"br: flag (run {n})")
        verify = None
        if commit is not None:
            verify = subprocess.run(VERIFY, shell=True, cwd=place, check=False).returncode == 0
        tier = policy.catalog.resolve(choice.model_id).tier
        return Attempt.of(choice.model_id, tier, agent_ok=result.success,
                          changed=commit is not None, verify_passed=verify, cost_usd=cost,
                          has_verify=True)  # fmt: skip

    first = policy.first_task_choice(task)
    result = policy.run(first, run_attempt)

    assert [c.model for c in result.choices] == ["haiku", "sonnet"]
    assert [a.outcome for a in result.attempts] == [Outcome.NO_CHANGE, Outcome.VERIFIED]
    assert result.succeeded and "succeeded" in result.stop
    assert not (places[0] / "feature.txt").exists()
    assert (places[1] / "feature.txt").read_text().startswith("Add a feature flag")
    records = [r for r in tracker.records() if r.get("task_id") == "flag"]
    assert [(r["attempt"], r["model"]) for r in records] == [
        (1, "claude-haiku-5-5"),
        (2, "claude-sonnet-5-5"),
    ]
    assert all(r["cost_usd"] > 0 for r in records)
    assert sum(r["cost_usd"] for r in records) == pytest.approx(result.cost_usd)
