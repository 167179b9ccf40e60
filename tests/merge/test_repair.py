"""Repair: ejected branches handed back to their agent (here the shell agent and a plan's
`repair` command), on real two-sided conflicts and real verify failures."""

from __future__ import annotations

import shlex
import sys
from functools import partial
from pathlib import Path

from brgit.agents.base import run_in
from brgit.config import load_config
from brgit.core.plan import Task
from brgit.merge import api
from brgit.merge.model import CONFLICT, VERIFY_FAILED, TrainResult
from tests.conftest import git
from tests.merge.conftest import make_session

BREAKS = "test ! -f broken"


def _python(code: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


RESOLVE = _python("import pathlib; pathlib.Path('README.md').write_text('a\\nb\\n')")
NOTHING = _python("pass")


def _merge(repo: Path, name: str, **over: object) -> TrainResult:
    cfg = load_config(repo)
    choices = api.Overrides(target="main", repair=True, **over)  # type: ignore[arg-type]
    return api.merge_session(repo, cfg, name, choices, run_agent=partial(run_in, cfg=cfg))


def _two_sided(repo: Path, repair: str, **extra: str) -> None:
    tasks = [Task("a"), Task("b", run="true", repair=repair), *(Task(k) for k in extra)]
    files = {"a": {"README.md": "a\n"}, "b": {"README.md": "b\n", "b.txt": "b\n"}}
    files.update({k: {f"{k}.txt": v} for k, v in extra.items()})
    make_session(repo, "s", tasks, files)


def test_a_conflict_resolved_by_the_repair_command_goes_back_in_the_train(repo: Path) -> None:
    _two_sided(repo, RESOLVE, c="c\n")
    result = _merge(repo, "s")
    assert [m.task_id for m in result.merged] == ["a", "c", "b"]  # b behind the others
    assert [m.repaired for m in result.merged] == [False, False, True]
    assert result.ejected == [] and result.ok
    [done] = result.repairs
    assert (done.task_id, done.cause, done.resolved, done.files) == (
        "b",
        CONFLICT,
        True,
        ["README.md"],
    )
    assert (repo / "README.md").read_text() == "a\nb\n" and (repo / "b.txt").exists()
    assert git(repo, "rev-parse", "br/s/b") == done.commit  # the branch carries the fix
    assert "brgit-merge" not in git(repo, "worktree", "list")


def test_an_unresolved_conflict_stays_ejected_with_both_attempts_recorded(repo: Path) -> None:
    _two_sided(repo, NOTHING)
    before = git(repo, "rev-parse", "br/s/b")
    result = _merge(repo, "s")
    assert [m.task_id for m in result.merged] == ["a"]
    [ejection] = result.ejected
    assert (ejection.task_id, ejection.reason, ejection.files) == ("b", CONFLICT, ["README.md"])
    [attempt] = result.repairs
    assert not attempt.resolved and "conflict markers left in README.md" in attempt.detail
    assert git(repo, "rev-parse", "br/s/b") == before  # put back as it was
    assert (repo / "README.md").read_text() == "a\n"


def test_repair_attempts_limit_how_often_a_branch_is_handed_back(
    repo: Path, tmp_path: Path
) -> None:
    counter = tmp_path / "tries"
    second_time = _python(
        f"import pathlib; c = pathlib.Path({str(counter)!r}); "
        "n = int(c.read_text()) + 1 if c.exists() else 1; c.write_text(str(n)); "
        "n > 1 and pathlib.Path('README.md').write_text('a\\nb\\n')"
    )
    _two_sided(repo, second_time)
    from brgit.config import atomic_write

    atomic_write(repo / ".buildrunner" / "config.toml", "[merge]\nrepair_attempts = 2\n")
    result = _merge(repo, "s")
    assert [r.resolved for r in result.repairs] == [False, True]
    assert [m.task_id for m in result.merged] == ["a", "b"]


def test_a_branch_that_broke_verification_is_repaired_with_the_verify_output(
    repo: Path, tmp_path: Path
) -> None:
    seen = tmp_path / "prompt.txt"
    fix = f'printf "%s" "$BR_REPAIR_PROMPT" > {seen}; rm broken'
    tasks = [Task("a"), Task("bad", run="true", repair=fix)]
    files = {"a": {"a.txt": "a\n"}, "bad": {"bad.txt": "x\n", "broken": "x\n"}}
    make_session(repo, "v", tasks, files)
    verify = f"{BREAKS} || {{ echo 'FAILED test_everything: the file broken is there'; exit 1; }}"
    result = _merge(repo, "v", verify=verify)
    assert [(m.task_id, m.repaired) for m in result.merged] == [("a", False), ("bad", True)]
    [done] = result.repairs
    assert (done.cause, done.resolved) == (VERIFY_FAILED, True)
    prompt = seen.read_text()
    assert "FAILED test_everything: the file broken is there" in prompt
    assert ".buildrunner/merge/logs/" in prompt  # where the whole output is
    assert not (repo / "broken").exists() and (repo / "bad.txt").exists()


def test_a_shell_task_without_a_repair_command_is_not_repaired(repo: Path) -> None:
    _two_sided(repo, "")
    result = _merge(repo, "s")
    [attempt] = result.repairs
    assert not attempt.resolved and "no `repair` command" in attempt.detail
    assert [e.task_id for e in result.ejected] == ["b"]


def test_repair_from_the_command_line_says_which_branches_were_repaired(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    _two_sided(repo, RESOLVE)
    result = br("merge", "--session", "s", "--repair", cwd=repo)
    assert result.code == 0, result.err
    assert "repaired" in result.out and "conflict" in result.out
    assert br("merge", "a", "--repair", "--target", "main", cwd=repo).code == 2


def test_ctrl_c_during_a_repair_stops_the_agent_before_its_worktree_goes(
    repo: Path, tmp_path: Path
) -> None:
    import signal
    import subprocess
    import time

    from tests.conftest import ctrl_c_default

    pid_file = tmp_path / "agent.pid"
    _two_sided(repo, f"echo $$ > {pid_file}; sleep 60")
    br = subprocess.Popen(
        [sys.executable, "-m", "brgit", "merge", "--session", "s", "--repair", "--target", "main"],
        cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=ctrl_c_default,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline and br.poll() is None
        time.sleep(0.05)
    agent = int(pid_file.read_text())
    br.send_signal(signal.SIGINT)
    assert br.wait(timeout=60) == 130
    assert (
        not Path(f"/proc/{agent}").exists()
        or "Z" in Path(f"/proc/{agent}/stat").read_text().split(")")[1][:3]
    )
    assert "brgit-merge" not in git(repo, "worktree", "list")
    assert git(repo, "log", "-1", "--format=%s", "main") == "br merge: a"  # what was verified


FAKE_AGENT = """
import pathlib, re, sys
prompt = sys.argv[1]
pathlib.Path(sys.argv[2]).write_text(prompt)
text = pathlib.Path("README.md").read_text()
kept = [line for line in text.splitlines() if not re.match(r"^(<{7}|={7}|>{7})", line)]
pathlib.Path("README.md").write_text("\\n".join(kept) + "\\n")
print("resolved README.md")
"""


def test_an_agent_task_gets_a_prompt_naming_the_files_and_both_sides(
    repo: Path, tmp_path: Path
) -> None:
    """Any registered agent repairs through the same path: here the `command` agent runs a
    fake agent CLI that keeps both sides of the conflict."""
    agent = tmp_path / "fake_agent.py"
    agent.write_text(FAKE_AGENT)
    seen = tmp_path / "prompt.txt"
    config = repo / ".buildrunner" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(agent))} {{prompt}} {seen}"
    config.write_text(
        f'[agent]\ncommand = {command!r}\noutput_format = "plain"\n'.replace("'", '"')
    )
    tasks = [Task("a"), Task("b", title="Say b", agent="command")]
    files = {"a": {"README.md": "a\n"}, "b": {"README.md": "b\n"}}
    make_session(repo, "s", tasks, files)
    result = _merge(repo, "s")
    assert [(m.task_id, m.repaired) for m in result.merged] == [("a", False), ("b", True)]
    prompt = seen.read_text()
    assert "br/s/b" in prompt and "- README.md" in prompt  # the branch and the file
    assert "your branch's side (HEAD)" in prompt and "main's side" in prompt  # both sides
    assert "work on br/s/a" in prompt  # the target's commit that touched the file
    assert (repo / "README.md").read_text() == "b\na\n"
