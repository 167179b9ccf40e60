"""KeyManager: environment over .env, shape checks, masking, base URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from brgit.errors import ConfigError
from brgit.llm.keys import KeyManager, read_dotenv

KEY = "sk-ant-api03-" + "x" * 93 + "AA"


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ANTHROPIC_API_KEY=sk-ant-fromdotenv-123456\n")
    keys = KeyManager(tmp_path, environ={"ANTHROPIC_API_KEY": KEY})
    assert keys.api_key() == KEY
    assert keys.status().source == "environment"


def test_dotenv_formats(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "# comment\n\nexport ANTHROPIC_API_KEY='" + KEY + "'\n"
        'ANTHROPIC_BASE_URL="http://127.0.0.1:9"\nOTHER=plain value # note\nnot a line\n'
    )
    values = read_dotenv(tmp_path / ".env")
    assert values == {
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
        "OTHER": "plain value",
    }
    keys = KeyManager(tmp_path, environ={})
    assert keys.api_key() == KEY
    assert keys.status().source == ".env"
    assert keys.base_url() == "http://127.0.0.1:9"


def test_missing_key_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ANTHROPIC_API_KEY is not set") as info:
        KeyManager(tmp_path, environ={}).api_key()
    assert info.value.exit_code == 2
    assert KeyManager(tmp_path, environ={}).status().present is False


@pytest.mark.parametrize("bad", ["sk-proj-abcdefghijklmnop", "sk-ant-api03 with spaces", "hello"])
def test_malformed_key_is_rejected_and_masked(tmp_path: Path, bad: str) -> None:
    keys = KeyManager(tmp_path, environ={"ANTHROPIC_API_KEY": bad})
    with pytest.raises(ConfigError, match="looks wrong") as info:
        keys.api_key()
    assert bad not in str(info.value)
    status = keys.status()
    assert status.valid is False and bad not in str(status.to_dict())


def test_gateway_keys_are_accepted_with_a_base_url(tmp_path: Path) -> None:
    env = {"ANTHROPIC_API_KEY": "gw-0123456789abcdef", "ANTHROPIC_BASE_URL": "http://127.0.0.1:1"}
    assert KeyManager(tmp_path, environ=env).api_key() == "gw-0123456789abcdef"


def test_status_never_shows_the_key(tmp_path: Path) -> None:
    status = KeyManager(tmp_path, environ={"ANTHROPIC_API_KEY": KEY}).status()
    assert status.valid and status.masked == "sk-a...xxAA"
    assert KEY not in str(status.to_dict())


def test_client_uses_key_and_base_url(tmp_path: Path) -> None:
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": "http://127.0.0.1:5"}
    client = KeyManager(tmp_path, environ=env).client(timeout=3)
    assert str(client.base_url).startswith("http://127.0.0.1:5")
    assert client.max_retries == 0


def test_env_example_documents_the_variables() -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    text = example.read_text()
    assert "ANTHROPIC_API_KEY=" in text and "ANTHROPIC_BASE_URL" in text
    assert "\nANTHROPIC_API_KEY=\n" in text  # no value committed
