"""`br routing estimate|select|models`: exact JSON keys, readable tables, clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ESTIMATE_KEYS = {"task", "complexity_level", "complexity_score", "recommended_model",
                 "estimated_cost", "estimated_time_minutes", "reasoning"}  # fmt: skip


def test_estimate_json(repo: Path, br: Any) -> None:
    run = br(
        "routing",
        "estimate",
        "Add user authentication with JWT tokens",
        "--format",
        "json",
        cwd=repo,
    )
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert set(data) >= ESTIMATE_KEYS
    assert (data["complexity_level"], data["recommended_model"]) == ("moderate", "sonnet")
    assert data["task"] == "Add user authentication with JWT tokens"


def test_estimate_table_and_verbose(repo: Path, br: Any) -> None:
    plain = br("routing", "estimate", "Fix typo in README", cwd=repo)
    assert plain.code == 0
    assert "Complexity:" in plain.out and "Recommended Model: haiku" in plain.out
    assert "Factors" not in plain.out
    verbose = br("routing", "estimate", "Fix typo in README", "--verbose", cwd=repo)
    assert "Factors" in verbose.out and "small_change" in verbose.out


HARD = "Redesign the distributed payment system architecture with a database migration"


def test_select_starts_cheap_and_holds_to_cost_limit(repo: Path, br: Any) -> None:
    cheap = json.loads(
        br("routing", "select", "Refactor queries", "--format", "json", cwd=repo).out
    )
    assert (cheap["selected_model"], cheap["source"]) == ("haiku", "escalation")
    run = br("routing", "select", HARD, "--cost-limit", "10", "--format", "json", cwd=repo)
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert data["selected_model"] == "sonnet" and data["estimated_cost"] <= 10  # opus is over
    assert data["meets_constraints"] is True and data["cost_limit"] == 10
    table = br("routing", "select", HARD, "--cost-limit", "10", cwd=repo)
    assert "Selected Model: sonnet" in table.out and "Meets the constraints" in table.out


def test_select_forced_and_unknown_model(repo: Path, br: Any) -> None:
    forced = br(
        "routing", "select", "Critical bug fix", "--model", "opus", "--format", "json", cwd=repo
    )
    assert json.loads(forced.out)["source"] == "forced"
    unknown = br("routing", "select", "x", "--model", "gpt-9", cwd=repo)
    assert unknown.code == 1
    assert "unknown model 'gpt-9'" in unknown.err and "haiku" in unknown.err
    assert "Traceback" not in unknown.err


def test_select_over_budget_is_one_line(repo: Path, br: Any, monkeypatch: Any) -> None:
    from brgit.core.usage import TokenUsage
    from brgit.telemetry.costs import CostTracker

    CostTracker(repo).track_usage(
        TokenUsage("claude-opus-5-5", output_tokens=200_000, message_id="m1")
    )
    monkeypatch.setenv("BR_COST_LIMIT_DAILY", "3")
    run = br("routing", "select", "Add feature", cwd=repo)
    assert run.code == 1
    assert run.err.strip().count("\n") == 0 and "daily budget of $3.00 is spent ($4.00)" in run.err


def test_models_json_and_table(repo: Path, br: Any) -> None:
    run = br("routing", "models", "--format", "json", cwd=repo)
    data = json.loads(run.out)
    assert data["price_version"] == "2026-11-01"
    first = data["models"][0]
    assert (first["name"], first["id"], first["input"], first["cache_read"]) == (
        "haiku",
        "claude-haiku-5-5",
        0.10,
        0.01,
    )
    assert [m["name"] for m in data["models"][:3]] == ["haiku", "sonnet", "opus"]
    table = br("routing", "models", cwd=repo)
    assert "claude-opus-5-5" in table.out and "~2000ms" in table.out and "2026-11-01" in table.out


def test_models_include_config_overrides(repo: Path, br: Any) -> None:
    store = repo / ".buildrunner"
    store.mkdir()
    (store / "config.toml").write_text('[models.fast]\nid = "claude-haiku-4-5"\ninput = 0.9\n')
    data = json.loads(br("routing", "models", "--format", "json", cwd=repo).out)
    fast = next(m for m in data["models"] if m["id"] == "claude-haiku-4-5")
    assert fast["input"] == 0.9 and "fast" in fast["aliases"]


def test_bad_format_is_usage_error(repo: Path, br: Any) -> None:
    assert br("routing", "models", "--format", "xml", cwd=repo).code == 2


def test_broken_config_is_exit_2(repo: Path, br: Any) -> None:
    store = repo / ".buildrunner"
    store.mkdir()
    (store / "config.toml").write_text("[routing]\nmax_attempts = 'many'\n")
    run = br("routing", "select", "Add feature", cwd=repo)
    assert run.code == 2 and "routing.max_attempts" in run.err


def test_incomplete_model_override_is_one_line_error(repo: Path, br: Any) -> None:
    store = repo / ".buildrunner"
    store.mkdir()
    (store / "config.toml").write_text('[models.mine]\nid = "my-model"\ninput = 1.0\n')
    run = br("routing", "models", cwd=repo)
    assert run.code == 1 and "[models.mine] adds a new model and needs" in run.err
