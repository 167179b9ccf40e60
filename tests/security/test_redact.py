"""brgit.redact (the always-on net for logs, crash reports and telemetry) masks every vendor
key that issue reports found printed whole, besides the LLM provider keys."""

from __future__ import annotations

import pytest

from brgit.redact import redact
from tests.security.samples import tokens

RULES = ["anthropic_key", "openai_project_key", "github_token", "aws_access_key_id",
         "stripe_key", "sendgrid_key", "npm_token", "pypi_token", "databricks_token",
         "twilio_key", "shopify_token", "gitlab_token", "digitalocean_token", "slack_token",
         "huggingface_token", "google_api_key", "slack_app_token"]


@pytest.mark.parametrize("rule", RULES)
def test_redact_masks_the_key_in_a_log_line(rule: str) -> None:
    key = tokens()[rule]
    line = f"request failed: 401 invalid key {key} (retrying)"
    masked = redact(line)
    assert key not in masked and masked.startswith("request failed: 401 invalid key ")
