"""`br telemetry import codex` on session logs written in the shape Codex 0.171.0 writes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from brgit.telemetry import validate
from tests.agents.codex_rollout import Rollout, usage
from tests.agents.conftest import OPENAI_KEY
from tests.conftest import br_process, git
from tests.fakes.openai_server import CodexScript, FakeOpenAI, add_file
from tests.parallel.conftest import ledger, make_cfg, plan, write_config


def imported(br: Any, repo: Path, *args: str) -> dict[str, Any]:
    result = br("telemetry", "import", "codex", *args, "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    return dict(json.loads(result.out))


def test_each_reply_once_by_response_id_with_its_own_usage(
    repo: Path, br: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = tmp_path / "codex-home" / "sessions"
    monkeypatch.setenv("CODEX_HOME", str(sessions.parent))  # the default folder
    work = tmp_path / "project"
    first = Rollout("0001-aaaa", work).turn("t1", "gpt-5.5")
    first.reply("resp_1", usage(1000, cached=0, output=31))
    first.reply("resp_2", usage(1017, cached=400, written=100, output=40, reasoning=9))
    first.write(sessions)
    fork = Rollout("0002-bbbb", work, parent=first).turn("t9", "gpt-5.5-mini")
    fork.reply("resp_3", usage(1034, cached=800, output=31)).write(sessions)

    data = imported(br, repo)
    assert (data["files"], data["messages"], data["imported"], data["already"]) == (2, 3, 3, 0)
    # input excludes what was read from or written to the cache; running totals are not summed
    assert data["tokens"] == {"input": 1000 + 517 + 234, "output": 102, "cache_read": 1200,
                              "cache_write": 100}
    records = {r["message_id"]: r for r in ledger(repo)}
    second = records["resp_2"]
    assert (second["model"], second["provider"], second["session_id"]) == (
        "gpt-5.5", "openai", "0001-aaaa")
    assert (second["input_tokens"], second["cache_read_tokens"], second["thinking_tokens"]) == (
        517, 400, 9)
    assert second["cwd"] == str(work) and second["invocation_kind"] == "codex"
    # the ledger stores every time as UTC ISO-8601 (docs/TELEMETRY.md, "Values are checked")
    assert second["timestamp"] == validate.utc_time(first.lines[5]["timestamp"])
    assert records["resp_3"]["model"] == "gpt-5.5-mini"

    first.turn("t2").reply("resp_4", usage(1051, cached=1200, output=31))  # `codex exec resume`
    first.write(sessions)
    again = imported(br, repo)
    assert (again["messages"], again["imported"], again["already"]) == (4, 1, 3)
    assert imported(br, repo)["imported"] == 0
    costs = json.loads(br("routing", "costs", "--period", "month", "--format", "json",
                          cwd=repo).out)
    assert costs["request_count"] == 4


def test_unknown_model_keeps_its_tokens_with_one_warning_and_a_known_one_is_priced(
    repo: Path, br: Any, tmp_path: Path
) -> None:
    logs = tmp_path / "sessions"
    session = Rollout("0003-cccc", tmp_path).turn("t1", "gpt-5.5")
    for n in range(3):
        session.reply(f"resp_u{n}", usage(2000, cached=500, output=100))
    session.turn("t2", "gpt-4.1").reply("resp_k", usage(1_000_000, cached=400_000, output=10_000))
    session.write(logs)
    write_config(repo, '[models."gpt-4.1"]\ntier = 2\ncontext_window = 1000000\n'
                 "max_output = 32000\ninput = 2.0\noutput = 8.0\ncache_read = 0.5\n")

    result = br_process("telemetry", "import", "codex", str(logs), cwd=repo)  # real stderr
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("warning: unknown model 'gpt-5.5': no price (3 record(s)") == 1
    assert "gpt-4.1" not in result.stdout and "unknown model" not in result.stderr
    records = {r["message_id"]: r for r in ledger(repo)}
    unpriced = records["resp_u0"]
    assert unpriced["unknown_model"] is True and unpriced["cost_usd"] == 0
    assert (unpriced["input_tokens"], unpriced["output_tokens"]) == (1500, 100)
    known = records["resp_k"]
    assert known["unknown_model"] is False
    assert known["cost_usd"] == pytest.approx(0.6 * 2.0 + 0.4 * 0.5 + 0.01 * 8.0)
    data = imported(br, repo, str(logs))
    assert data["unpriced"] == {} and data["already"] == 4


def test_sessions_in_brgit_worktrees_are_left_out(repo: Path, br: Any, tmp_path: Path) -> None:
    root = tmp_path / "worktrees"
    write_config(repo, f'[parallel]\nworktree_root = "{root}"\n')
    logs = tmp_path / "sessions"
    Rollout("0004-dddd", root / "s1-t").turn("t").reply("resp_b", usage(10, output=1)).write(logs)
    Rollout("0005-eeee", tmp_path / "worktrees-other").turn("t").reply(
        "resp_m", usage(20, output=2)).write(logs)
    data = imported(br, repo, str(logs))
    assert (data["messages"], data["imported"], data["brgit_runs"]) == (2, 1, 1)
    assert [r["message_id"] for r in ledger(repo)] == ["resp_m"]


def test_bad_input(repo: Path, br: Any, tmp_path: Path) -> None:
    logs = tmp_path / "sessions"
    good = Rollout("0006-ffff", tmp_path).turn("t").reply("resp_g", usage(50, output=5))
    good.add("token_usage_record", {"turn_id": "t", "response_id": "resp_bad",
                                    "usage": {"input_tokens": "many", "output_tokens": 1}})
    good.reply(None, usage(7, output=1))  # no response id: keyed by session and ordinal
    good.add("token_usage_record", {"turn_id": "t", "response_id": "resp_x"})  # no usage
    good.write(logs, extra="{torn line\n[1, 2]\n")
    older = Rollout("0007-gggg", tmp_path).turn("t").totals(usage(90, output=9))
    older.write(logs)  # running totals only, as older Codex versions log

    result = br("telemetry", "import", "codex", str(logs), cwd=repo)
    assert result.code == 0, result.err
    assert "2 imported" in result.out and "skipped 4 unreadable line(s)" in result.out
    assert "1 log file(s) hold only running token totals" in result.out
    assert sorted(r["message_id"] for r in ledger(repo)) == ["0006-ffff#6", "resp_g"]

    missing = br("telemetry", "import", "codex", str(tmp_path / "nope"), cwd=repo)
    assert missing.code == 6 and "no Codex logs at" in missing.err
    assert br("telemetry", "import", "cursor", cwd=repo).code == 2
    write_config(repo, "[telemetry]\nenabled = false\n")
    off = br("telemetry", "import", "codex", str(logs), cwd=repo)
    assert off.code == 1 and "telemetry is off" in off.err


def test_a_full_disk_loses_nothing_and_fails(
    repo: Path, br: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    logs = tmp_path / "sessions"
    Rollout("0008-hhhh", tmp_path).turn("t").reply("resp_1", usage(10, output=1)).reply(
        "resp_2", usage(20, output=2)).write(logs)
    assert imported(br, repo, str(logs))["imported"] == 2
    kept = ledger(repo)
    Rollout("0009-iiii", tmp_path).turn("t").reply("resp_3", usage(30, output=3)).write(logs)

    def enospc(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", enospc)
    full = br("telemetry", "import", "codex", str(logs), cwd=repo)
    monkeypatch.undo()
    assert full.code == 1 and "1 record(s) could not be written" in full.err
    assert "0 imported" in full.out and ledger(repo) == kept
    assert imported(br, repo, str(logs))["imported"] == 1


def test_brgit_runs_read_codex_usage_with_the_same_split() -> None:
    from brgit.agents.parsers import parse_output

    # what the real Codex printed when the fake server reported cache writes and reasoning
    line = ('{"type":"turn.completed","usage":{"input_tokens":1000,"cached_input_tokens":300,'
            '"cache_write_input_tokens":200,"output_tokens":50,"reasoning_output_tokens":20}}')
    (got,) = parse_output("codex-jsonl", line, "gpt-5.5").usages
    assert (got.input_tokens, got.cache_read_tokens, got.cache_write_5m_tokens) == (500, 300, 200)
    assert (got.output_tokens, got.thinking_tokens, got.total_input_tokens) == (50, 20, 1000)

def codex_session(codex: Path, cwd: Path) -> dict[str, int]:
    """One `codex exec` by hand in `cwd` (Codex logs it); the usage its turn.completed gave."""
    proc = subprocess.run(
        [str(codex), "exec", "--json", "--color", "never", "-s", "workspace-write", "-C",
         str(cwd), "--", "add notes"],
        capture_output=True, text=True, timeout=180, check=False, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    (done,) = [line for line in lines if line["type"] == "turn.completed"]
    return dict(done["usage"])


@pytest.mark.agent_cli
def test_the_real_codex_logs_import_once_and_brgit_runs_are_left_out(
    repo: Path, codex_bin: Path, openai: FakeOpenAI, br: Any, tmp_path: Path
) -> None:
    from brgit.core.plan import Task
    from brgit.parallel.orchestrator import run_plan

    root = repo.parent / "worktrees"
    openai.default = CodexScript([lambda turn: [add_file("hello.py", "print('hi')\n")]])
    cfg = make_cfg(repo, agent={"codex_path": str(codex_bin)}, worktree_root=str(root))
    task = Task("t", title="Add hello.py", model="sonnet")
    assert run_plan(plan(task), root=repo, cfg=cfg, agent="codex").tasks["t"].status == "completed"
    write_config(repo, f'[parallel]\nworktree_root = "{root}"\n')
    ran = ledger(repo)
    by_brgit = len(openai.replies)

    elsewhere = tmp_path / "project"
    elsewhere.mkdir()
    git(elsewhere, "init", "-q")
    openai.reset(CodexScript([lambda turn: [add_file("a.txt", "a\n")],
                              lambda turn: [add_file("b.txt", "b\n")]]))
    reported = codex_session(codex_bin, elsewhere)
    served = openai.usage_served()

    first = br("telemetry", "import", "codex", "--format", "json", cwd=repo)
    assert first.code == 0, first.err
    data = json.loads(first.out)
    assert (data["files"], data["messages"]) == (2, by_brgit + 3)
    assert (data["imported"], data["brgit_runs"], data["already"]) == (3, by_brgit, 0)
    assert data["tokens"] == {
        "input": reported["input_tokens"] - reported["cached_input_tokens"],
        "output": reported["output_tokens"],
        "cache_read": reported["cached_input_tokens"],
        "cache_write": reported["cache_write_input_tokens"],
    }
    assert data["tokens"]["input"] + data["tokens"]["cache_read"] == served["input"]
    assert data["unpriced"] == {"gpt-5.5": 3} and OPENAI_KEY not in first.out + first.err
    new = [r for r in ledger(repo) if r not in ran]
    assert {r["cwd"] for r in new} == {str(elsewhere)} and len(new) == 3
    assert {r["message_id"] for r in new} == {str(r.body["id"]) for r in openai.replies}

    again = json.loads(br("telemetry", "import", "codex", "--format", "json", cwd=repo).out)
    assert (again["imported"], again["already"], again["brgit_runs"]) == (0, 3, by_brgit)
