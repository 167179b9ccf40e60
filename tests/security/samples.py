"""Labeled fake secrets, generated at test time from pieces (nothing real-format is stored).

`positives()` yields (rule, file name, text) with exactly one secret of that rule;
`negatives()` yields (label, file name, text) that look like secrets but are not.
Run `python -m tests.security.samples` to print recall and false positives for docs/SECURITY.md.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Iterator

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B32 = string.ascii_uppercase + "234567"
UPPER_ALNUM = string.ascii_uppercase + string.digits
_rng = random.Random(20261122)


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt() -> str:
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps({"sub": rand(10), "iat": 1767225600}).encode())
    return f"{head}.{body}.{rand(43, ALNUM + '-_')}"


def private_key() -> str:
    body = "\n".join(rand(64, ALNUM + "+/") for _ in range(6))
    kind = "RSA " + "PRIVATE KEY"
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n"


def tokens() -> dict[str, str]:
    """One fresh value per named rule."""
    return {
        "anthropic_key": "sk-ant-" + "api03-" + rand(93, ALNUM + "-_") + "AA",
        "anthropic_admin_key": "sk-ant-" + "admin01-" + rand(93, ALNUM + "-_") + "AA",
        "openai_project_key": "sk-" + "proj-" + rand(74, ALNUM + "-_") + "T3Blbk" + "FJ" + rand(74),
        "openai_service_account_key": "sk-" + "svcacct-" + rand(74, ALNUM + "-_") + "T3Blbk" + "FJ" + rand(74),
        "openai_admin_key": "sk-" + "admin-" + rand(74, ALNUM + "-_") + "T3Blbk" + "FJ" + rand(74),
        "openai_key": "sk-" + rand(20) + "T3Blbk" + "FJ" + rand(20),
        "openrouter_key": "sk-" + "or-v1-" + rand(64, HEX),
        "aws_access_key_id": "AK" + "IA" + rand(16, B32),
        "github_token": "gh" + "p_" + rand(36),
        "github_fine_grained_pat": "github" + "_pat_" + rand(22) + "_" + rand(59),
        "gitlab_token": "gl" + "pat-" + rand(20, ALNUM + "-_"),
        "slack_token": "xo" + "xb-" + rand(11, string.digits) + "-" + rand(13, string.digits) + "-" + rand(24),
        "stripe_key": "sk" + "_live_" + rand(48),
        "google_api_key": "AI" + "za" + rand(35, ALNUM + "-_"),
        "huggingface_token": "hf" + "_" + rand(34, string.ascii_letters),
        "npm_token": "np" + "m_" + rand(36),
        "pypi_token": "pypi-" + "AgEIcHlwaS5vcmc" + rand(70, ALNUM + "-_"),
        "sendgrid_key": "S" + "G." + rand(22, ALNUM + "-_") + "." + rand(43, ALNUM + "-_"),
        "twilio_key": "S" + "K" + rand(32, HEX),
        "digitalocean_token": "do" + "p_v1_" + rand(64, HEX),
        "shopify_token": "shp" + "at_" + rand(32, HEX),
        "databricks_token": "da" + "pi" + rand(32, HEX),
        "jwt": jwt(),
        "groq_key": "gs" + "k_" + rand(52),
        "perplexity_key": "pp" + "lx-" + rand(48),
        "xai_key": "xa" + "i-" + rand(80),
        "replicate_token": "r" + "8_" + rand(37),
        "langsmith_key": "lsv" + "2_pt_" + rand(32, HEX) + "_" + rand(10, HEX),
        "azure_ad_client_secret": rand(3) + "8Q" + "~" + rand(34, ALNUM + "_~."),
        "alibaba_access_key_id": "LT" + "AI" + rand(20),
        "hashicorp_tf_token": rand(14) + ".atlas" + "v1." + rand(67, ALNUM + "_-"),
        "vault_token": "hv" + "s." + rand(95, ALNUM + "_-"),
        "doppler_token": "dp" + ".pt." + rand(43),
        "pulumi_token": "pu" + "l-" + rand(40, HEX),
        "flyio_token": "fo" + "1_" + rand(43, ALNUM + "_-"),
        "planetscale_token": "pscale" + "_tkn_" + rand(43, ALNUM + "_"),
        "rubygems_token": "ruby" + "gems_" + rand(48, HEX),
        "atlassian_api_token": "ATA" + "TT3" + rand(186, ALNUM + "_-"),
        "linear_api_key": "lin" + "_api_" + rand(40),
        "postman_api_key": "PM" + "AK-" + rand(24, HEX) + "-" + rand(34, HEX),
        "slack_app_token": "xa" + "pp-1-A" + rand(10, UPPER_ALNUM) + "-" + rand(13, string.digits) + "-" + rand(64, HEX),
        "teams_webhook": "https://acme.webhook" + ".office.com/webhookb2/" + uuid() + "@" + uuid() + "/IncomingWebhook/" + rand(32, HEX) + "/" + uuid(),
        "telegram_bot_token": rand(9, string.digits) + ":A" + "A" + rand(33, ALNUM + "_-"),
        "sendinblue_key": "xkey" + "sib-" + rand(64, HEX) + "-" + rand(16),
        "mailchimp_key": rand(32, HEX) + "-u" + "s12",
        "square_token": "sq0" + "atp-" + rand(22, ALNUM + "_-"),
        "grafana_token": "gl" + "sa_" + rand(32) + "_" + rand(8, HEX),
        "dynatrace_token": "dt0" + "c01." + rand(24, UPPER_ALNUM) + "." + rand(64, UPPER_ALNUM),
        "new_relic_key": "NR" + "AK-" + rand(27, UPPER_ALNUM),
        "sentry_token": "sntr" + "yu_" + rand(64, HEX),
        "age_secret_key": "AGE-SECRET" + "-KEY-1" + rand(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"),
    }


def uuid() -> str:
    return "-".join(rand(n, HEX) for n in (8, 4, 4, 4, 12))


def named_tokens() -> dict[str, tuple[str, str]]:
    """Rules that need the vendor's name next to the value: (name, value)."""
    return {
        "cohere_key": ("COHERE_API_KEY", rand(40)),
        "mistral_key": ("MISTRAL_API_KEY", rand(32)),
        "heroku_api_key": ("HEROKU_API_KEY", uuid()),
        "cloudflare_api_token": ("CLOUDFLARE_API_TOKEN", rand(40, ALNUM + "_-")),
        "snyk_token": ("SNYK_TOKEN", uuid()),
        "sonar_token": ("SONAR_TOKEN", "sq" + "p_" + rand(40, HEX)),
        "artifactory_token": ("ARTIFACTORY_API_KEY", "AK" + "C" + rand(70)),
        "discord_token": ("DISCORD_BOT_TOKEN", "M" + rand(24, ALNUM + "_-") + "." + rand(6) + "." + rand(38, ALNUM + "_-")),
        "mailgun_key": ("MAILGUN_API_KEY", "ke" + "y-" + rand(32, HEX)),
        "twitter_secret": ("TWITTER_CONSUMER_SECRET", rand(50)),
        "facebook_secret": ("FACEBOOK_APP_SECRET", rand(32, HEX)),
        "datadog_key": ("DATADOG_API_KEY", rand(32, HEX)),
        "okta_token": ("OKTA_API_TOKEN", "0" + "0" + rand(40, ALNUM + "_-")),
    }


def positives() -> Iterator[tuple[str, str, str]]:
    for rule, value in tokens().items():
        yield rule, "config.py", f'SETTING = "{value}"\n'
    yield "anthropic_key", "client.py", (
        "import anthropic\n\nclient = anthropic.Anthropic(api_key=\""
        + tokens()["anthropic_key"] + "\")\n")
    yield "aws_secret_access_key", "aws.ini", (
        "[default]\naws_secret_access_key = " + rand(40, ALNUM + "/+") + "\n")
    yield "slack_webhook", "notify.js", (
        "const url = 'https://hooks.slack.com/services/T" + rand(8, UPPER_ALNUM) + "/B"
        + rand(10, UPPER_ALNUM) + "/" + rand(24) + "';\n")
    yield "azure_storage_key", "azure.env", (
        "AZURE=DefaultEndpointsProtocol=https;AccountName=acct;AccountKey="
        + rand(86, ALNUM + "/+") + "==;EndpointSuffix=core.windows.net\n")
    yield "private_key", "id_rsa", private_key()
    for rule, (name, value) in named_tokens().items():
        yield rule, "settings.py", f'{name} = "{value}"\n'
    from tests.security import leaks

    yield from leaks.format_examples()
    yield "database_url", "settings.py", (
        'DATABASE_URL = "postgresql://app:' + rand(18) + '@db.internal:5432/app"\n')
    yield from _generic()


def _generic() -> Iterator[tuple[str, str, str]]:
    secret = rand(20, ALNUM + "!#%")
    yield "generic_secret", "app.py", f'DB_PASSWORD = "{secret}"\n'
    yield "generic_secret", "db.py", f'conn = connect(host="db", password="{rand(16)}")\n'
    yield "generic_secret", "typed.py", f'api_token: str = "{rand(24)}"\n'
    yield "generic_secret", ".env", f"SERVICE_API_KEY={rand(32)}\n"
    yield "generic_secret", "deploy.yaml", f"database:\n  password: {rand(18)}\n"
    yield "generic_secret", "creds.json", json.dumps({"client_secret": rand(30)}) + "\n"
    yield "generic_secret", "app.ini", f"[db]\npassword = {rand(14)}\n"
    yield "generic_secret", "app.properties", f"db.password={rand(14)}\n"
    yield "generic_secret", "server.js", f"const authToken = '{rand(28)}';\n"


def negatives() -> Iterator[tuple[str, str, str]]:
    yield "aws documentation key", "a.py", 'KEY = "AKIA' + 'IOSFODNN7EXAMPLE"\n'
    yield "environment lookup", "b.py", 'api_key = os.environ["ANTHROPIC_API_KEY"]\n'
    yield "getenv with None", "c.py", 'token = os.getenv("GITHUB_TOKEN", None)\n'
    yield "shell template", "d.py", 'password = "${DB_PASSWORD}"\n'
    yield "jinja template", "e.yaml", "token: \"{{ secrets.TOKEN }}\"\n"
    yield "your-key-here", "f.py", 'api_key = "your-api-key-here"\n'
    yield "anthropic placeholder", "g.py", 'KEY = "sk-ant-' + 'api03-' + "x" * 93 + 'AA"\n'
    yield "low-entropy github", "h.py", 'T = "gh' + 'p_' + "0" * 36 + '"\n'
    yield "empty password", "i.py", 'password = ""\n'
    yield "None password", "j.py", "password = None\n"
    yield "token url", "k.py", 'token_url = "https://auth.example.com/oauth/token"\n'
    yield "field name", "l.py", 'PASSWORD_FIELD = "password_confirmation"\n'
    yield "identifier value", "m.py", 'grant = {"grant_type": "refresh_token"}\n'
    yield "prose", "n.md", "Set the password in your environment before you run the tool.\n"
    yield "db url with env", "o.py", 'URL = "postgres://app:${DB_PASS}@db:5432/app"\n'
    yield "db url no password", "p.py", 'URL = "mysql://root@localhost/app"\n'
    yield "public key", "q.pem", "-----BEGIN PUBLIC KEY-----\n" + "A" * 64 + "\n"
    yield "stripe publishable", "r.js", "const pk = 'pk" + "_live_" + rand(24) + "';\n"
    yield "secret from call", "s.py", 'secret = vault.read("kv/app")\n'
    yield "env var reference", ".env", "API_KEY=${API_KEY}\n"
    yield "empty env", "t.env", "API_KEY=\n"
    yield "git sha", "u.py", 'COMMIT = "' + rand(40, HEX) + '"\n'
    yield "uuid", "v.py", 'request_id = "123e4567-e89b-12d3-a456-426614174000"\n'
    yield "single jwt segment", "w.py", 'HEADER = "' + b64url(b'{"alg":"HS256"}') + '"\n'
    yield "comparison", "x.py", 'if password == "":\n    pass\n'
    yield "redacted", "y.yaml", "password: '********'\n"
    yield "changeme", "z.ini", "[db]\npassword = changeme\n"
    yield "password prompt", "aa.py", 'prompt = "Enter password:"\n'
    yield "token type", "bb.py", 'token_type = "Bearer"\n'
    yield "masked in docs", "cc.md", "key: sk-a...f456\n"
    yield "test key in a test", "test_x.py", 'make_client(api_key="sk-ant-test-key-000")\n'
    yield "sequential fake", "dd.py", 'env = {"ANTHROPIC_API_KEY": "gw-0123456789abcdef"}\n'
    yield "entry point", "pyproject.toml", 'br-secrets = "brgit.hooks.secrets:main"\n'
    yield "format field", "ee.py", "line = f'password=\"{secret_value}\"'\n"


def measure() -> tuple[int, int, int, int, dict[str, int]]:
    from brgit.security.secrets import SecretScanner

    scanner = SecretScanner()
    pos = list(positives())
    hits = 0
    per_rule: dict[str, int] = {}
    for rule, name, text in pos:
        found = {f.rule for f in scanner.findings(text, name)}
        if rule in found:
            hits += 1
            per_rule[rule] = per_rule.get(rule, 0) + 1
    neg = list(negatives())
    false = sum(bool(scanner.findings(text, name)) for _, name, text in neg)
    return hits, len(pos), false, len(neg), per_rule


if __name__ == "__main__":
    found, total, false_positives, clean = measure()[:4]
    print(f"recall {found}/{total} = {found / total:.2f}; "
          f"false positives {false_positives}/{clean} look-alikes")
