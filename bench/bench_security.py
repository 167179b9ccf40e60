"""Benchmark brgit's scanners side by side with detect-secrets, bandit and ruff.

    python bench/bench_security.py [--runs 3] [--trees stdlib,sqlalchemy,django] [--keep]

Trees: five standard-library packages of the running Python, and the source packages of
SQLAlchemy and Django (their wheels from PyPI, unpacked), each committed into a temporary git
repository so every tool sees the same files. detect-secrets and ruff come from this
environment; bandit is pip-installed into a throwaway virtualenv in the temporary directory.
Commands are whole processes (start-up included), run alternately so machine noise hits all
alike; every sample is kept in bench/results/security.json, the table shows medians.

Also measured: `br security scan --history` (one `git log -p` pass) against scanning every
commit's tree, on a generated history; and recall by class on tests/security/leaks.py and
the look-alikes, for brgit and detect-secrets.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench._util import save  # noqa: E402

STDLIB = ("json", "email", "http", "logging", "asyncio")
WHEELS = {"sqlalchemy": ("SQLAlchemy==2.0.36", "sqlalchemy"), "django": ("Django==5.1.4", "django")}
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]


def commit_tree(tree: Path) -> Path:
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=tree, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=tree, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "tree"], cwd=tree, check=True)
    return tree


def stdlib_tree(base: Path) -> Path:
    tree = base / "stdlib"
    source = Path(sysconfig.get_paths()["stdlib"])
    for name in STDLIB:
        shutil.copytree(source / name, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    return commit_tree(tree)


def wheel_tree(base: Path, name: str) -> Path:
    requirement, package = WHEELS[name]
    downloads = base / "downloads"
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary",
                    ":all:", requirement, "-d", str(downloads)], check=True)
    wheel = next(downloads.glob(f"{requirement.split('==')[0]}-*.whl"))
    tree = base / name
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if m.startswith(package + "/")]
        archive.extractall(tree, members)
    return commit_tree(tree)


def throwaway(base: Path, package: str) -> Path:
    venv = base / f"{package}-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", package],
                   check=True)
    return venv / "bin" / package


def size_of(tree: Path) -> tuple[int, float]:
    files = [p for p in tree.rglob("*") if p.is_file() and ".git" not in p.parts]
    return len(files), sum(p.stat().st_size for p in files) / 1e6


def count(output: bytes) -> int:
    """Findings in a tool's output: JSON (a list, detect-secrets' or bandit's results) or the
    hooks' `  file:line: [rule]` / `ERROR: Potential secrets` lines."""
    text = output.decode("utf-8", "replace")
    if "Potential secrets about to be committed" in text:  # detect-secrets-hook
        return text.count("Secret Type:")
    try:
        data = json.loads(text or "[]")
    except ValueError:
        return sum(1 for line in text.splitlines() if line.startswith("  ") and ": [" in line)
    if isinstance(data, list):
        return len(data)
    results = data.get("results", [])
    return sum(len(v) for v in results.values()) if isinstance(results, dict) else len(results)


def timed(cmd: list[str], cwd: Path) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-400:]!r}")
    return elapsed, count(proc.stdout)


def compare(tree: Path, commands: dict[str, list[str]], runs: int,
            slow: set[str]) -> dict[str, dict[str, object]]:
    """Each command `runs` times, alternately (`slow` ones once: detect-secrets on big trees)."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    found: dict[str, int] = {}
    for index in range(runs):
        for name, cmd in commands.items():
            if name in slow and index > 0:
                continue
            elapsed, found[name] = timed(cmd, tree)
            samples[name].append(elapsed)
    return {name: {"samples": samples[name], "median": statistics.median(samples[name]),
                   "findings": found[name]} for name in commands}


def tree_commands(py_files: list[str], bandit: Path) -> dict[str, dict[str, list[str]]]:
    ruff = str(BIN / "ruff")
    ten = py_files[:: max(1, len(py_files) // 10)][:10]
    return {
        "hook, 10 files": {
            "brgit": [str(BIN / "br-secrets"), *ten],
            "detect-secrets-hook": [str(BIN / "detect-secrets-hook"), *ten],
        },
        "secrets": {
            "brgit": [str(BIN / "br"), "security", "scan", "--secrets", "--format", "json"],
            "detect-secrets": [str(BIN / "detect-secrets"), "scan"],
            "ruff S105-S107": [ruff, "check", "--no-cache", "--isolated", "--select",
                               "S105,S106,S107", "--output-format", "json", "--exit-zero", "."],
        },
        "sql": {
            "brgit": [str(BIN / "br-sql-injection"), *py_files],
            "bandit B608": [str(bandit), "-q", "-r", ".", "-t", "B608", "-f", "json"],
            "ruff S608": [ruff, "check", "--no-cache", "--isolated", "--select", "S608",
                          "--output-format", "json", "--exit-zero", "."],
        },
    }


def bench_trees(base: Path, names: list[str], runs: int) -> dict[str, object]:
    bandit = throwaway(base, "bandit")
    out: dict[str, object] = {}
    for name in names:
        tree = stdlib_tree(base) if name == "stdlib" else wheel_tree(base, name)
        n_files, megabytes = size_of(tree)
        py_files = sorted(str(p.relative_to(tree)) for p in tree.rglob("*.py"))
        results: dict[str, object] = {"files": n_files, "megabytes": round(megabytes, 2)}
        for kind, commands in tree_commands(py_files, bandit).items():
            slow = {"detect-secrets"} if megabytes > 5 else set()
            results[kind] = compare(tree, commands, runs, slow)
        out[name] = results
        print_tree(name, results)
    return out


def print_tree(name: str, results: dict[str, object]) -> None:
    mb = float(results["megabytes"])  # type: ignore[arg-type]
    print(f"\n{name}: {results['files']} files, {mb:.1f} MB")
    print("| scan | tool | median time | MB/s | findings | findings per MB | time vs brgit |")
    print("|---|---|---|---|---|---|---|")
    for kind in ("hook, 10 files", "secrets", "sql"):
        measured = results[kind]
        ours = measured["brgit"]["median"]  # type: ignore[index]
        for tool, row in measured.items():  # type: ignore[attr-defined]
            print(f"| {kind} | {tool} | {row['median']:.2f} s ({len(row['samples'])} runs) | "
                  f"{mb / row['median']:.1f} | {row['findings']} | {row['findings'] / mb:.2f} | "
                  f"{row['median'] / ours:.1f}x |")


def make_history(base: Path, commits: int) -> Path:
    """A repository with `commits` commits over a copy of `email`: each edits a few files; a
    handful add a secret, and later ones remove it again."""
    sys.path.insert(0, str(ROOT))
    from tests.security.samples import tokens

    repo = base / "history"
    shutil.copytree(Path(sysconfig.get_paths()["stdlib"]) / "email", repo,
                    ignore=shutil.ignore_patterns("__pycache__"))
    commit_tree(repo)
    files = sorted(repo.rglob("*.py"))
    planted = list(tokens().values())[:8]
    for index in range(commits):
        target = files[index % len(files)]
        text = target.read_text(encoding="utf-8") + f"\n# edit {index}\n"
        if index % 25 == 5:
            text += f"LEAK_{index} = '{planted[(index // 25) % len(planted)]}'\n"
        if index % 25 == 15:
            text = "\n".join(line for line in text.splitlines() if "LEAK_" not in line) + "\n"
        target.write_text(text, encoding="utf-8")
        subprocess.run([*GIT, "commit", "-q", "-am", f"edit {index}"], cwd=repo, check=True)
    return repo


PER_COMMIT = """
import subprocess, sys, json
from pathlib import Path
from brgit.security.engine import Engine
from brgit.security.settings import SecuritySettings
top = Path.cwd()
revs = subprocess.run(["git", "rev-list", "--reverse", "HEAD"], capture_output=True, text=True,
                      check=True).stdout.split()
seen = set()
for rev in revs:
    listing = subprocess.run(["git", "ls-tree", "-r", "-z", rev], capture_output=True,
                             check=True).stdout.split(b"\\0")
    entries = [(e.split(b"\\t", 1)[1].decode(), e.split()[2].decode()) for e in listing if e]
    data = subprocess.run(["git", "cat-file", "--batch"], input="".join(
        f"{oid}\\n" for _, oid in entries).encode(), capture_output=True, check=True).stdout
    blobs, offset = [], 0
    for name, _ in entries:
        end = data.index(b"\\n", offset); size = int(data[offset:end].split()[2])
        blobs.append((name, data[end + 1 : end + 1 + size])); offset = end + 2 + size
    report = Engine(SecuritySettings(top, top), sql=False).scan_blobs(blobs)
    seen |= {(f.file, f.rule, f.secret_hash) for f in report.findings}
print(json.dumps(sorted(seen)))
"""


def bench_history(base: Path, runs: int, commits: int) -> dict[str, object]:
    repo = make_history(base, commits)
    commands = {
        "br security scan --history": [str(BIN / "br"), "security", "scan", "--history",
                                       "--format", "json"],
        "scan every commit's tree": [sys.executable, "-c", PER_COMMIT],
    }
    measured = compare(repo, commands, runs, set())
    ours = measured["br security scan --history"]["median"]
    print(f"\nHistory: {commits + 1} commits over `email` ({size_of(repo)[1]:.1f} MB per tree)")
    print("| method | median time | findings | time vs --history |\n|---|---|---|---|")
    for name, row in measured.items():
        print(f"| {name} | {row['median']:.2f} s ({len(row['samples'])} runs) | "
              f"{row['findings']} | {row['median'] / ours:.1f}x |")  # type: ignore[operator]
    return measured


def bench_recall(base: Path) -> dict[str, object]:
    from brgit.security.secrets import SecretScanner
    from tests.security import leaks

    by_class: dict[str, list[tuple[str, str]]] = {}
    for _rule, cls, name, text in leaks.positives():
        by_class.setdefault(cls, []).append((name, text))
    for cls, name, text in leaks.negatives():
        by_class.setdefault("look-alikes: " + cls, []).append((name, text))
    rows: dict[str, object] = {}
    print("\nRecall by class (samples of tests/security/leaks.py), files flagged:")
    print("| class | samples | brgit | detect-secrets |\n|---|---|---|---|")
    for cls, items in by_class.items():
        folder = base / "recall" / cls.replace(" ", "_").replace(":", "")
        for index, (name, text) in enumerate(items):
            (folder / str(index) / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / str(index) / name).write_text(text)
        ours = sum(bool(SecretScanner().findings(t, n)) for n, t in items)
        proc = subprocess.run([str(BIN / "detect-secrets"), "scan", "--all-files", "."],
                              cwd=folder, capture_output=True, text=True, check=True)
        theirs = len(json.loads(proc.stdout)["results"])
        rows[cls] = {"samples": len(items), "brgit": ours, "detect-secrets": theirs}
        print(f"| {cls} | {len(items)} | {ours} | {theirs} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--trees", default="stdlib,sqlalchemy,django")
    parser.add_argument("--commits", type=int, default=150)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="br-bench-security-"))
    try:
        print(f"Python {sys.version.split()[0]}; {args.runs} runs each, medians of whole "
              "processes (start-up included), tools run alternately.")
        results = {
            "trees": bench_trees(base, [t for t in args.trees.split(",") if t], args.runs),
            "history": bench_history(base, args.runs, args.commits),
            "recall": bench_recall(base),
        }
        print(f"\nall samples: {save('security', results)}")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
