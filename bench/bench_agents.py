"""brgit's overhead per agent task: one Claude Code task through brgit against the same
Claude Code command run by hand in a checkout.

    python bench/bench_agents.py [--runs 7] [--files 200]

Both sides run the real Claude Code CLI (tests/agents/node_modules, `npm ci` there first)
against the local fake Messages API of tests/fakes, scripted to write one file in one tool
turn and then answer, so the model costs nothing and every difference is the wrapper's.

- by hand: the exact command line the claude-code preset builds, in a plain checkout
  (reset with `git checkout`/`git clean` between runs, not timed);
- brgit: `br parallel start NAME --plan task.toml --agent claude-code` as its own process:
  session record, model routing, a worktree on its own branch, the agent, the commit,
  telemetry events and the cost ledger.

The two alternate, after one unmeasured warm-up of each; every sample is kept in
bench/results/agents.json. Reported: medians, brgit's overhead in seconds, and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _util import fresh_bytecode, median, save

from tests.fakes.agent_script import ClaudeCodeScript, write
from tests.fakes.anthropic_server import FakeAnthropic

ROOT = Path(__file__).resolve().parents[1]
CLAUDE = ROOT / "tests" / "agents" / "node_modules" / ".bin" / "claude"
KEY = "sk-ant-api03-" + "b" * 93 + "AA"
PLAN = '[plan]\nname = "bench"\n[[tasks]]\nid = "t"\ntitle = "Add notes"\nmodel = "sonnet"\n'


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def make_repo(base: Path, files: int) -> Path:
    repo = base / "repo"
    (repo / "src").mkdir(parents=True)
    for i in range(files):
        (repo / "src" / f"m{i}.py").write_text(f"VALUE_{i} = {i}\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    store = repo / ".buildrunner"
    store.mkdir()
    (store / "config.toml").write_text(
        f'[agent]\nclaude_code_path = "{CLAUDE}"\n'
        f'[parallel]\nworktree_root = "{base / "worktrees"}"\ncopy_files = []\n'
    )
    (base / "task.toml").write_text(PLAN)
    return repo


def hand_argv() -> list[str]:
    """What the claude-code preset runs (brgit.agents.presets.claude_code_argv), by hand."""
    return [
        str(CLAUDE), "-p", "--output-format", "json", "--permission-mode", "acceptEdits",
        "--model", "claude-sonnet-5-5", "--max-turns", "30", "--max-budget-usd", "2.0",
        "--", "Add notes",
    ]


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}): {proc.stdout[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()
    if not CLAUDE.exists():
        raise SystemExit(f"{CLAUDE} is missing: run `npm ci` in tests/agents first")
    fresh_bytecode()
    base = Path(tempfile.mkdtemp(prefix="brgit-bench-agents-"))
    repo = make_repo(base, args.files)
    checkout = base / "checkout"
    git(base, "clone", "-q", str(repo), str(checkout))
    script = ClaudeCodeScript([lambda c: [write(c, "NOTES.md", "notes\n")]])
    samples: dict[str, list[float]] = {"by_hand": [], "brgit": []}
    with FakeAnthropic(default=script) as fake:
        env = {
            **os.environ,
            "HOME": str(base / "home"),
            "CLAUDE_CONFIG_DIR": str(base / "home" / ".claude"),
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "CLAUDE_CODE_MAX_RETRIES": "0",
            "DISABLE_AUTOUPDATER": "1",
            "ANTHROPIC_BASE_URL": fake.url,
            "ANTHROPIC_API_KEY": KEY,
            "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
            "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        }
        for i in range(args.runs + 1):
            git(checkout, "checkout", "-q", "--", ".")
            git(checkout, "clean", "-fdq")
            hand = timed(hand_argv(), checkout, env)
            br = [sys.executable, "-m", "brgit", "parallel", "start", f"s{i}",
                  "--plan", str(base / "task.toml"), "--agent", "claude-code"]
            ours = timed(br, repo, env)
            if i:  # the first round warms caches and is not kept
                samples["by_hand"].append(hand)
                samples["brgit"].append(ours)
        requests = len(fake.requests)
    hand_m, ours_m = median(samples["by_hand"]), median(samples["brgit"])
    result = {
        "runs": args.runs,
        "files": args.files,
        "claude_code": subprocess.run([str(CLAUDE), "--version"], capture_output=True,
                                      text=True, check=False).stdout.strip(),
        "samples_s": samples,
        "median_s": {"by_hand": round(hand_m, 3), "brgit": round(ours_m, 3)},
        "overhead_s": round(ours_m - hand_m, 3),
        "ratio": round(ours_m / hand_m, 2),
        "model_requests": requests,
        "load_average": os.getloadavg(),
    }
    print(json.dumps({k: v for k, v in result.items() if k != "samples_s"}, indent=2))
    print(f"saved to {save('agents', result)}")


if __name__ == "__main__":
    main()
