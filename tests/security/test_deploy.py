"""Production settings pass Django's deployment checklist, refuse to start without a secret key,
and store passwords with Argon2. Each runs a separate production process, since the test
settings deliberately differ (a throw-away key, a fast hasher)."""

import os
import secrets
import subprocess
import sys

from alliance.settings import BASE_DIR

# The test process's own settings, and the browser tests' permission for async-unsafe calls,
# must not leak into the production process.
NOT_INHERITED = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "ALLIANCE_SECRET_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _production(*args: str, secret: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env |= {
        "ALLIANCE_ENV": "production",
        "ALLIANCE_ALLOWED_HOSTS": "alliance.example.org",
        "DJANGO_SETTINGS_MODULE": "alliance.settings",
    }
    if secret:
        env["ALLIANCE_SECRET_KEY"] = secrets.token_urlsafe(50)
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        cwd=BASE_DIR,
    )


def test_check_deploy_is_clean_under_production_settings() -> None:
    result = _production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _production("manage.py", "check", secret=False)
    assert result.returncode != 0
    assert "ALLIANCE_SECRET_KEY" in result.stderr


def test_passwords_are_hashed_with_argon2_in_production() -> None:
    probe = (
        "import django; django.setup(); "
        "from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password; "
        "print(get_hasher().algorithm, identify_hasher(make_password('a pass phrase')).algorithm)"
    )
    result = _production("-c", probe)
    assert result.stdout.split() == ["argon2", "argon2"], result.stderr


def test_production_e_mail_goes_to_the_smtp_server_the_environment_names() -> None:
    # Django 6.1's SMTP mailer refuses to start without a host; links by e-mail depended on it.
    probe = (
        "import os, django; os.environ['ALLIANCE_EMAIL_HOST'] = 'smtp.example.org'; "
        "os.environ['ALLIANCE_EMAIL_PORT'] = '2525'; django.setup(); "
        "from django.core.mail import mailers; m = mailers['default']; "
        "print(type(m).__name__, m.host, m.port, m.use_tls)"
    )
    result = _production("-c", probe)
    assert result.stdout.split() == ["EmailBackend", "smtp.example.org", "2525", "True"], (
        result.stderr
    )
