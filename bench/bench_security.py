"""Benchmark brgit's scanners side by side with detect-secrets and bandit on the same tree.

    python bench/bench_security.py [--runs 7] [--keep]

The tree is a copy of a few standard-library packages of the running Python (json, email, http,
logging, asyncio) committed into a temporary git repository, so every tool sees the same files.
detect-secrets comes from this environment (it is a brgit dependency); bandit is pip-installed
into a throwaway virtualenv inside the temporary directory. Every figure is a median wall time
of whole processes (start-up included); ratios are peer / brgit. It also scores both secret
scanners on the labeled fixtures of tests/security/samples.py.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PACKAGES = ("json", "email", "http", "logging", "asyncio")


def build_tree(base: Path) -> Path:
    tree = base / "tree"
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for name in PACKAGES:
        shutil.copytree(stdlib / name, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=tree, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tree, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "tree"], cwd=tree, check=True)
    return tree


def bandit_bin(base: Path) -> Path:
    venv = base / "bandit-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "bandit"],
                   check=True)
    return venv / "bin" / "bandit"


def median_time(cmd: list[str], cwd: Path, runs: int, ok: tuple[int, ...]) -> tuple[float, bytes]:
    times = []
    output = b""
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode not in ok:
            raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-400:]!r}")
        output = proc.stdout
    return statistics.median(times), output


def count_findings(output: bytes) -> str:
    """Findings in a tool's output: JSON list/results/dict of files, or `file:line:` lines."""
    import json

    text = output.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        return str(sum(1 for line in text.splitlines() if line.startswith("  ") and ": [" in line))
    if isinstance(data, list):
        return str(len(data))
    results = data.get("results", [])
    if isinstance(results, dict):
        return str(sum(len(v) for v in results.values()))
    return str(len(results))


def size_of(tree: Path) -> tuple[int, float]:
    files = [p for p in tree.rglob("*") if p.is_file() and ".git" not in p.parts]
    return len(files), sum(p.stat().st_size for p in files) / 1e6


def labeled_scores(base: Path) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from brgit.security.secrets import SecretScanner
    from tests.security.samples import negatives, positives

    rows = []
    for label, items in (("positives", list(positives())), ("look-alikes", list(negatives()))):
        folder = base / f"labeled-{label}"
        for index, (_, name, text) in enumerate(items):
            (folder / str(index)).mkdir(parents=True)
            (folder / str(index) / name).write_text(text)
        ours = sum(bool(SecretScanner().findings(t, n)) for _, n, t in items)
        proc = subprocess.run([str(BIN / "detect-secrets"), "scan", "--all-files", "."],
                              cwd=folder, capture_output=True, text=True, check=True)
        import json

        theirs = len(json.loads(proc.stdout)["results"])
        rows.append(f"| {label} ({len(items)}) | {ours} flagged | {theirs} flagged |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="br-bench-"))
    try:
        report(base, args.runs)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


def report(base: Path, runs: int) -> None:
    tree = build_tree(base)
    n_files, megabytes = size_of(tree)
    py_files = sorted(str(p.relative_to(tree)) for p in tree.rglob("*.py"))
    ten = py_files[:: max(1, len(py_files) // 10)][:10]
    bandit = bandit_bin(base)
    found = (0, 1, 3)
    rows = [
        ("full secret scan", [str(BIN / "br"), "security", "scan", "--secrets", "--format", "json"],
         [str(BIN / "detect-secrets"), "scan"], "detect-secrets scan"),
        ("hook on 10 files", [str(BIN / "br-secrets"), *ten],
         [str(BIN / "detect-secrets-hook"), *ten], "detect-secrets-hook"),
        ("SQL scan (all .py)", [str(BIN / "br-sql-injection"), *py_files],
         [str(bandit), "-q", "-r", ".", "-t", "B608", "-f", "json"], "bandit -t B608"),
        ("full scan, secrets + SQL", [str(BIN / "br"), "security", "scan", "--format", "json"],
         [str(BIN / "detect-secrets"), "scan"], "detect-secrets scan"),
    ]
    print(f"Tree: {n_files} files, {megabytes:.1f} MB ({', '.join(PACKAGES)} from Python "
          f"{sys.version.split()[0]}); {runs} runs each, median wall time incl. start-up.\n")
    print("| what | brgit | findings | peer | peer time | findings | ratio (peer / brgit) |")
    print("|---|---|---|---|---|---|---|")
    for label, ours, theirs, peer in rows:
        mine, my_out = median_time(ours, tree, runs, found)
        other, their_out = median_time(theirs, tree, runs, found)
        print(f"| {label} | {mine:.3f} s | {count_findings(my_out)} | {peer} | {other:.3f} s | "
              f"{count_findings(their_out)} | {other / mine:.1f}x |")
    print("\nLabeled fixtures (tests/security/samples.py), files flagged:\n")
    print("| set | brgit | detect-secrets |\n|---|---|---|")
    print("\n".join(labeled_scores(base)))


if __name__ == "__main__":
    main()
