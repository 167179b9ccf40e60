"""Property-based tests: random and hostile specs, plans, config files and environment values.

Whatever the input, the outcome is either a valid result or a brgit error with a documented
exit code (2 for bad input, 6 for a missing file): never another exception. And every plan
that loads names only branches git accepts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brgit.config import load_config
from brgit.core import plan as plan_module
from brgit.core.plan import load_plan
from brgit.core.session import branch_for
from brgit.core.spec import read_spec
from brgit.errors import BuildRunnerError
from brgit.names import ref_problem

DOCUMENTED = {2, 6}
SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

_HOSTILE = st.sampled_from(
    ["-m", "--all", "a..b", "x.lock", "x.", "x\n", "\x00", "\u00e9", "@{", " ", "~", ":", "/"]
)
_WORD = st.one_of(
    _HOSTILE, st.text(max_size=12), st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
)
_NUMBER = st.one_of(st.integers(0, 12).map(str), st.text("0123456789", min_size=1, max_size=12))
_SPEC_LINE = st.one_of(
    st.builds(lambda n, rest: f"## Task {n}{rest}", _NUMBER, _WORD),
    st.builds(lambda w: f"# Feature: {w}", _WORD),
    st.builds(
        lambda key, value, bold: f"- **{key}:** {value}" if bold else f"{key}: {value}",
        st.sampled_from(["Slug", "Title", "Description", "Files to touch", "Dependencies"]),
        st.one_of(
            _WORD,
            st.builds(
                lambda a, d, b: f"Tasks {a}{d}{b}",
                _NUMBER,
                st.sampled_from(["-", " to ", "\u2013"]),
                _NUMBER,
            ),
            st.builds(lambda a, b: f"Task {a} and {b}", _NUMBER, _NUMBER),
        ),
        st.booleans(),
    ),
    st.builds(lambda w: f"- {w}", _WORD),
    _WORD,
)


def _outcome(call: Any) -> Any:
    try:
        return call()
    except BuildRunnerError as exc:
        assert exc.exit_code in DOCUMENTED, exc
        assert str(exc).strip() and "\n" not in str(exc).strip(), repr(str(exc))
        return None


@SETTINGS
@given(lines=st.lists(_SPEC_LINE, max_size=25))
def test_any_spec_gives_a_valid_plan_or_a_documented_error(
    tmp_path: Path, lines: list[str]
) -> None:
    spec = tmp_path / "spec.md"
    spec.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    read = _outcome(lambda: read_spec(spec))
    if read is not None:
        plan = read.plan
        plan.validate()
        for task in plan.tasks:
            assert ref_problem(branch_for(plan.name, task.id)) is None


@SETTINGS
@given(data=st.binary(max_size=300))
def test_any_bytes_as_a_spec_or_plan_give_a_documented_error(tmp_path: Path, data: bytes) -> None:
    file = tmp_path / "input.md"
    file.write_bytes(data)
    _outcome(lambda: read_spec(file))
    plan_file = tmp_path / "input.toml"
    plan_file.write_bytes(data)
    _outcome(lambda: load_plan(plan_file))


_TOML_VALUE = st.recursive(
    st.one_of(
        st.text(max_size=10),
        _HOSTILE,
        st.integers(-(2**40), 2**40),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=3),
    ),
    max_leaves=8,
)
_TASK = st.dictionaries(
    st.sampled_from(sorted(plan_module._TASK_KEYS | {"extra"})),
    st.one_of(_TOML_VALUE, _WORD, st.lists(_WORD, max_size=3)),
    max_size=6,
)


def _dump(document: dict[str, Any]) -> str | None:
    try:
        return tomlkit.dumps(document)
    except Exception:  # a value TOML cannot hold (e.g. a NUL in a key): not an input brgit sees
        return None


@SETTINGS
@given(
    header=st.dictionaries(
        st.sampled_from(["name", "spec", "other"]), st.one_of(_WORD, _TOML_VALUE), max_size=3
    ),
    tasks=st.lists(_TASK, max_size=6),
)
def test_any_plan_file_loads_or_gives_a_documented_error(
    tmp_path: Path, header: dict[str, Any], tasks: list[dict[str, Any]]
) -> None:
    text = _dump({"plan": header, "tasks": tasks})
    if text is None:
        return
    file = tmp_path / "plan.toml"
    file.write_text(text, encoding="utf-8", errors="surrogatepass")
    plan = _outcome(lambda: load_plan(file))
    if plan is not None:
        for task in plan.order():
            assert ref_problem(branch_for(plan.name, task.id)) is None
            assert all("\0" not in str(v) for v in task.to_dict().values())


_CONFIG_KEYS = {
    "routing": [
        "default_model",
        "max_attempts",
        "cooldown_seconds",
        "request_timeout_seconds",
        "nope",
    ],
    "parallel": ["default_workers", "max_concurrency", "worktree_root", "copy_files", "port_base"],
    "agent": ["default", "timeout_seconds", "max_budget_usd", "max_turns"],
    "merge": ["batch_size", "strategy"],
}


@SETTINGS
@given(
    section=st.sampled_from(sorted(_CONFIG_KEYS)),
    key_index=st.integers(0, 4),
    value=_TOML_VALUE,
    limits=st.dictionaries(
        st.sampled_from(["daily", "weekly", "monthly"]), _TOML_VALUE, max_size=3
    ),
)
def test_any_config_loads_or_gives_a_config_error(
    tmp_path: Path, section: str, key_index: int, value: Any, limits: dict[str, Any]
) -> None:
    keys = _CONFIG_KEYS[section]
    document: dict[str, Any] = {"routing": {"cost_limits": limits}}
    document.setdefault(section, {})[keys[key_index % len(keys)]] = value
    text = _dump(document)
    if text is None:
        return
    store = tmp_path / ".buildrunner"
    store.mkdir(exist_ok=True)
    (store / "config.toml").write_text(text, encoding="utf-8", errors="surrogatepass")
    cfg = _outcome(lambda: load_config(tmp_path, file=store / "config.toml"))
    if cfg is not None:
        for number in (cfg.routing.cost_limits.daily, cfg.agent.max_budget_usd):
            assert number >= 0 and number == number  # finite, never NaN


@SETTINGS
@given(
    raw=st.one_of(st.text(max_size=12), st.sampled_from(["nan", "inf", "-1", "1e400", "0", "-0"]))
)
def test_any_budget_in_the_environment_is_a_number_of_zero_or_more_or_exit_2(
    tmp_path: Path, raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "\0" in raw:
        return  # the environment cannot hold a NUL
    monkeypatch.setenv("BR_COST_LIMIT_WEEKLY", raw)
    cfg = _outcome(lambda: load_config(tmp_path))
    if cfg is not None:
        weekly = cfg.routing.cost_limits.weekly
        assert weekly >= 0 and weekly != float("inf")


_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=20)


@SETTINGS
@given(
    fields=st.lists(
        st.tuples(_TEXT, _TEXT, st.lists(_TEXT, max_size=3), st.one_of(st.none(), _TEXT)),
        min_size=1,
        max_size=5,
    )
)
def test_written_plans_read_back_unchanged(tmp_path: Path, fields: list[Any]) -> None:
    """Plans are written without tomlkit: every string survives the round trip."""
    from brgit.core.plan import Plan, Task, save_plan

    tasks = [
        Task(f"t{i}", title=title, description=description, files=files, run=run or None)
        for i, (title, description, files, run) in enumerate(fields)
    ]
    plan = Plan("p", tasks, source="spec \u00e9\x7f.md")
    file = tmp_path / "plan.toml"
    save_plan(plan, file)
    assert load_plan(file).to_dict() == plan.to_dict()
