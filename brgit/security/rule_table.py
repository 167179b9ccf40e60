"""The secret rules, as data. `origin` says where each rule's format came from:

- "gitleaks": the format of gitleaks' rule of that name (its default `gitleaks.toml`),
  re-expressed here; "detect-secrets": the format of that detect-secrets plugin;
- "vendor": the prefix and length the vendor documents for its keys;
- "brgit": written for brgit from the file format (`.netrc`, `.pgpass`, docker's
  `config.json`, `.npmrc`).

Every rule has a labelled example written for brgit's tests (`tests/security/samples.py`).
"""

from __future__ import annotations

import re

from brgit.security import rule_checks
from brgit.security.rule_base import SecretRule

_B = r"(?<![A-Za-z0-9_\-])"  # a token boundary that also treats '-' as part of the token
_E = r"(?![A-Za-z0-9_\-])"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def _near(keyword: str, value: str) -> str:
    """A value assigned to a name that mentions the vendor (`DATADOG_API_KEY = "..."`)."""
    return (r"(?i:[\w.\-]{0,40}?(?:" + keyword + r")[\w.\-]{0,30}[\"'`]?[ \t]*"
            r"(?:=|:|=>|:=|,)[ \t]*[\"'`]?)((?-i:" + value + r"))(?![\w\-])")


def _vendor(name: str, description: str, keywords: tuple[str, ...], regex: str,
            entropy: float = 3.0, origin: str = "gitleaks") -> SecretRule:
    return SecretRule(name, description, keywords, _bounded(regex) + _E, min_entropy=entropy,
                      origin=origin)


def _bounded(regex: str) -> str:
    """`regex` behind a token boundary. A leading literal stays first (the boundary is checked
    by a lookbehind after it), so the regex engine can search for the literal quickly."""
    literal = re.match(r"[A-Za-z0-9_~]+", regex)
    if literal is None:
        return _B + regex
    prefix = literal.group()
    return prefix + r"(?<![A-Za-z0-9_\-]" + prefix + ")" + regex[len(prefix):]


def _named(name: str, description: str, vendor: str, value: str,
           entropy: float = 3.0, origin: str = "gitleaks") -> SecretRule:
    keywords = tuple(k.lower() for k in vendor.split("|"))
    return SecretRule(name, description, keywords, _near(vendor, value), group=1,
                      min_entropy=entropy, ignore_case=True, origin=origin)


_AI = (
    SecretRule("anthropic_key", "Anthropic API key", ("sk-ant-api",),
               _B + r"sk-ant-api\d\d-[A-Za-z0-9_\-]{80,120}" + _E, min_entropy=3.5,
               origin="gitleaks (without requiring the trailing AA)"),
    SecretRule("anthropic_admin_key", "Anthropic admin key", ("sk-ant-admin",),
               _B + r"sk-ant-admin\d\d-[A-Za-z0-9_\-]{80,120}" + _E, min_entropy=3.5,
               origin="gitleaks (without requiring the trailing AA)"),
    _vendor("openai_project_key", "OpenAI project key", ("sk-proj-",),
            r"sk-proj-[A-Za-z0-9_\-]{40,200}", 3.5),
    _vendor("openai_service_account_key", "OpenAI service-account key", ("sk-svcacct-",),
            r"sk-svcacct-[A-Za-z0-9_\-]{40,200}", 3.5),
    _vendor("openai_admin_key", "OpenAI admin key", ("sk-admin-",),
            r"sk-admin-[A-Za-z0-9_\-]{40,200}", 3.5),
    _vendor("openai_key", "OpenAI legacy user key", ("T3BlbkFJ",),
            r"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}", 0.0, "detect-secrets"),
    _vendor("openrouter_key", "OpenRouter API key", ("sk-or-v1-",), r"sk-or-v1-[a-f0-9]{64}",
            3.0, "vendor"),
    _vendor("huggingface_token", "Hugging Face token", ("hf_",), r"hf_[A-Za-z0-9]{34}", 3.5),
    _vendor("groq_key", "Groq API key", ("gsk_",), r"gsk_[A-Za-z0-9]{52}", 3.5, "vendor"),
    _vendor("perplexity_key", "Perplexity API key", ("pplx-",), r"pplx-[A-Za-z0-9]{48}", 3.5,
            "vendor"),
    _vendor("xai_key", "xAI API key", ("xai-",), r"xai-[A-Za-z0-9]{80}", 3.5, "vendor"),
    _vendor("replicate_token", "Replicate API token", ("r8_",), r"r8_[A-Za-z0-9]{37}", 3.5,
            "vendor"),
    _vendor("langsmith_key", "LangSmith API key", ("lsv2_",),
            r"lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}", 3.0, "vendor"),
    _named("cohere_key", "Cohere API key", "cohere|co_api_key", r"[A-Za-z0-9]{40}", 4.0),
    _named("mistral_key", "Mistral API key", "mistral", r"[A-Za-z0-9]{32}", 4.0, "brgit"),
)

_CLOUD = (
    SecretRule("aws_access_key_id", "AWS access key id", ("AKIA", "ASIA", "ABIA", "ACCA", "A3T"),
               r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b", min_entropy=3.0,
               origin="gitleaks"),
    SecretRule("aws_secret_access_key", "AWS secret access key", ("aws", "secret"),
               r"aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})"
               r"(?![A-Za-z0-9/+=])", group=1, min_entropy=4.0, ignore_case=True,
               origin="detect-secrets"),
    _vendor("google_api_key", "Google API key", ("AIza",), r"AIza[0-9A-Za-z_\-]{35}", 3.5),
    SecretRule("azure_storage_key", "Azure storage account key", ("AccountKey=",),
               r"AccountKey=([A-Za-z0-9+/]{86}==)", group=1, min_entropy=4.0,
               origin="detect-secrets"),
    _vendor("azure_ad_client_secret", "Azure AD client secret", ("Q~",),
            r"[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}"),
    _vendor("alibaba_access_key_id", "Alibaba Cloud access key id", ("LTAI",),
            r"LTAI[A-Za-z0-9]{20}"),
    _vendor("digitalocean_token", "DigitalOcean token", ("dop_v1_", "doo_v1_", "dor_v1_"),
            r"do[opr]_v1_[a-f0-9]{64}"),
    _vendor("hashicorp_tf_token", "Terraform Cloud API token", ("atlasv1",),
            r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=\-]{60,70}", 3.5),
    _vendor("vault_token", "HashiCorp Vault token", ("hvs.", "hvb."),
            r"hv[sb]\.[A-Za-z0-9_\-]{90,300}", 3.5),
    _vendor("doppler_token", "Doppler token", ("dp.pt.",), r"dp\.pt\.[A-Za-z0-9]{43}"),
    _vendor("pulumi_token", "Pulumi access token", ("pul-",), r"pul-[a-f0-9]{40}"),
    _vendor("flyio_token", "Fly.io token", ("fo1_",), r"fo1_[A-Za-z0-9_\-]{43}", 3.5),
    _vendor("planetscale_token", "PlanetScale token or password", ("pscale_",),
            r"pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_=.\-]{32,64}"),
    _vendor("databricks_token", "Databricks token", ("dapi",), r"dapi[a-f0-9]{32}(?:-\d)?"),
    _named("heroku_api_key", "Heroku API key", "heroku", _UUID),
    _named("cloudflare_api_token", "Cloudflare API token", "cloudflare", r"[A-Za-z0-9_\-]{40}",
           3.5),
)

_CODE_HOSTS = (
    _vendor("github_token", "GitHub token (classic prefixes)",
            ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), r"gh[pousr]_[A-Za-z0-9]{36}", 3.5),
    _vendor("github_fine_grained_pat", "GitHub fine-grained token", ("github_pat_",),
            r"github_pat_[A-Za-z0-9_]{82}", 3.5),
    _vendor("gitlab_token", "GitLab token",
            ("glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "gloas-", "glft-", "glsoat-"),
            r"gl(?:pat|dt|rt|ptt|cbt|oas|ft|soat)-[A-Za-z0-9_\-]{20,64}"),
    _vendor("npm_token", "npm access token", ("npm_",), r"npm_[A-Za-z0-9]{36}", 3.5),
    SecretRule("pypi_token", "PyPI upload token", ("pypi-AgEIcHlwaS5vcmc",),
               _B + r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}" + _E, origin="gitleaks"),
    _vendor("rubygems_token", "RubyGems API token", ("rubygems_",), r"rubygems_[a-f0-9]{48}"),
    _vendor("atlassian_api_token", "Atlassian API token", ("ATATT3",),
            r"ATATT3[A-Za-z0-9_\-=]{186}", 3.5),
    _vendor("linear_api_key", "Linear API key", ("lin_api_",), r"lin_api_[A-Za-z0-9]{40}"),
    _vendor("postman_api_key", "Postman API key", ("PMAK-",), r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}"),
    _named("snyk_token", "Snyk API token", "snyk", _UUID),
    _named("sonar_token", "SonarQube/SonarCloud token", "sonar",
           r"(?:sq[apu]_)?[a-f0-9]{40}"),
    _named("artifactory_token", "JFrog Artifactory token", "artifactory|jfrog",
           r"AKC[A-Za-z0-9]{60,80}|[A-Za-z0-9]{64,73}", 3.5),
)

_MESSAGING = (
    _vendor("slack_token", "Slack token", ("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe"),
            r"xox(?:[bpars]|e\.xox[bp]|e)-[0-9A-Za-z\-]{10,250}"),
    _vendor("slack_app_token", "Slack app-level token", ("xapp-",),
            r"xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]{32,}"),
    SecretRule("slack_webhook", "Slack incoming webhook", ("hooks.slack.com",),
               r"https://hooks\.slack\.com/(?:services|workflows|triggers)/"
               r"T[A-Z0-9]{6,}/[A-Z0-9]{6,}/[A-Za-z0-9]{20,}", origin="gitleaks"),
    SecretRule("teams_webhook", "Microsoft Teams incoming webhook", ("webhook.office.com",),
               r"https://[a-z0-9\-]+\.webhook\.office\.com/webhookb2/[a-f0-9\-]{36}@"
               r"[a-f0-9\-]{36}/IncomingWebhook/[a-f0-9]{32}/[a-f0-9\-]{36}",
               origin="gitleaks"),
    SecretRule("telegram_bot_token", "Telegram bot token", (":AA",),
               r"(?<![\w:])\d{8,10}:AA[A-Za-z0-9_\-]{33}" + _E, min_entropy=3.5,
               origin="detect-secrets (with gitleaks' leading A)"),
    _named("discord_token", "Discord bot token or secret", "discord",
           r"[MNO][A-Za-z0-9_\-]{23,25}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38}|[a-f0-9]{64}"),
    _vendor("sendgrid_key", "SendGrid API key", ("SG.",),
            r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}", 3.5),
    _vendor("sendinblue_key", "Brevo (Sendinblue) API key", ("xkeysib-",),
            r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}"),
    _named("mailgun_key", "Mailgun API key", "mailgun", r"key-[a-f0-9]{32}"),
    SecretRule("mailchimp_key", "Mailchimp API key", ("-us",),
               r"\b[a-f0-9]{32}-us\d{1,2}\b", min_entropy=3.0, origin="detect-secrets"),
    _vendor("twilio_key", "Twilio API key", ("SK",), r"SK[0-9a-fA-F]{32}"),
    _named("twitter_secret", "Twitter/X API secret", "twitter", r"[A-Za-z0-9]{45,50}", 4.0),
    _named("facebook_secret", "Facebook app secret", "facebook", r"[a-f0-9]{32}"),
)

_COMMERCE = (
    _vendor("stripe_key", "Stripe secret or restricted key",
            ("sk_live_", "sk_test_", "rk_live_", "rk_test_"),
            r"[rs]k_(?:live|test)_[A-Za-z0-9]{24,99}", 3.5),
    _vendor("shopify_token", "Shopify access token", ("shpat_", "shpca_", "shppa_", "shpss_"),
            r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
    _vendor("square_token", "Square access token or secret", ("sq0atp-", "sq0csp-"),
            r"sq0(?:atp|csp)-[A-Za-z0-9_\-]{22,60}"),
)

_OPS = (
    _vendor("grafana_token", "Grafana cloud or service-account token", ("glc_", "glsa_"),
            r"glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}"),
    _vendor("dynatrace_token", "Dynatrace API token", ("dt0c01.",),
            r"dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}", 3.5),
    _vendor("new_relic_key", "New Relic user API key", ("NRAK-",), r"NRAK-[A-Z0-9]{27}"),
    _vendor("sentry_token", "Sentry user auth token", ("sntryu_",), r"sntryu_[a-f0-9]{64}"),
    _named("datadog_key", "Datadog API or application key", "datadog", r"[a-f0-9]{32,40}"),
    _named("okta_token", "Okta API token", "okta", r"00[A-Za-z0-9_=\-]{40}", 3.5),
    _vendor("age_secret_key", "age encryption secret key", ("AGE-SECRET-KEY-1",),
            r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
)

_FORMATS = (
    # The reported value is the header (`BEGIN RSA PRIVATE KEY`), as detect-secrets reports it,
    # so baselines agree; the key material may follow on the next lines, after `\n` escapes
    # in a string literal, or on the same line (a log line).
    SecretRule("private_key", "Private key block", ("PRIVATE KEY",),
               r"-----(BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?)-----"
               r"(?:\\[rn]|[\r\n \t]|[\"']\s*\+?\s*[\"'])+"
               r"(?:[A-Za-z][\w\-]*:[^\n\\]*(?:\\[rn]|[\r\n])+)*[A-Za-z0-9+/=]{40,}",
               group=1, origin="detect-secrets (and key material required, as gitleaks)",
               check=rule_checks.private_key),
    SecretRule("jwt", "JSON Web Token", ("eyJ",),
               r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}",
               severity="medium", origin="detect-secrets"),
    # Both URL rules start at the literal `://` (a fast search) and check the scheme before it.
    SecretRule("database_url", "Database URL with a password", ("://",),
               r"://([^:/\s@\"'`<>()\[\]]{1,64}):([^@/\s\"'`<>]{1,128})@", group=2,
               origin="detect-secrets (BasicAuthDetector), database schemes",
               check=rule_checks.database_url),
    SecretRule("url_password", "URL with a user name and password", ("://",),
               r"://([^:/\s@\"'`<>()\[\]]{1,64}):([^@/\s\"'`<>]{3,128})@[\w\-\[]", group=2,
               origin="detect-secrets (BasicAuthDetector); .git-credentials",
               check=rule_checks.url_password),
    SecretRule("netrc_password", ".netrc machine password", ("machine",),
               r"\bmachine[ \t]+\S+(?:\s+(?:login|account|port)[ \t]+\S+)*\s+password[ \t]+"
               r"(\S+)", group=1, origin="brgit (netrc format)", check=rule_checks.plain_password),
    SecretRule("pgpass_password", "PostgreSQL .pgpass password", (":",),
               r"^[^:#\s]+:(?:\d+|\*):[^:\s]+:[^:\s]+:(\S+)$", group=1,
               origin="brgit (pgpass format)", files=(".pgpass", "pgpass", "pgpass.conf"),
               check=rule_checks.plain_password),
    SecretRule("npmrc_auth", "npm registry credential (_authToken, _auth, _password)",
               ("_authToken", "_auth", "_password"),
               r"(?:(?<=:)|(?<=^)|(?<=[ \t'\"]))(?:_authToken|_auth|_password)[ \t]*=[ \t]*"
               r"[\"']?([^\s#;\"']{8,})",
               group=1, min_entropy=3.0,
               origin="detect-secrets (NpmDetector), in any file, with _auth and _password",
               check=rule_checks.plain_password),
    SecretRule("docker_auth", "Docker registry credential (config.json \"auth\")", ('"auth"',),
               r"\"auth\"[ \t]*:[ \t]*\"([A-Za-z0-9+/]{8,}={0,2})\"", group=1,
               origin="brgit (docker config.json)", check=rule_checks.docker_auth),
    SecretRule("rails_master_key", "Rails master key", (),
               r"\A\s*([a-f0-9]{32})\s*\Z", group=1, min_entropy=3.0,
               origin="brgit (Rails master.key)", files=("master.key", "*.key")),
)

ALL: tuple[SecretRule, ...] = _AI + _CLOUD + _CODE_HOSTS + _MESSAGING + _COMMERCE + _OPS + _FORMATS
