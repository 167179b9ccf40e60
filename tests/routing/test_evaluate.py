"""`br routing evaluate`: replaying the configured policy over a matrix of recorded runs."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import pytest

from brgit.config import Config, RoutingConfig
from brgit.errors import NotFoundError, UsageError
from brgit.routing.catalog import load_catalog
from brgit.routing.evaluate import evaluate
from brgit.routing.matrix import COLUMNS, load_matrix

CRITICAL = "Redesign the distributed payment system architecture with a database migration"
# task, repo, text, haiku (resolved, produced_patch, cost), sonnet (resolved, patch, cost)
SMALL = [
    ("t1", "acme/web", "Fix the date parser", (1, 1, 1.0), (1, 1, 10.0)),
    ("t2", "acme/web", "Fix the upload size check", (0, 0, 0.5), (1, 1, 12.0)),
    ("t3", "acme/api", "Fix the pagination cursor", (0, 1, 2.0), (1, 1, 9.0)),
    ("t4", "acme/api", CRITICAL, (1, 1, 1.0), (1, 1, 15.0)),
]
Row = tuple[str, str, str, tuple[int, int, float], tuple[int, int, float]]


def write(path: Path, tasks: list[Row]) -> Path:
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for task_id, repo, text, cheap, strong in tasks:
            for tier, model, (resolved, patch, cost) in (("haiku", "gpt-5", cheap),
                                                         ("sonnet", "claude-sonnet-4-5", strong)):  # fmt: skip
                out.writerow([task_id, repo, text, model, tier, resolved, patch, cost])
    return path


def run(path: Path, **kwargs: Any) -> Any:
    routing = kwargs.pop("routing", RoutingConfig())
    return evaluate(load_matrix(path, load_catalog()), Config(routing=routing), **kwargs)


def test_replay_by_hand(tmp_path: Path) -> None:
    result = run(write(tmp_path / "m.csv", SMALL))
    by_task = {d.task_id: d for d in result.decisions}
    assert by_task["t1"].models == ("haiku",)
    assert by_task["t2"].models == ("haiku", "sonnet")  # no change: re-run a tier up
    assert by_task["t3"].models == ("haiku",)  # a change, and no verify to reject it
    assert by_task["t4"].models == ("sonnet",)  # critical: the strongest tier in the file
    data = result.to_dict()
    assert (data["tasks"], data["resolved"], data["attempts"], data["escalated"]) == (4, 3, 5, 1)
    assert data["cost_usd"] == pytest.approx(1.0 + 12.5 + 2.0 + 15.0)
    assert data["resolve_rate"] == 0.75 and data["started_on"] == {"haiku": 3, "sonnet": 1}
    base = data["baselines"]
    assert (base["always_cheap"]["resolved"], base["always_cheap"]["cost_usd"]) == (2, 4.5)
    assert (base["always_strong"]["resolved"], base["always_strong"]["cost_usd"]) == (4, 46.0)
    assert (base["oracle"]["resolved"], base["oracle"]["cost_usd"]) == (4, 1 + 12 + 9 + 1)
    assert data["vs_always_strong"] == {"resolve_rate_points": -25.0, "cost_ratio": 0.663}


def test_verify_check_escalates_on_a_rejected_change(tmp_path: Path) -> None:
    result = run(write(tmp_path / "m.csv", SMALL), verify=True)
    t3 = next(d for d in result.decisions if d.task_id == "t3")
    assert t3.models == ("haiku", "sonnet") and t3.resolved
    assert result.totals.resolved == 4 and result.totals.cost_usd == pytest.approx(
        1 + 12.5 + 11 + 15
    )


def test_settings_from_config(tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", SMALL)
    single = run(path, routing=RoutingConfig(max_task_attempts=1))
    assert all(len(d.models) == 1 for d in single.decisions)
    heuristic = run(path, routing=RoutingConfig(escalate=False))
    assert heuristic.to_dict()["policy"]["escalate"] is False
    assert {d.models for d in heuristic.decisions} <= {("haiku",), ("sonnet",)}


def random_matrix(seed: int, n: int = 80) -> list[Row]:
    rng = random.Random(seed)
    words = ["parser", "cache", "upload", "login", "schema", "thread", "docs", "payment"]
    rows: list[Row] = []
    for i in range(n):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 40)))
        arms = [(rng.random() < 0.4, rng.random() < 0.85, round(rng.uniform(0.1, 20), 2))
                for _ in range(2)]  # fmt: skip
        cheap, strong = ((int(r), int(p or r), c) for r, p, c in arms)
        rows.append((f"t{i}", f"org/repo{i % 3}", text, cheap, strong))
    return rows


def shuffled_resolved(rows: list[Row], seed: int) -> list[Row]:
    flags = [arm[0] for row in rows for arm in (row[3], row[4])]
    random.Random(seed).shuffle(flags)
    out: list[Row] = []
    for i, (task, repo, text, cheap, strong) in enumerate(rows):
        a, b = flags[2 * i], flags[2 * i + 1]
        out.append((task, repo, text, (a, cheap[1], cheap[2]), (b, strong[1], strong[2])))
    return out


@pytest.mark.parametrize("data_driven", [False, True])
def test_decisions_never_read_resolved_without_verify(tmp_path: Path, data_driven: bool) -> None:
    rows = random_matrix(1)
    routing = RoutingConfig(data_driven=data_driven)
    before = run(write(tmp_path / "a.csv", rows), routing=routing)
    after = run(write(tmp_path / "b.csv", shuffled_resolved(rows, 2)), routing=routing)
    assert [(d.models, d.cost_usd, d.stop) for d in before.decisions] == [
        (d.models, d.cost_usd, d.stop) for d in after.decisions
    ]
    assert before.totals.resolved != after.totals.resolved  # the score did read it
    # with a verify, `resolved` is the verify's verdict: then decisions do follow it
    checked = run(write(tmp_path / "a.csv", rows), verify=True)
    rechecked = run(write(tmp_path / "b.csv", shuffled_resolved(rows, 2)), verify=True)
    assert [d.models for d in checked.decisions] != [d.models for d in rechecked.decisions]


def test_learner_replay_learns_per_repository_from_verdicts(tmp_path: Path) -> None:
    # In repo "hard" the cheap tier never passes and the strong one always does; in "easy"
    # the cheap tier always passes. The learner moves "hard" tasks to the strong tier only.
    rows: list[Row] = []
    for i in range(40):
        rows.append((f"h{i}", "org/hard", f"Fix bug {i}", (0, 1, 1.0), (1, 1, 10.0)))
        rows.append((f"e{i}", "org/easy", f"Fix bug {i}", (1, 1, 1.0), (1, 1, 10.0)))
    path = write(tmp_path / "m.csv", rows)
    learned = run(path, verify=True, routing=RoutingConfig(data_driven=True), seed=4)
    hard = [d.models[0] for d in learned.decisions if d.task_id.startswith("h")]
    easy = [d.models[0] for d in learned.decisions if d.task_id.startswith("e")]
    assert hard[:3] == ["haiku"] * 3 and hard[-10:] == ["sonnet"] * 10
    assert easy.count("haiku") >= 38
    plain = run(path, verify=True)
    assert learned.totals.cost_usd < plain.totals.cost_usd
    again = run(path, verify=True, routing=RoutingConfig(data_driven=True), seed=4)
    assert [d.models for d in again.decisions] == [d.models for d in learned.decisions]


def test_cli_json_and_table(tmp_path: Path, repo: Path, br: Any) -> None:
    path = write(tmp_path / "m.csv", SMALL)
    out = br("routing", "evaluate", str(path), "--format", "json", cwd=repo)
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert {"tasks", "resolved", "resolve_rate", "cost_usd", "attempts", "baselines"} <= set(data)
    assert set(data["baselines"]) == {"always_cheap", "always_strong", "oracle"}
    assert data["policy"]["verify"] is False and data["policy"]["tiers"] == ["haiku", "sonnet"]
    verified = json.loads(br("routing", "evaluate", str(path), "--verify", "-f", "json",
                             cwd=repo).out)  # fmt: skip
    assert verified["policy"]["verify"] is True and verified["resolved"] == 4
    table = br("routing", "evaluate", str(path), cwd=repo)
    assert "policy (as configured)" in table.out and "oracle" in table.out
    assert "never to decide" in table.out


BAD = [
    ("task_id,repo,text,model,tier,resolved,produced_patch\n", ":1: missing column(s) cost_usd"),
    ("", ":1: missing column(s) task_id"),
    (",".join(COLUMNS) + "\n", "no tasks in the file"),
    (",".join(COLUMNS) + "\nt,r,x,m,haiku,yes,1,1.0\n", ":2: resolved: expected 0 or 1"),
    (",".join(COLUMNS) + "\nt,r,x,m,gpt-9,1,1,1.0\n", ":2: tier: unknown model 'gpt-9'"),
    (",".join(COLUMNS) + "\nt,r,x,m,haiku,1,1,cheap\n", ":2: cost_usd: expected a number"),
    (",".join(COLUMNS) + "\nt,r,x,m,haiku,1,1,-1\n", ":2: cost_usd: expected a number of"),
    (",".join(COLUMNS) + "\nt,r,x,m,haiku,1,1,1\nt,r,x,m,haiku,1,1,1\n", ":3: task 't' has two"),
    (",".join(COLUMNS) + "\nt,r,x,m,haiku,1,1,1\nu,r,x,m,sonnet,1,1,1\n", "task 't' has no row for tier sonnet"),
    (",".join(COLUMNS) + "\nt,r,x,m,haiku,1,1,1\nt,r2,x,m,sonnet,1,1,1\n", ":3: task 't': repo or text"),
    (",".join(COLUMNS) + "\nt,r,x,m,haiku,1,1,1,extra\n", ":2: missing columns (or a stray comma)"),
    (",".join(COLUMNS) + "\n,r,x,m,haiku,1,1,1\n", ":2: missing task_id"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_matrix_is_one_line_exit_2(
    tmp_path: Path, repo: Path, br: Any, text: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(UsageError, match=None) as caught:
        load_matrix(path, load_catalog())
    assert message in str(caught.value)
    out = br("routing", "evaluate", str(path), cwd=repo)
    assert out.code == 2 and out.err.strip().count("\n") == 0 and message in out.err


def test_unreadable_and_missing_files(tmp_path: Path, repo: Path, br: Any) -> None:
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"task_id,repo\n\xff\xfe\x00")
    assert "not UTF-8" in br("routing", "evaluate", str(binary), cwd=repo).err
    with pytest.raises(NotFoundError):
        load_matrix(tmp_path / "none.csv", load_catalog())
    missing = br("routing", "evaluate", str(tmp_path / "none.csv"), cwd=repo)
    assert missing.code == 6 and "matrix file not found" in missing.err


def test_cli_options_and_config_keys(tmp_path: Path, repo: Path, br: Any) -> None:
    path = write(tmp_path / "m.csv", SMALL)
    learned = json.loads(
        br("routing", "evaluate", str(path), "--data-driven", "--seed", "9", "-f", "json",
           cwd=repo).out
    )  # fmt: skip
    assert (learned["policy"]["data_driven"], learned["policy"]["seed"]) == (True, 9)
    store = repo / ".buildrunner"
    store.mkdir()
    (store / "config.toml").write_text("[routing]\nescalate = false\nmax_task_attempts = 3\n")
    data = json.loads(br("routing", "evaluate", str(path), "-f", "json", cwd=repo).out)
    assert (data["policy"]["escalate"], data["policy"]["max_task_attempts"]) == (False, 3)
    assert data["escalated"] == 0
    (store / "config.toml").write_text("[routing]\nmax_task_attempts = 0\n")
    bad = br("routing", "evaluate", str(path), cwd=repo)
    assert bad.code == 2 and "routing.max_task_attempts: must be at least 1" in bad.err
