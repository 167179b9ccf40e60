"""Secret rules: each is data (a name, prefilter keywords, one compiled pattern, an entropy floor).

A rule only runs on a file that contains one of its keywords (checked once per file, case as
written for vendor prefixes, lower-case for the generic names), so adding rules costs almost
nothing on files they cannot match. `RULES` is the explicit registry; `Rule` is the protocol a
plugin rule satisfies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol


class Rule(Protocol):
    """What the scanner needs from a secret rule (a plugin rule need not be a SecretRule)."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def keywords(self) -> tuple[str, ...]: ...
    @property
    def ignore_case(self) -> bool: ...
    @property
    def pattern(self) -> re.Pattern[str]: ...
    @property
    def group(self) -> int: ...
    @property
    def min_entropy(self) -> float: ...
    @property
    def severity(self) -> str: ...


@dataclass(frozen=True)
class SecretRule:
    name: str
    description: str
    keywords: tuple[str, ...]
    regex: str
    group: int = 0
    min_entropy: float = 0.0
    severity: str = "high"
    ignore_case: bool = False
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        flags = re.IGNORECASE if self.ignore_case else 0
        object.__setattr__(self, "pattern", re.compile(self.regex, flags | re.MULTILINE))


_B = r"(?<![A-Za-z0-9_\-])"  # a token boundary that also treats '-' as part of the token
_E = r"(?![A-Za-z0-9_\-])"

_ALL: tuple[SecretRule, ...] = (
    SecretRule("anthropic_key", "Anthropic API key", ("sk-ant-api",),
               _B + r"sk-ant-api\d\d-[A-Za-z0-9_\-]{80,110}AA" + _E, min_entropy=3.5),
    SecretRule("anthropic_admin_key", "Anthropic admin key", ("sk-ant-admin",),
               _B + r"sk-ant-admin\d\d-[A-Za-z0-9_\-]{80,110}AA" + _E, min_entropy=3.5),
    SecretRule("openai_project_key", "OpenAI project key", ("sk-proj-",),
               _B + r"sk-proj-[A-Za-z0-9_\-]{40,200}" + _E, min_entropy=3.5),
    SecretRule("openai_service_account_key", "OpenAI service-account key", ("sk-svcacct-",),
               _B + r"sk-svcacct-[A-Za-z0-9_\-]{40,200}" + _E, min_entropy=3.5),
    SecretRule("openai_admin_key", "OpenAI admin key", ("sk-admin-",),
               _B + r"sk-admin-[A-Za-z0-9_\-]{40,200}" + _E, min_entropy=3.5),
    SecretRule("openai_key", "OpenAI legacy user key", ("T3BlbkFJ",),
               _B + r"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}" + _E),
    SecretRule("openrouter_key", "OpenRouter API key", ("sk-or-v1-",),
               _B + r"sk-or-v1-[a-f0-9]{64}" + _E, min_entropy=3.0),
    SecretRule("aws_access_key_id", "AWS access key id", ("AKIA", "ASIA", "ABIA", "ACCA", "A3T"),
               r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b", min_entropy=3.0),
    SecretRule("aws_secret_access_key", "AWS secret access key", ("aws", "secret"),
               r"aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
               group=1, min_entropy=4.0, ignore_case=True),
    SecretRule("github_token", "GitHub token (classic prefixes)",
               ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
               r"\bgh[pousr]_[A-Za-z0-9]{36}\b", min_entropy=3.5),
    SecretRule("github_fine_grained_pat", "GitHub fine-grained token", ("github_pat_",),
               r"\bgithub_pat_[A-Za-z0-9_]{82}\b", min_entropy=3.5),
    SecretRule("gitlab_token", "GitLab token",
               ("glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "gloas-"),
               _B + r"gl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_\-]{20,64}" + _E, min_entropy=3.0),
    SecretRule("slack_token", "Slack token", ("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe"),
               r"\bxox(?:[bpars]|e\.xox[bp]|e)-[0-9A-Za-z\-]{10,250}", min_entropy=3.0),
    SecretRule("slack_webhook", "Slack incoming webhook", ("hooks.slack.com",),
               r"https://hooks\.slack\.com/(?:services|workflows|triggers)/"
               r"T[A-Z0-9]{6,}/[A-Z0-9]{6,}/[A-Za-z0-9]{20,}"),
    SecretRule("stripe_key", "Stripe secret or restricted key", ("sk_live_", "sk_test_",
               "rk_live_", "rk_test_"),
               r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{24,99}\b", min_entropy=3.5),
    SecretRule("google_api_key", "Google API key", ("AIza",),
               _B + r"AIza[0-9A-Za-z_\-]{35}" + _E, min_entropy=3.5),
    SecretRule("huggingface_token", "Hugging Face token", ("hf_",),
               r"\bhf_[A-Za-z0-9]{34}\b", min_entropy=3.5),
    SecretRule("npm_token", "npm access token", ("npm_",),
               r"\bnpm_[A-Za-z0-9]{36}\b", min_entropy=3.5),
    SecretRule("pypi_token", "PyPI upload token", ("pypi-AgEIcHlwaS5vcmc",),
               _B + r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}" + _E),
    SecretRule("sendgrid_key", "SendGrid API key", ("SG.",),
               r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}" + _E, min_entropy=3.5),
    SecretRule("twilio_key", "Twilio API key", ("SK",),
               r"\bSK[0-9a-fA-F]{32}\b", min_entropy=3.0),
    SecretRule("digitalocean_token", "DigitalOcean token", ("dop_v1_", "doo_v1_", "dor_v1_"),
               r"\bdo[opr]_v1_[a-f0-9]{64}\b", min_entropy=3.0),
    SecretRule("shopify_token", "Shopify access token", ("shpat_", "shpca_", "shppa_", "shpss_"),
               r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b", min_entropy=3.0),
    SecretRule("databricks_token", "Databricks token", ("dapi",),
               r"\bdapi[a-f0-9]{32}(?:-\d)?\b", min_entropy=3.0),
    SecretRule("azure_storage_key", "Azure storage account key", ("AccountKey=",),
               r"AccountKey=([A-Za-z0-9+/]{86}==)", group=1, min_entropy=4.0),
    # The reported value is the header (`BEGIN RSA PRIVATE KEY`), as detect-secrets reports it,
    # so baselines agree; the pattern still requires key material after it.
    SecretRule("private_key", "Private key block", ("PRIVATE KEY",),
               r"-----(BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?)-----\r?\n"
               r"(?:[A-Za-z][\w-]*:[^\n]*\r?\n)*\s*[A-Za-z0-9+/=]{40,}", group=1),
    SecretRule("jwt", "JSON Web Token", ("eyJ",),
               r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}",
               severity="medium"),
    SecretRule("database_url", "Database URL with a password", ("://",),
               r"\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|"
               r"sqlserver|oracle|cockroachdb)(?:\+\w+)?://[^:/\s@\"'`]+:([^@/\s\"'`]+)@",
               group=1),
)

RULES: dict[str, Rule] = {rule.name: rule for rule in _ALL}

# Generic assignments (handled in `brgit.security.generic`): the rule names used in findings.
GENERIC_RULE = "generic_secret"
GENERIC_KEYWORDS = ("password", "passwd", "pwd", "secret", "token", "api_key", "apikey",
                    "api-key", "access_key", "auth_key", "credential", "private_key")
