"""br init, config loading and errors, exit codes, and the store seen from a linked worktree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brgit import config, paths
from brgit.errors import ConfigError
from tests.conftest import br_process, git


def test_version(br) -> None:
    result = br("--version")
    assert result.code == 0
    assert result.out.startswith("br 0.")


def test_python_dash_m_runs(repo: Path) -> None:
    proc = br_process("--help", cwd=repo)
    assert proc.returncode == 0
    for group in ("security", "routing", "telemetry", "parallel", "worktree", "merge", "db"):
        assert group in proc.stdout


def test_init_creates_store_and_is_idempotent(repo: Path, br) -> None:
    first = br("init", "--format", "json", cwd=repo)
    assert first.code == 0, first.err
    data = json.loads(first.out)
    store = repo / ".buildrunner"
    assert data["store"] == str(store)
    assert sorted(Path(p).name for p in data["created"]) == [".gitignore", "config.toml"]
    text = (store / "config.toml").read_text()
    assert "max_file_bytes = 1000000 # rotate" in text
    # a user's edit and comment survive a second init
    edited = text.replace("default_workers = 3", "default_workers = 5 # we have cores")
    (store / "config.toml").write_text(edited)
    second = br("init", "--format", "json", cwd=repo)
    assert json.loads(second.out)["created"] == []
    assert (store / "config.toml").read_text() == edited
    assert config.load_config(repo).parallel.default_workers == 5


def test_init_adds_only_missing_settings(repo: Path, br) -> None:
    store = repo / ".buildrunner"
    store.mkdir()
    (store / "config.toml").write_text("# mine\n[merge]\nverify = 'pytest -q' # keep\n")
    result = br("init", "--format", "json", cwd=repo)
    assert json.loads(result.out)["settings_added"] > 10
    text = (store / "config.toml").read_text()
    assert text.startswith("# mine\n[merge]\nverify = 'pytest -q' # keep\n")
    assert config.load_config(repo).merge.verify == "pytest -q"


def test_gitignore_keeps_config_and_ignores_run_data(repo: Path, br) -> None:
    br("init", cwd=repo)
    (repo / ".buildrunner" / "telemetry").mkdir()
    (repo / ".buildrunner" / "telemetry" / "events.jsonl").write_text("{}\n")
    status = git(repo, "status", "--porcelain", "--untracked-files=all")
    assert ".buildrunner/config.toml" in status
    assert ".buildrunner/.gitignore" in status
    assert "events.jsonl" not in status


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[telemetry]\nmax_file_bytes = 'big'\n",
            ":2: telemetry.max_file_bytes: expected an integer",
        ),
        ("[merge]\nverfy = 'pytest'\n", ":2: merge.verfy: unknown key"),
        (
            "[routing.cost_limits]\ndaily = true\n",
            ":2: routing.cost_limits.daily: expected a number",
        ),
        ("[parallel]\ndefault_workers = 2\ncopy_files = 3\n", ":3: parallel.copy_files"),
        ("[merge]\nstrategy = 'octopus'\n", ":2: merge.strategy: expected one of"),
        ("[telemetry\nenabled = true\n", ":1: invalid TOML"),
        ("bogus = 1\n", ":1: bogus: unknown key"),
        ("[merge]\nverify = 'a'\nverify = 'b'\n", ":3: invalid TOML"),
    ],
)
def test_broken_config_exits_2_with_file_line_key(repo: Path, br, text: str, expected: str) -> None:
    store = repo / ".buildrunner"
    store.mkdir()
    (store / "config.toml").write_text(text)
    result = br("init", cwd=repo)
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert str(store / "config.toml") + expected in result.err
    assert (store / "config.toml").read_text() == text  # nothing written
    assert not (store / ".gitignore").exists()


def test_env_overrides(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BR_COST_LIMIT_DAILY", "3.5")
    monkeypatch.setenv("BR_COST_LIMIT_WEEKLY", "12")
    monkeypatch.setenv("BR_TELEMETRY_ENABLED", "false")
    monkeypatch.setenv("BR_TELEMETRY_EXPORT_DIR", "/tmp/exports")
    cfg = config.load_config(repo)
    assert cfg.routing.cost_limits.daily == 3.5
    assert cfg.routing.cost_limits.weekly == 12.0
    assert cfg.telemetry.enabled is False
    assert cfg.telemetry.export_dir == "/tmp/exports"
    monkeypatch.setenv("BR_TELEMETRY_ENABLED", "maybe")
    with pytest.raises(ConfigError, match="BR_TELEMETRY_ENABLED"):
        config.load_config(repo)


def test_br_config_file_override(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, br
) -> None:
    other = tmp_path / "team.toml"
    other.write_text("[parallel]\ndefault_workers = 7\n")
    monkeypatch.setenv("BR_CONFIG_FILE", str(other))
    assert config.load_config(repo).parallel.default_workers == 7
    monkeypatch.setenv("BR_CONFIG_FILE", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        config.load_config(repo)


def test_set_value_keeps_comments(repo: Path) -> None:
    file = repo / ".buildrunner" / "config.toml"
    config.ensure_config(file)
    before = file.read_text()
    config.set_value(file, "merge.verify", "pytest -q")
    after = file.read_text()
    assert 'verify = "pytest -q"' in after
    assert after.count("#") == before.count("#")
    with pytest.raises(ConfigError):
        config.set_value(file, "merge.batch_size", "three")
    assert file.read_text() == after


def test_linked_worktree_uses_main_store(repo: Path, tmp_path: Path, br) -> None:
    wt = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(wt))
    (wt / "sub").mkdir()
    location = paths.locate(wt / "sub")
    assert location.worktree == wt.resolve()
    assert location.main_root == repo.resolve()
    result = br("init", "--format", "json", cwd=wt / "sub")
    assert json.loads(result.out)["store"] == str(repo.resolve() / ".buildrunner")
    assert not (wt / ".buildrunner").exists()


def test_outside_git_uses_cwd(tmp_path: Path) -> None:
    location = paths.locate(tmp_path)
    assert location.in_git is False
    assert location.store == tmp_path.resolve() / ".buildrunner"


def test_not_built_command_says_so() -> None:
    """Every command is built today; the stub helper stays for commands added to the interface
    before their work."""
    from brgit.cli._common import add_stubs, group
    from brgit.errors import NotBuiltError

    app = group("later", "Not yet.")
    add_stubs(app, "later", {"thing": "Do a thing", "other": "Do another"})
    with pytest.raises(NotBuiltError, match=r"^`br later thing` is not built yet$"):
        app(["thing", "--any-option"], standalone_mode=False)


@pytest.mark.parametrize(
    "args", [["init", "--format", "yaml"], ["nosuchcmd"], ["plan"], ["init", "--bogus"]]
)
def test_usage_errors_exit_2_with_one_line(repo: Path, br, args: list[str]) -> None:
    result = br(*args, cwd=repo)
    assert result.code == 2
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1 and result.err.startswith("br: error: ")
    assert "--help`)" in result.err


def test_unexpected_error_writes_crash_log(repo: Path, br, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(start: Path | None = None) -> None:
        raise RuntimeError("kaboom with sk-ant-api03-" + "x" * 40)

    monkeypatch.setattr("brgit.store.init_store", boom)
    result = br("init", cwd=repo)
    assert result.code == 1
    assert len(result.err.strip().splitlines()) == 1
    assert "kaboom" in result.err and "x" * 40 not in result.err
    logs = list((repo / ".buildrunner" / "logs").glob("crash-*.log"))
    assert len(logs) == 1
    text = logs[0].read_text()
    assert "Traceback" in text and "x" * 40 not in text


def test_ctrl_c_exits_130(repo: Path, br, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(start: Path | None = None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("brgit.store.init_store", interrupted)
    result = br("init", cwd=repo)
    assert result.code == 130
    assert result.err.strip() == "br: interrupted"


def test_config_doc_shows_the_real_defaults() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "CONFIG.md").read_text()
    block = doc.split("```toml\n")[-1].split("```")[0]
    assert block == config.default_document()


def _commands() -> list[str]:
    import typer

    from brgit.cli.main import app

    def walk(command: object, prefix: list[str]) -> list[str]:
        subs = getattr(command, "commands", None)
        if subs is None:
            return [" ".join(prefix)]
        return [n for name, sub in sorted(subs.items()) for n in walk(sub, [*prefix, name])]

    return walk(typer.main.get_command(app), ["br"])


def _command_table() -> str:
    """The API reference's command table, built from the real CLI: arguments, options, help."""
    import typer

    from brgit.cli.main import app

    def rows(command: object, prefix: list[str]) -> list[str]:
        subs = getattr(command, "commands", None)
        if subs is not None:
            return [r for name, sub in sorted(subs.items()) for r in rows(sub, [*prefix, name])]
        params = []
        for param in command.params:  # type: ignore[attr-defined]
            if param.param_type_name == "option":
                flag = "/".join(o for o in param.opts if o.startswith("--"))
                if flag and flag != "--help":
                    params.append(f"`{flag}`")
            else:
                params.append(f"`{param.name.upper()}`")
        text = (command.help or "").strip().splitlines()  # type: ignore[attr-defined]
        summary = text[0].replace("|", "/") if text else ""
        return [f"| `{' '.join(prefix)}` | {' '.join(params)} | {summary} |"]

    header = "| command | arguments and options | what it does |\n|---|---|---|\n"
    return header + "\n".join(rows(typer.main.get_command(app), ["br"])) + "\n"


def test_api_reference_lists_every_command_with_its_options() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "API.md").read_text()
    assert _command_table() in doc
    missing = [name for name in _commands() if f"| `{name}` |" not in doc]
    assert missing == []
    assert len(_commands()) > 30


def test_api_reference_imports_work() -> None:
    import importlib
    import re

    doc = (Path(__file__).resolve().parents[1] / "docs" / "API.md").read_text()
    statements = re.findall(r"`from ([\w.]+) import ([\w, ]+)`", doc)
    assert len(statements) > 15
    for module, names in statements:
        loaded = importlib.import_module(module)
        for name in names.split(","):
            assert hasattr(loaded, name.strip()), f"{module}.{name.strip()}"


def test_help_and_version_import_no_heavy_library(repo: Path) -> None:
    probe = (
        "import sys, io, contextlib\n"
        "from brgit.cli.main import main\n"
        "for args in (['--help'], ['--version'], ['routing', '--help']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        assert main(args) == 0\n"
        "heavy = ('rich', 'git', 'anthropic', 'tomlkit', 'detect_secrets', 'httpx')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert out.strip() == "[]"


def test_closed_output_exits_141_quietly(repo: Path) -> None:
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (`| head`) is already gone
    proc = subprocess.run(
        [sys.executable, "-m", "brgit", "routing", "models", "--format", "json"],
        cwd=repo, stdout=write_end, stderr=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    os.close(write_end)
    assert proc.returncode == 141
    assert proc.stderr == ""


def test_full_disk_is_one_clear_line(repo: Path, br, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    def full(start: Path | None = None) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(repo / ".buildrunner"))

    monkeypatch.setattr("brgit.store.init_store", full)
    result = br("init", cwd=repo)
    assert result.code == 1
    assert result.err.strip() == f"br: error: No space left on device: {repo / '.buildrunner'}"
    assert not (repo / ".buildrunner" / "logs").exists()  # not a crash: no crash log


@pytest.mark.parametrize("args", [[], ["security"], ["telemetry"]])
def test_no_subcommand_shows_the_help(repo: Path, br, args: list[str]) -> None:
    result = br(*args, cwd=repo)
    assert result.code == 2
    assert result.err.startswith("Usage: br") and "Commands:" in result.err


def test_tables_off_a_terminal_are_plain_aligned_text_without_rich() -> None:
    from brgit.ui.output import Table, View, plain_text

    view = View(
        "Train",
        fields=[("merged", 2), ("cost", 0.5)],
        tables=[Table(["task", "outcome"], [["a", "merged"], ["long-name", "conflict\nx"]])],
        lines=["done"],
    )
    assert plain_text(view) == (
        "Train\nmerged: 2\ncost:   0.5\n\n"
        "task       outcome\na          merged\nlong-name  conflict x\n\ndone\n"
    )


def test_tables_on_a_terminal_are_drawn_by_rich() -> None:
    import io

    from brgit.ui.output import Table, View, render_view

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    render_view(View(tables=[Table(["task"], [["a"]])]), screen)
    assert "│ a    │" in screen.getvalue()  # a box drawn around the cell


def test_a_piped_table_imports_no_rich(repo: Path) -> None:
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from brgit.cli.main import main\n"
        "assert main(['routing', 'models']) == 0\n"
        "print('rich' in sys.modules, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True,
                          text=True, check=True)  # fmt: skip
    assert proc.stderr.strip() == "False"
    assert "haiku" in proc.stdout and "┃" not in proc.stdout


def test_one_invocation_builds_only_the_command_it_names() -> None:
    from brgit.cli.main import COMMANDS, _needed, build_app

    assert _needed(["merge", "--help"]) == ("merge",)
    assert _needed(["--version"]) == ()
    assert _needed([]) == _needed(["--help"]) == _needed(["nosuch"]) == COMMANDS
    import typer

    built = typer.main.get_command(build_app(["merge"]))
    assert sorted(built.commands) == ["merge"]  # type: ignore[attr-defined]


def test_leave_flushes_the_output_and_keeps_the_exit_code(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    probe = "import sys\nfrom brgit.process import leave\nsys.stdout.write('kept'); leave(3)\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (3, "kept")  # buffered output was not lost
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: the flush fails, quietly, with 141
    probe = "import sys\nfrom brgit.process import leave\nsys.stdout.write('x' * 100); leave(0)\n"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as usual
    gone = subprocess.run(
        [sys.executable, "-c", probe], stdout=write_end, stderr=subprocess.PIPE, env=env
    )
    os.close(write_end)
    assert (gone.returncode, gone.stderr) == (141, b"")
