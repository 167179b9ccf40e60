"""Issue 19's parallel and whole-job items: each rough edge a new user met, one test each."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from brgit.core.plan import Task
from brgit.parallel.orchestrator import run_plan
from tests.conftest import git
from tests.fakes.anthropic_server import FakeAnthropic, message
from tests.parallel.conftest import plan, write_plan

AWS = "AKIA" + "QYLPMN5HHHFPZAM2"  # an access key id of the right shape (made up)


def test_a_task_that_changed_nothing_says_no_changes_from_the_start(
    repo: Path, tmp_path: Path, br: Any
) -> None:
    plan_file = write_plan(
        tmp_path / "p.toml",
        '[plan]\nname = "n"\n[[tasks]]\nid = "same"\nrun = "true"\n'
        '[[tasks]]\nid = "edit"\nrun = "echo x > x.txt"\n',
    )
    started = br("parallel", "start", "n", "--plan", str(plan_file), cwd=repo)
    assert started.code == 0
    assert "completed (no changes) same" in started.err  # the progress line
    row = next(line for line in started.out.splitlines() if line.startswith("same "))
    assert "no changes" in row
    assert "1 completed with no changes" in started.out
    shown = json.loads(br("parallel", "status", "n", "--format", "json", cwd=repo).out)
    tasks = {t["task_id"]: t for t in shown["tasks"]}
    assert (tasks["same"]["status"], tasks["same"]["outcome"]) == ("completed", "no_changes")
    assert tasks["same"]["changed"] is False and tasks["edit"]["changed"] is True
    assert shown["no_changes_tasks"] == 1
    ran = json.loads(br("run", str(write_plan(tmp_path / "q.toml", '[plan]\nname = "q"\n'
                     '[[tasks]]\nid = "same"\nrun = "true"\n')), "-f", "json", cwd=repo).out)  # fmt: skip
    assert ran["tasks"]["no_changes"] == 1
    assert ran["not_merged"] == [{"task_id": "same", "reason": "no changes", "detail": ""}]


def test_a_commit_blocked_by_the_secrets_hook_names_the_file_and_finding(
    repo: Path, cfg: Any, br: Any
) -> None:
    assert br("security", "hooks", "install", cwd=repo).code == 0
    record = run_plan(plan(Task("leak", run=f"echo 'key = \"{AWS}\"' > settings.py")),
                      root=repo, cfg=cfg)  # fmt: skip
    rec = record.tasks["leak"]
    assert rec.status == "failed"
    error = rec.error or ""
    assert "settings.py:1" in error and "aws" in error.lower(), error
    assert AWS not in error  # masked, as the hook prints it
    assert "\n" not in error


def _plan(tmp_path: Path, body: str, name: str = "j") -> Path:
    return write_plan(tmp_path / f"{name}.toml", f'[plan]\nname = "{name}"\n{body}')


def test_demo_checks_itself_and_names_the_code_br_run_gives(tmp_path: Path, br: Any) -> None:
    demo = br("demo", "--dir", str(tmp_path / "d"), "--format", "json", cwd=tmp_path)
    data = json.loads(demo.out)
    assert len(data["ejected"]) == 2 and demo.code == 0 == data["exit_code"]
    assert data["run_exit_code"] == 1  # br run on the same plan: branches were ejected
    assert data["why"] == ["2 branch(es) ejected by the merge train"]
    table = br("demo", "--dir", str(tmp_path / "e"), cwd=tmp_path)
    assert table.code == 0 and "Exit 0: the sample ended as designed" in table.out
    assert "`br run` exits 1 for this outcome" in table.out


def test_a_demo_that_does_not_end_as_designed_exits_1(tmp_path: Path) -> None:
    from brgit.app import demo

    _, result = demo.run_demo(tmp_path / "d", workers=1)
    assert demo.exit_code(result) == 0
    result.train.ejected.pop()  # as if the verify failure had not been caught
    assert demo.exit_code(result) == 1 and "did not end as designed" in demo.exit_note(result)


def test_br_run_exits_1_when_nothing_was_merged(repo: Path, tmp_path: Path, br: Any) -> None:
    result = br("run", str(_plan(tmp_path, '[[tasks]]\nid = "noop"\nrun = "true"\n')),
                "-f", "json", cwd=repo)  # fmt: skip
    data = json.loads(result.out)
    assert result.code == 1 and data["merged"] == [] and data["tasks"]["completed"] == 1
    assert data["why"] == ["nothing was merged: 1 task(s) changed nothing"]
    table = br("run", str(_plan(tmp_path, '[[tasks]]\nid = "noop"\nrun = "true"\n', "k")),
               cwd=repo)  # fmt: skip
    assert "Exit 1: nothing was merged" in table.out


def test_every_agent_that_changes_nothing_exits_1(
    repo: Path, tmp_path: Path, br: Any, monkeypatch: Any
) -> None:
    fake = tmp_path / "fake_cli.py"
    fake.write_text('import json\nprint(json.dumps({"type": "result", "subtype": "success", '
                    '"is_error": False, "result": "nothing to do"}))\n')  # fmt: skip
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(fake))} {{prompt}}"
    (repo / ".buildrunner").mkdir(exist_ok=True)
    (repo / ".buildrunner" / "config.toml").write_text(
        f'[agent]\ncommand = {json.dumps(command)}\noutput_format = "claude-json"\n'
        "[parallel]\ncopy_files = []\n"
    )
    with FakeAnthropic(message("Nothing needed changing.")) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-" + "k" * 93 + "AA")
        for agent in ("command", "claude"):
            plan_file = _plan(tmp_path, '[[tasks]]\nid = "t"\ntitle = "x"\n', agent)
            result = br("run", str(plan_file), "--agent", agent, "-f", "json", cwd=repo)
            data = json.loads(result.out)
            assert result.code == 1, (agent, result.err)
            assert data["failed"][0]["outcome"] == "no_changes" and data["merged"] == []


def test_a_closed_output_pipe_does_not_stop_the_run(repo: Path, tmp_path: Path) -> None:
    body = "".join(f'[[tasks]]\nid = "t{i}"\nrun = "echo {i} > f{i}.txt"\n' for i in range(6))
    plan_file = _plan(tmp_path, body)
    proc = subprocess.Popen(
        [sys.executable, "-m", "brgit", "run", str(plan_file), "--workers", "2"],
        cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=os.environ.copy(),
    )  # fmt: skip
    assert proc.stdout is not None
    first = [proc.stdout.readline() for _ in range(2)]  # like `2>&1 | head -2`
    proc.stdout.close()
    code = proc.wait(timeout=120)
    assert all(line.startswith(b"br: ") for line in first), first
    assert code == 141  # the job succeeded; only its summary could not be written
    merged = git(repo, "ls-tree", "--name-only", "main")
    assert all(f"f{i}.txt" in merged.split() for i in range(6)), merged
