"""The fast start the layers keep: `br --help` and `br GROUP --help` load no code below the CLI
but the ground floor (config, paths, errors, choices), and no heavy library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = """
import contextlib, io, sys
from brgit.cli.main import main
for args in (["--help"], ["run", "--help"], ["parallel", "--help"], ["merge", "--help"]):
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(args) == 0, args
print("\\n".join(sorted(m for m in sys.modules if m.startswith("brgit"))))
"""

DOMAIN_AND_ABOVE = (
    "brgit.app", "brgit.parallel", "brgit.merge", "brgit.security", "brgit.quality",
    "brgit.routing", "brgit.agents", "brgit.context", "brgit.telemetry", "brgit.llm",
    "brgit.core", "brgit.gitops", "brgit.ui",
)  # fmt: skip


def test_help_loads_no_domain_code(repo: Path) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=repo, capture_output=True,
                         text=True, check=True).stdout.split()  # fmt: skip
    assert "brgit.cli.main" in out
    loaded = [m for m in out if m.startswith(DOMAIN_AND_ABOVE)]
    assert loaded == []


def test_every_top_level_module_has_a_place_in_the_layers_contract() -> None:
    """A new package or module must be placed in a layer, or lint-imports would not check it."""
    import re
    import tomllib

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["id"] == "layers")["layers"]
    placed = {m.strip("() ") for line in layers for m in re.split(r"[|:]", line)}
    package = root / "brgit"
    found = {f"brgit.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    found |= {f"brgit.{p.parent.name}" for p in package.glob("*/__init__.py")}
    assert found - placed == {"brgit.data"}  # bundled files, no code
