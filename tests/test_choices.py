"""Each choice list is defined once (brgit.choices) and every registry holds exactly its names."""

from __future__ import annotations

import pytest

from brgit import choices
from brgit.config import ConfigError, load_config


def test_the_agent_registry_holds_exactly_the_agent_names() -> None:
    from brgit.agents.base import check_agent, get_agent

    for name in choices.AGENT_NAMES:
        check_agent(name)
        assert get_agent(name).name == name
    with pytest.raises(Exception, match="unknown agent"):
        get_agent("nosuch")


def test_the_strategy_registry_holds_exactly_the_strategy_names() -> None:
    from brgit.merge.strategies import STRATEGIES

    assert tuple(STRATEGIES) == choices.MERGE_STRATEGIES


def test_the_parsers_hold_every_output_format_but_auto() -> None:
    from brgit.agents.parsers import AUTO_ORDER, PARSERS

    assert set(PARSERS) == set(choices.OUTPUT_FORMATS) - {"auto"}
    assert set(AUTO_ORDER) < set(PARSERS)


@pytest.mark.parametrize(
    ("section", "key", "names"),
    [
        ("merge", "strategy", choices.MERGE_STRATEGIES),
        ("merge", "on_conflict", choices.ON_CONFLICT),
        ("agent", "default", choices.AGENT_NAMES),
        ("agent", "output_format", choices.OUTPUT_FORMATS),
    ],
)
def test_the_config_accepts_each_choice_and_names_them_when_refusing(
    repo, section: str, key: str, names: tuple[str, ...]  # type: ignore[no-untyped-def]
) -> None:
    store = repo / ".buildrunner"
    store.mkdir(exist_ok=True)
    for name in names:
        (store / "config.toml").write_text(f'[{section}]\n{key} = "{name}"\n')
        assert getattr(getattr(load_config(repo), section), key) == name
    (store / "config.toml").write_text(f'[{section}]\n{key} = "nosuch"\n')
    with pytest.raises(ConfigError, match=", ".join(names)):
        load_config(repo)
