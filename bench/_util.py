"""Shared helpers for the benchmarks: timing commands and reporting medians and ratios."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
PACKAGE = Path(__file__).resolve().parent.parent / "brgit"
# the identity the benchmarks' commits are made with (no user config needed)
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def fresh_bytecode() -> None:
    """Compile brgit's bytecode first: with PYTHONDONTWRITEBYTECODE set (as on the build
    machine), an editable install would otherwise recompile every changed module on every run,
    which no installed copy of brgit does."""
    import compileall

    compileall.compile_dir(str(PACKAGE), quiet=1)


def time_command(argv: Sequence[str], *, runs: int, cwd: Path | None = None,
                 env: dict[str, str] | None = None, warmup: int = 2) -> list[float]:
    """Wall seconds of `runs` executions of argv (after `warmup` unmeasured ones)."""
    full_env = {**os.environ, **(env or {})}
    samples = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=full_env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        if i >= warmup:
            samples.append(time.perf_counter() - start)
    return samples


def interleaved(commands: dict[str, Sequence[str]], *, runs: int, cwd: Path | None = None,
                env: dict[str, str] | None = None) -> dict[str, list[float]]:
    """Time several commands alternately, so machine noise hits them all alike."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():  # warm caches
        time_command(argv, runs=1, cwd=cwd, env=env, warmup=1)
    for _ in range(runs):
        for name, argv in commands.items():
            samples[name] += time_command(argv, runs=1, cwd=cwd, env=env, warmup=0)
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def save(name: str, data: dict[str, object]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"{name}.json"
    target.write_text(json.dumps(data, indent=2))
    return target
