"""`br --help` start-up against a bare two-command typer app's `--help`, side by side.

Target (issue 2): br's median at most 1.3x the bare app's. Run: python bench/bench_startup.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import fresh_bytecode, interleaved, median, save

BARE = """\
import typer

app = typer.Typer()


@app.command()
def first() -> None:
    pass


@app.command()
def second() -> None:
    pass


app()
"""


def main(runs: int = 30) -> int:
    fresh_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE)
        plain = Path(tmp) / "plain.py"  # the same app with plain help, as br uses
        plain.write_text(BARE.replace("typer.Typer()", "typer.Typer(rich_markup_mode=None)"))
        samples = interleaved(
            {
                "bare typer --help": [sys.executable, str(bare), "--help"],
                "bare plain --help": [sys.executable, str(plain), "--help"],
                "br --help": [sys.executable, "-m", "brgit", "--help"],
                "br --version": [sys.executable, "-m", "brgit", "--version"],
            },
            runs=runs,
            env={"NO_COLOR": "1", "COLUMNS": "100"},
        )
    medians = {name: median(s) for name, s in samples.items()}
    base = medians["bare typer --help"]
    print(f"{'command':<22} {'median s':>9} {'ratio':>6}")
    for name, value in medians.items():
        print(f"{name:<22} {value:>9.3f} {value / base:>6.2f}")
    ratio = medians["br --help"] / base
    plain_ratio = medians["br --help"] / medians["bare plain --help"]
    verdict = "meets" if ratio <= 1.3 else "MISSES"
    print(f"br --help / bare typer --help = {ratio:.2f} ({verdict} the 1.3x target), {runs} runs")
    print(f"br --help / the same bare app with plain help = {plain_ratio:.2f}")
    save("startup", {"runs": runs, "medians_s": medians, "ratio": ratio,
                     "ratio_plain": plain_ratio})  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
