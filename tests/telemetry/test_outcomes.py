"""What the telemetry commands say after real runs: task success apart from the merge outcome,
status changes, costs printed alike everywhere, requests per model, and a ledger that agrees
with `br run` when a gateway repeats message and request ids."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brgit.core.usage import TokenUsage
from brgit.telemetry.collector import EventCollector
from brgit.telemetry.costs import CostTracker
from tests.fakes.anthropic_server import FakeAnthropic, Reply, message

KEY = "sk-ant-api03-" + "k" * 93 + "AA"


@pytest.fixture
def demo(tmp_path: Path, br: Any) -> Path:
    """The repository `br demo` leaves: six tasks complete, the train merges four and
    ejects two (a conflict and a failed verify)."""
    result = br("demo", "--dir", str(tmp_path / "demo"), "--workers", "1", "--format", "json",
                cwd=tmp_path)  # fmt: skip
    assert result.code == 0, result.err  # the sample ended as designed
    return Path(json.loads(result.out)["repository"])


def json_of(br: Any, repo: Path, *args: str) -> Any:
    result = br(*args, "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_summary_reports_task_success_and_merge_outcome_apart(br: Any, demo: Path) -> None:
    data = json_of(br, demo, "telemetry", "summary")
    assert (data["tasks_completed"], data["tasks_failed"], data["success_rate"]) == (6, 0, 100.0)
    assert (data["merge_trains"], data["branches_merged"], data["branches_ejected"]) == (1, 4, 2)
    assert data["merge_rate"] == pytest.approx(400 / 6)
    table = br("telemetry", "summary", cwd=demo).out
    assert "Task Success:    100% (6/6 tasks completed)" in table
    assert "Merge Outcome:   67% (4/6 branches merged, 2 ejected)" in table


def test_status_change_lines_say_from_and_to(br: Any, demo: Path) -> None:
    table = br("telemetry", "events", "--type", "task_status_changed", "--last", "100",
               cwd=demo).out  # fmt: skip
    rows = [line for line in table.splitlines() if "task_status_changed" in line]
    changes = [re.search(r"(\w+) -> (\w+)", line) for line in rows]
    assert all(changes), rows  # every line names the status before and after
    seen = Counter(m.group(0) for m in changes if m)
    # six tasks: pending -> ready -> running -> completed; then the train's verdicts
    assert seen["pending -> ready"] == seen["ready -> running"] == 6
    assert seen["running -> completed"] == 6
    assert seen["verified -> merged"] == 4
    assert seen["verify_failed -> ejected"] + seen["completed -> ejected"] == 2


def test_status_change_renders_whatever_fields_it_has(repo: Path, br: Any) -> None:
    EventCollector(repo).collect_event({
        "type": "task_status_changed", "task_id": "t1", "attempt": 2,
        "data": {"from_status": "running", "to_status": "failed", "reason": "verify failed",
                 "session_name": "s"},
    })  # fmt: skip
    EventCollector(repo).collect_event({"type": "task_status_changed", "task_id": "t2",
                                        "data": {"to_status": "blocked"}})  # fmt: skip
    table = br("telemetry", "events", cwd=repo).out
    assert "running -> failed; Attempt 2; reason=verify failed" in table
    assert "? -> blocked" in table and "session_name" not in table


def _money(text: str) -> set[str]:
    return set(re.findall(r"\$[\d,]+\.\d+", text))


def test_costs_print_alike_in_every_view(repo: Path, br: Any) -> None:
    tracker = CostTracker(repo)
    tracker.track_usage(TokenUsage("sonnet", input_tokens=0))  # a priced call costing $0
    EventCollector(repo).collect_event({"type": "token_usage", "task_id": "t",
                                        "data": {"cost_usd": 0, "input_tokens": 0}})  # fmt: skip
    views = {
        "costs": br("routing", "costs", cwd=repo).out,
        "tokens": br("telemetry", "tokens", cwd=repo).out,
        "summary": br("telemetry", "summary", cwd=repo).out,
        "events": br("telemetry", "events", cwd=repo).out,
    }
    for name, text in views.items():
        assert _money(text) == {"$0.0000"}, (name, text)
    ledger = json_of(br, repo, "routing", "costs")
    assert isinstance(ledger["total_cost"], float) and isinstance(ledger["by_model"]["sonnet"], float)
    assert isinstance(json_of(br, repo, "telemetry", "summary")["total_cost"], float)


def test_routing_costs_counts_requests_per_model(repo: Path, br: Any) -> None:
    tracker = CostTracker(repo)
    for _ in range(3):
        tracker.track_usage(TokenUsage("haiku", output_tokens=1_000_000))  # $0.50 each
    tracker.track_usage(TokenUsage("sonnet", output_tokens=100_000))  # $1.00
    data = json_of(br, repo, "routing", "costs")
    assert data["requests_by_model"] == {"haiku": 3, "sonnet": 1}
    assert list(data["by_model"]) == ["haiku", "sonnet"]  # most spent first
    table = br("routing", "costs", cwd=repo).out
    assert re.search(r"haiku\s+3\s+\$1\.5000", table) and re.search(r"sonnet\s+1\s+\$1\.0000", table)


def test_one_call_recorded_twice_counts_once_and_repeated_ids_count_apart(repo: Path) -> None:
    tracker = CostTracker(repo)
    call = TokenUsage("sonnet", output_tokens=100_000, message_id="msg_gw", request_id="req_gw")
    tracker.track_usage(call)
    tracker.track_usage(call)  # a retried bookkeeping step: the same call
    other = TokenUsage("sonnet", output_tokens=100_000, message_id="msg_gw", request_id="req_gw")
    tracker.track_usage(other)  # another call to which a gateway gave the same ids
    summary = tracker.get_summary("day")
    assert summary.request_count == 2 and summary.total_cost == pytest.approx(2.0)
    assert tracker.spent("day") == pytest.approx(2.0)


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAnthropic]:
    """A Messages API on 127.0.0.1 that, like some gateways, gives every reply the same
    message id and request id."""

    def same_ids(request: dict[str, Any]) -> Reply:
        reply = message("done", input_tokens=1000, output_tokens=500)
        reply.body["id"] = "msg_gateway"
        reply.headers["request-id"] = "req_gateway"
        return reply

    with FakeAnthropic(default=same_ids) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        yield server


def test_br_run_and_routing_costs_agree_when_a_gateway_repeats_ids(
    repo: Path, tmp_path: Path, br: Any, gateway: FakeAnthropic
) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('[plan]\nname = "gw"\n' + "".join(
        f'[[tasks]]\nid = "t{i}"\ntitle = "task {i}"\nmodel = "haiku"\n' for i in range(3)
    ))  # fmt: skip
    run = br("run", str(plan), "--agent", "claude", "--workers", "1", "--format", "json", cwd=repo)
    # each task changes nothing, so escalation re-runs it a tier up: two calls a task
    assert len(gateway.requests) == 6, run.err
    spent = json.loads(run.out)["cost_usd"]
    costs = json_of(br, repo, "routing", "costs")
    assert costs["request_count"] == 6
    assert spent > 0 and costs["total_cost"] == pytest.approx(spent)
    events = json_of(br, repo, "telemetry", "summary")
    assert events["total_cost"] == pytest.approx(spent)
