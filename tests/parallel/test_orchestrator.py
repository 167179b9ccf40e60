from __future__ import annotations

import json
from pathlib import Path

import pytest

from brgit.config import Config
from brgit.core.plan import Task
from brgit.core.session import load_session
from brgit.parallel.orchestrator import Orchestrator, run_plan
from tests.conftest import commit_file, git
from tests.parallel.conftest import events, make_cfg, plan


def test_dependencies_results_and_blocking(repo: Path, cfg: Config) -> None:
    record = run_plan(
        plan(
            Task("a", run="echo a > a.txt"),
            Task("b", run="echo b > b.txt"),
            Task("c", run="cat a.txt b.txt > c.txt", depends_on=["a", "b"]),
            Task("bad", run="echo boom >&2; exit 3"),
            Task("after-bad", run="true", depends_on=["bad"]),
            Task("after-after", run="true", depends_on=["after-bad"]),
            Task("free", run="echo free > free.txt"),
        ),
        root=repo,
        cfg=cfg,
        workers=3,
    )
    status = {t: r.status for t, r in record.tasks.items()}
    assert status == {
        "a": "completed",
        "b": "completed",
        "c": "completed",
        "bad": "failed",
        "after-bad": "blocked",
        "after-after": "blocked",
        "free": "completed",
    }
    assert record.status == "failed"
    assert record.tasks["bad"].error == "exit 3: boom"
    assert "dependency 'bad' failed" in (record.tasks["after-bad"].error or "")
    c = record.tasks["c"]
    assert c.branch == "br/p/c"
    assert git(repo, "show", f"{c.commit}:c.txt") == "a\nb"
    assert git(repo, "log", "-1", "--format=%s", c.commit or "") == "br: c: c"
    assert git(repo, "status", "--porcelain") == "?? .buildrunner/"
    assert load_session("p", repo).to_dict() == record.to_dict()


def test_dependent_starts_from_its_dependency(repo: Path, cfg: Config) -> None:
    record = run_plan(
        plan(
            Task("one", run="echo 1 > n.txt"),
            Task("two", run="echo 2 >> n.txt", depends_on=["one"]),
        ),
        root=repo,
        cfg=cfg,
    )
    assert git(repo, "show", f"{record.tasks['two'].commit}:n.txt") == "1\n2"
    assert git(repo, "rev-parse", f"{record.tasks['two'].commit}^") == record.tasks["one"].commit


def test_conflicting_dependencies_block_the_task(repo: Path, cfg: Config) -> None:
    record = run_plan(
        plan(
            Task("x", run="echo x > same.txt"),
            Task("y", run="echo y > same.txt"),
            Task("z", run="true", depends_on=["x", "y"]),
        ),
        root=repo,
        cfg=cfg,
    )
    assert record.tasks["z"].status == "blocked"
    assert "conflicts in same.txt" in (record.tasks["z"].error or "")


def test_copy_files_setup_and_env(repo: Path) -> None:
    (repo / ".gitignore").write_text(".env\nsecrets/\nbuild/\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-qm", "ignore")
    (repo / ".env").write_text("TOKEN=local\n")
    (repo / "secrets").mkdir()
    (repo / "secrets" / "db.txt").write_text("db")
    (repo / "build").mkdir()
    (repo / "build" / "big.bin").write_text("not copied")
    cfg = make_cfg(
        repo,
        copy_files=[".env", "secrets/"],
        setup_command="echo ready > setup.txt",
        port_base=30000,
        ports_per_worker=5,
        keep_worktrees="all",
    )
    run = "env | grep ^BR_ | sort > env.txt; cat .env secrets/db.txt > seen.txt; test ! -e build"
    record = run_plan(plan(Task("t1", run=run), Task("t2", run=run)), root=repo, cfg=cfg, workers=2)
    assert record.status == "completed", record.tasks
    ports = set()
    for tid in ("t1", "t2"):
        commit = record.tasks[tid].commit or ""
        env = dict(
            line.split("=", 1) for line in git(repo, "show", f"{commit}:env.txt").splitlines()
        )
        assert env["BR_SESSION"] == "p" and env["BR_TASK_ID"] == tid
        assert env["BR_WORKTREE"] == record.tasks[tid].worktree
        assert env["BR_WORKER_ID"] == record.tasks[tid].worker_id
        base = int(env["BR_PORT_BASE"])
        assert env["BR_PORT_RANGE"] == f"{base}-{base + 4}"
        ports.add(base)
        assert git(repo, "show", f"{commit}:seen.txt") == "TOKEN=local\ndb"
        assert git(repo, "show", f"{commit}:setup.txt") == "ready"
        assert ".env" not in git(repo, "show", "--name-only", "--format=", commit)
    assert ports == {30000, 30005}


def test_setup_and_verify_failures(repo: Path) -> None:
    cfg = make_cfg(repo, setup_command="exit 9")
    record = run_plan(plan(Task("s", run="true")), root=repo, cfg=cfg)
    assert record.tasks["s"].error == "setup command exited 9"
    cfg = make_cfg(repo)
    record = run_plan(
        plan(Task("v", run="echo v > v.txt", verify="grep -q nope v.txt"), name="q"),
        root=repo,
        cfg=cfg,
    )
    assert record.tasks["v"].status == "failed"
    assert record.tasks["v"].error == "verify exited 1"


def test_telemetry_events(repo: Path, cfg: Config) -> None:
    record = run_plan(
        plan(Task("ok", role="tester", run="true", model="haiku"), Task("no", run="false")),
        root=repo,
        cfg=cfg,
    )
    found = events(repo)
    kinds = [e["event_type"] for e in found]
    for kind in (
        "session_started",
        "model_selected",
        "task_started",
        "task_completed",
        "task_failed",
        "task_status_changed",
        "session_completed",
    ):
        assert kind in kinds
    done = next(e for e in found if e["event_type"] == "task_completed")
    assert done["task_id"] == "ok" and done["role"] == "tester" and done["success"] is True
    assert done["model"] and "haiku" in done["model"]
    assert done["session_id"] == record.session_id and done["duration_ms"] >= 0
    changes = [
        e["data"]
        for e in found
        if e["event_type"] == "task_status_changed" and e["task_id"] == "no"
    ]
    assert [(c["from_status"], c["to_status"]) for c in changes] == [
        ("pending", "ready"),
        ("ready", "running"),
        ("running", "failed"),
    ]


def test_rate_limited_agents_back_off_together(
    repo: Path, tmp_path: Path, cfg: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("brgit.parallel.slots.BACKOFF_BASE_SECONDS", 0.2)
    counter = tmp_path / "calls"
    run = (
        f"python3 -c 'import time; print(time.time())' >> {counter}; "
        f"if [ $(wc -l < {counter}) -lt 2 ]; then echo 'HTTP 429 rate limit' ; exit 1; fi; "
        "echo done > out.txt"
    )
    record = run_plan(plan(Task("r", run=run)), root=repo, cfg=cfg)
    assert record.tasks["r"].status == "completed"
    retry = [e for e in events(repo) if e["event_type"] == "task_retry"]
    assert retry and retry[0]["data"]["reason"] == "rate_limited"
    backoff = json.loads((repo / ".buildrunner" / "backoff.json").read_text())
    assert backoff["strikes"] == 1 and backoff["until"] > 0
    first, second = (float(x) for x in counter.read_text().split())
    assert second >= backoff["until"] > first  # the retry waited for the shared backoff


def test_concurrency_cap_across_workers(repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "log"
    cfg = make_cfg(repo, max_concurrency=1)
    run = f"echo start >> {log}; sleep 0.2; echo end >> {log}"
    record = run_plan(
        plan(*(Task(f"t{i}", run=run) for i in range(3))), root=repo, cfg=cfg, workers=3
    )
    assert record.status == "completed"
    assert log.read_text().split() == ["start", "end"] * 3


def test_execute_batch_and_summary(repo: Path, cfg: Config) -> None:
    from brgit.parallel.orchestrator import new_record

    p = plan(Task("a", run="echo a > a.txt"), Task("b", run="echo b > b.txt"))
    record = new_record(p, "batch", root=repo, cfg=cfg, workers=2, agent="shell")
    orch = Orchestrator(record, root=repo, cfg=cfg)
    results = orch.execute_batch(["a", "b"])
    assert [r.status for r in results] == ["completed", "completed"]
    summary = orch.get_summary()
    assert summary["completed"] == 2 and summary["total_tasks"] == 2
    assert summary["cost_usd"] == 0.0


def test_select_model_uses_plan_model(repo: Path, cfg: Config) -> None:
    from brgit.parallel.orchestrator import choose

    choice = choose(Task("m", model="opus"), cfg, repo)
    assert "opus" in choice.model_id
    assert choice.source in ("forced", "plan")


def test_base_branch_config(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "dev")
    dev = commit_file(repo, "dev.txt", "dev\n")
    git(repo, "checkout", "-q", "main")
    cfg = make_cfg(repo, base_branch="dev")
    record = run_plan(plan(Task("d", run="cat dev.txt > seen.txt")), root=repo, cfg=cfg)
    assert record.base_commit == dev and record.base_branch == "dev"
    assert record.tasks["d"].status == "completed"


def test_model_selection_failure_fails_only_that_task(
    repo: Path, cfg: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brgit.errors import RoutingError
    from brgit.parallel import orchestrator

    real = orchestrator.choose

    def picky(task: Task, cfg: Config, root: Path, **kw: object) -> orchestrator.ModelChoice:
        if task.id == "x":
            raise RoutingError("no model fits the daily budget")
        return real(task, cfg, root, **kw)

    monkeypatch.setattr(orchestrator, "choose", picky)
    tasks = Task("x", run="true", model="haiku"), Task("y", run="true", model="haiku")
    record = run_plan(plan(*tasks), root=repo, cfg=cfg)
    assert record.tasks["x"].status == "failed"
    assert record.tasks["x"].error == "model selection: no model fits the daily budget"
    assert record.tasks["y"].status == "completed"


def test_shell_tasks_without_a_model_credit_no_model(repo: Path, cfg: Config) -> None:
    from brgit.telemetry.performance import model_role_stats

    record = run_plan(plan(Task("plain", run="true"), Task("named", run="true", model="haiku")),
                      root=repo, cfg=cfg)  # fmt: skip
    assert record.tasks["plain"].model is None and record.tasks["named"].model
    selected = [e["task_id"] for e in events(repo) if e["event_type"] == "model_selected"]
    assert selected == ["named"]
    assert [model for model, _ in model_role_stats(repo)] == [record.tasks["named"].model]


def test_claude_agent_without_a_key_fails_once_before_any_worktree(
    repo: Path, cfg: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brgit.errors import ConfigError
    from brgit.gitops.worktrees import list_worktrees

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY is not set"):
        run_plan(plan(Task("a", description="x")), root=repo, cfg=cfg, agent="claude")
    assert len(list_worktrees(repo)) == 1 and not (repo / ".buildrunner" / "sessions").exists()
