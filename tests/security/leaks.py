"""Secrets as people leak them, by class: samples written for brgit's tests (none copied from
any corpus; every value is generated at test time from pieces).

`positives()` yields (rule, class, file name, text) holding one leaked credential;
`negatives()` yields (class, file name, text) that hold none (documented examples,
placeholders, hashes, encrypted values). `python -m tests.security.leaks` prints recall and
false positives per class (the figures in docs/SECURITY.md).
"""

from __future__ import annotations

import base64
import json
import string
from collections.abc import Iterator

from tests.security.samples import ALNUM, rand

PUNCT = ALNUM + "!@#%^&*()-_=+[]{}<>~.,;:/?|"


def human() -> str:
    """A human password: a word, digits, maybe a symbol (low entropy, not random)."""
    word = rand(1, string.ascii_uppercase) + rand(6, string.ascii_lowercase)
    return word + rand(2, string.digits) + rand(1, "!#%")


def pem_body(lines: int = 4) -> list[str]:
    return [rand(64, ALNUM + "+/") for _ in range(lines)]


KEY_WORDS = "PRIVATE" + " KEY"


def format_examples() -> Iterator[tuple[str, str, str]]:
    """One example per file-format rule (for the one-fixture-per-rule test)."""
    for rule, _cls, name, text in positives():
        if rule in {"netrc_password", "pgpass_password", "npmrc_auth", "docker_auth",
                    "url_password", "rails_master_key"}:
            yield rule, name, text


def positives() -> Iterator[tuple[str, str, str, str]]:
    yield from _human_passwords()
    yield from _unquoted()
    yield from _extensionless()
    yield from _php()
    yield from _credential_files()
    yield from _keys_in_strings()


def _human_passwords() -> Iterator[tuple[str, str, str, str]]:
    c = "human password in config"
    g = "generic_secret"
    yield g, c, "db.json", json.dumps({"db": {"user": "app", "password": human()}}) + "\n"
    yield g, c, "app.yaml", f"database:\n  user: app\n  password: {human()}\n"
    yield g, c, "settings.ini", f"[mysql]\nuser = app\npassword = {human()}\n"
    yield g, c, ".env.production", f"DB_USER=app\nDB_PASSWORD={human()}\n"
    yield g, c, "app.properties", f"spring.datasource.password={human()}\n"
    yield g, c, "servers.xml", f"<server><user>ftp</user><Pass>{human()}</Pass></server>\n"
    yield g, c, "web.config", f'<appSettings><add key="DbPassword" value="{human()}" /></appSettings>\n'
    yield g, c, "sources.xml", f'<datasource user="app" password="{human()}"/>\n'
    yield g, c, "config.toml", f'[db]\npassword = "{human()}"\n'
    yield g, c, "connect.py", f'conn = connect(user="app", password="{human()}")\n'


def _unquoted() -> Iterator[tuple[str, str, str, str]]:
    c = "unquoted value with a comment"
    g = "generic_secret"
    yield g, c, "app.ini", f"[db]\npassword = {human()}  # production\n"
    yield g, c, "setup.cfg", f"[upload]\npassword: {human()} ; the release account\n"
    yield g, c, ".s3cfg", f"[default]\nsecret_key = {rand(40, ALNUM + '/+')}  # rotated monthly\n"
    yield g, c, "service.env", f"API_TOKEN={rand(12)}#{rand(12)}\n"
    yield g, c, "deploy.yml", f"smtp:\n  password: {human()} # ask ops\n"


def _extensionless() -> Iterator[tuple[str, str, str, str]]:
    c = "extension-less credential file"
    g = "generic_secret"
    yield g, c, "cloud/.credentials", f"[default]\nclient_secret = {rand(32)}\n"
    yield g, c, "credentials", f"username = deploy\npassword = {human()}\n"
    yield g, c, "Dockerfile", f"FROM python:3.12\nENV DB_PASSWORD={human()}\n"
    yield g, c, ".bash_profile", f"export GITHUB_SECRET={rand(30)}\n"


def _php() -> Iterator[tuple[str, str, str, str]]:
    c = "PHP define and WordPress salts"
    g = "generic_secret"
    yield g, c, "wp-config.php", f"<?php\ndefine( 'DB_PASSWORD', '{human()}' );\n"
    salt = rand(64, PUNCT.replace("'", ""))
    yield g, c, "wp-config.php", f"<?php\ndefine('AUTH_KEY',         '{salt}');\n"
    yield g, c, "config.php", f"<?php\n$config = ['password' => '{human()}'];\n"


def _credential_files() -> Iterator[tuple[str, str, str, str]]:
    c = "credential file formats"
    user = "deploy"
    yield ("netrc_password", c, ".netrc",
           f"machine api.example.org\n  login {user}\n  password {rand(20)}\n")
    yield ("netrc_password", c, "deploy.sh",
           f"echo 'machine git.example.org login {user} password {rand(16)}' > ~/.netrc\n")
    yield "pgpass_password", c, ".pgpass", f"db.internal:5432:app:{user}:{human()}\n"
    yield ("url_password", c, ".git-credentials",
           f"https://{user}:{rand(24)}@git.example.org\n")
    yield ("url_password", c, "mirror.py",
           f'MIRROR = "https://{user}:{human()}@files.example.org/pub"\n')
    auth = base64.b64encode(f"{user}:{human()}".encode()).decode()
    yield ("docker_auth", c, ".docker/config.json",
           json.dumps({"auths": {"registry.example.org": {"auth": auth}}}, indent=2) + "\n")
    yield ("npmrc_auth", c, ".npmrc",
           f"//registry.npmjs.org/:_authToken={rand(8, '0123456789abcdef')}-{rand(4, '0123456789abcdef')}-{rand(4, '0123456789abcdef')}-{rand(4, '0123456789abcdef')}-{rand(12, '0123456789abcdef')}\n")
    yield ("npmrc_auth", c, "ci/publish.sh",
           f"echo '//npm.example.org/:_authToken={rand(32)}' >> ~/.npmrc\n")
    yield "rails_master_key", c, "config/master.key", rand(32, "0123456789abcdef") + "\n"


def _keys_in_strings() -> Iterator[tuple[str, str, str, str]]:
    c = "keys in strings, logs and new formats"
    body = pem_body()
    escaped = "\\n".join([f"-----BEGIN {KEY_WORDS}-----", *body, f"-----END {KEY_WORDS}-----"])
    yield "private_key", c, "service-account.json", json.dumps({"type": "service_account"})[:-1] + f', "private_key": "{escaped}\\n"}}\n'
    yield "private_key", c, "keys.py", f'KEY = "{escaped}"\n'
    one_line = " ".join([f"-----BEGIN RSA {KEY_WORDS}-----", *body, f"-----END RSA {KEY_WORDS}-----"])
    yield "private_key", c, "app.log", f"2026-01-01 12:00:00 DEBUG loaded key {one_line}\n"
    no_aa = "sk-ant-" + "api03-" + rand(95, ALNUM + "-_")
    yield "anthropic_key", c, "client.py", f'ANTHROPIC_API_KEY = "{no_aa}"\n'
    telegram = rand(10, string.digits) + ":A" + "A" + rand(33, ALNUM + "_-")
    yield "telegram_bot_token", c, "bot.py", f'bot = Bot("{telegram}")\n'


def negatives() -> Iterator[tuple[str, str, str]]:
    c = "documented example credentials"
    yield c, "engine.py", 'engine = create_engine("oracle://scott:tiger@localhost/orcl")\n'
    yield c, "docs.rst", "    postgresql://scott:tiger@localhost/test\n"
    yield c, "aws.md", "aws_access_key_id = AKIA" + "IOSFODNN7EXAMPLE\n"
    yield c, "aws.ini", "[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY\n"
    yield c, "ftp.py", 'URL = "ftp://user:password@ftp.example.org/pub"\n'
    yield c, "compose.yml", "  environment:\n    POSTGRES_PASSWORD: postgres\n"
    c = "placeholders"
    yield c, "config.yaml", "db:\n  password: changeme\n"
    yield c, "app.ini", "[db]\npassword = <your-password>\n"
    yield c, ".env.example", "DB_PASSWORD=your_password_here\n"
    yield c, "wp-config-sample.php", "<?php\ndefine( 'AUTH_KEY', 'put your unique phrase here' );\n"
    yield c, ".npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"
    yield c, ".netrc", "machine api.example.org login me password $PASSWORD\n"
    yield c, "settings.json", '{"password": "********"}\n'
    c = "password hashes in fixtures"
    yield c, "users.json", json.dumps([{"model": "auth.user", "fields": {
        "username": "admin", "password": "pbkdf2_sha256$600000$" + rand(22) + "$" + rand(43) + "="}}]) + "\n"
    yield c, "users.yml", "- name: alice\n  password: $2b$12$" + rand(53, ALNUM + "./") + "\n"
    yield c, "ldap.ldif", "userPassword: {SSHA}" + rand(32, ALNUM + "+/") + "\n"
    yield c, "fixtures.py", 'USER = {"password_hash": "' + rand(64, "0123456789abcdef") + '"}\n'
    c = "encrypted values"
    yield c, "application.properties", "spring.datasource.password=ENC(" + rand(44, ALNUM + "+/") + ")\n"
    yield c, "secrets.enc.yaml", "password: ENC[AES256_GCM,data:" + rand(16) + ",iv:" + rand(22) + ",tag:" + rand(22) + ",type:str]\n"
    yield c, "bootstrap.yml", "spring:\n  password: '{cipher}" + rand(64, "0123456789abcdef") + "'\n"
    c = "fake keys and references"
    yield c, "test_keys.py", f'KEY = """-----BEGIN FAKE {KEY_WORDS}-----\n' + "\n".join(pem_body(2)) + f'\n-----END FAKE {KEY_WORDS}-----"""\n'
    yield c, "README.md", f"Paste your key here:\n-----BEGIN RSA {KEY_WORDS}-----\nMIIE...\n-----END RSA {KEY_WORDS}-----\n"
    yield c, "values.yaml", "postgresql:\n  existingSecret: db-credentials\n  passwordKey: db_password\n"
    yield c, "form.py", 'fields = {"password": forms.CharField(widget=forms.PasswordInput)}\n'
    yield c, "views.py", 'if request.POST["password"] != request.POST["password_confirmation"]:\n    pass\n'
    yield c, "docker.json", json.dumps({"auths": {"example.org": {"auth": base64.b64encode(b"user:password").decode()}}}) + "\n"


def measure() -> dict[str, tuple[int, int]]:
    """class -> (found, total) for positives, and (false positives, total) for negatives."""
    from brgit.security.secrets import SecretScanner

    scanner = SecretScanner()
    out: dict[str, tuple[int, int]] = {}
    for rule, cls, name, text in positives():
        found, total = out.get(cls, (0, 0))
        out[cls] = (found + any(f.rule == rule for f in scanner.findings(text, name)), total + 1)
    for cls, name, text in negatives():
        flagged, total = out.get("FP: " + cls, (0, 0))
        out["FP: " + cls] = (flagged + bool(scanner.findings(text, name)), total + 1)
    return out


if __name__ == "__main__":
    for cls, (hits, total) in measure().items():
        print(f"{cls}: {hits}/{total}")
