import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vendors.turbomeeting.checks import proxies_are_not_callers

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
    )


PRODUCTION = {
    "SECRET_KEY": "x" * 20 + "production-like-secret-key-0123456789abcdef",
    "ALLOWED_HOSTS": "portal.example.com",
    "TM_SERVICE_COMPANY_UID": "partner-7f3a",
    "TM_INTEGRATION_CODE": "integration-91c2",
    "TM_ADMIN_PASSWORD": "a-real-admin-password",
    "TM_PASSWORD_ENCODING": "fernet",
    "TM_PASSWORD_KEY": "fWTjN5N8cZ0Jb6i9pKc0ZQbQ6m2m2q7Jm5m3a1nJc0E=",
    "EMAIL_URL": "smtp+tls://portal:mail-password@mail.example.com:587",
    "SITE_URL": "https://portal.example.com",
}


def test_deploy_check_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_warns_of_clear_text_callback_passwords():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION | {"TM_PASSWORD_ENCODING": "plain"},
    )
    assert result.returncode != 0 and "portal.W002" in result.stderr + result.stdout
    assert (
        manage("check", "--deploy", **PRODUCTION | {"TM_PASSWORD_ENCODING": "plain"}).returncode
        == 0
    )


def test_deploy_check_refuses_mail_to_the_console_and_links_to_localhost():
    """Join links and password resets would land in the log, pointing at localhost."""
    unset = {k: v for k, v in PRODUCTION.items() if k not in {"EMAIL_URL", "SITE_URL"}}
    result = manage("check", "--deploy", **unset)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "portal.E007" in output and "would go to the log" in output
    assert "portal.E008" in output and "SITE_URL is 'http://localhost:8000'" in output
    local = manage("check", "--deploy", **PRODUCTION | {"SITE_URL": "http://127.0.0.1:8000"})
    assert local.returncode != 0 and "portal.E008" in local.stdout + local.stderr
    # A development run (DEBUG) needs neither.
    assert manage("check", "--deploy", **unset | {"DEBUG": "true"}).returncode == 0


def test_an_unknown_password_encoding_is_an_error():
    result = manage("check", **PRODUCTION | {"TM_PASSWORD_ENCODING": "rot13"})
    assert result.returncode != 0
    assert "portal.E006" in result.stderr + result.stdout
    assert "fernet, plain" in result.stderr + result.stdout


def test_deploy_check_refuses_an_empty_password_key():
    result = manage("check", "--deploy", **PRODUCTION | {"TM_PASSWORD_KEY": ""})
    assert result.returncode != 0
    assert "TM_PASSWORD_KEY is empty" in result.stderr + result.stdout


def test_a_trusted_proxy_may_not_also_be_an_allowed_caller():
    """Else anything at a proxy's address could send X-Forwarded-For: <the server>."""
    overlapping = {"TRUSTED_PROXIES": "127.0.0.0/8", "TM_CALLBACK_ALLOWED_IPS": "127.0.0.1"}
    result = manage("check", **PRODUCTION | overlapping)
    assert result.returncode != 0
    assert "TRUSTED_PROXIES overlaps TM_CALLBACK_ALLOWED_IPS" in result.stderr + result.stdout
    apart = {"TRUSTED_PROXIES": "10.0.0.5", "TM_CALLBACK_ALLOWED_IPS": "192.0.2.10,::1"}
    assert manage("check", **PRODUCTION | apart).returncode == 0


@pytest.mark.parametrize(
    ("proxy", "caller", "errors"),
    [
        ("::ffff:127.0.0.0/104", "127.0.0.1", ["portal.E002"]),
        ("10.0.0.0/8", "::ffff:10.1.2.3", ["portal.E002"]),
        ("::ffff:0:0/96", "192.0.2.10", ["portal.E002"]),
        ("::/0", "192.0.2.10", ["portal.E002"]),
        ("::ffff:10.0.0.0/104", "127.0.0.1", []),
        ("10.0.0.0/8", "::ffff:127.0.0.1", []),
    ],
)
def test_an_ipv4_mapped_network_is_the_ipv4_network_it_maps(settings, proxy, caller, errors):
    """::ffff:127.0.0.1 is 127.0.0.1 reaching a dual-stack socket."""
    settings.TRUSTED_PROXIES, settings.TM_CALLBACK_ALLOWED_IPS = [proxy], [caller]
    assert [error.id for error in proxies_are_not_callers(None)] == errors


def test_deploy_check_refuses_the_demo_credentials():
    result = manage(
        "check",
        "--deploy",
        SECRET_KEY="x" * 20 + "production-like-secret-key-0123456789abcdef",
        ALLOWED_HOSTS="portal.example.com",
    )
    assert result.returncode != 0
    assert "TM_SERVICE_COMPANY_UID still has the demo value" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_reading_the_settings_makes_no_folders_and_celery_makes_its_own(tmp_path):
    """The settings of a deployment (its own DATABASE_URL) can be read on a read-only
    file system; the embedded broker's folders appear when Celery is first used."""
    (tmp_path / "copied").mkdir()
    shutil.copy(ROOT / "portal" / "settings.py", tmp_path / "copied" / "settings.py")
    script = (
        "from django.conf import settings\n"
        "print(settings.VAR_DIR.exists(), flush=True)\n"
        "from portal.celery import app\n"
        "app.conf.broker_url\n"
        "print(sorted(path.name for path in (settings.VAR_DIR / 'celery').iterdir()))\n"
    )
    unset = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in unset}
        | {
            "DEBUG": "true",
            "DATABASE_URL": "postgres://portal@db.example/portal",
            "PYTHONPATH": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "copied.settings",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["False", "['control', 'processed', 'queue', 'results']"]


def _connection_settings(**env):
    shown = "from django.db import connection as c; d = c.settings_dict; "
    shown += "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    result = manage("shell", "-c", shown, DEBUG="true", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-1].split()


def test_database_connections_persist_as_long_as_the_environment_says_and_are_checked():
    assert _connection_settings(DATABASE_CONN_MAX_AGE="60") == ["60", "True"]
    assert _connection_settings() == ["0", "True"]  # Django's default: one a request
    # The database URL's own option wins, as django-environ reads it.
    url = "sqlite:////tmp/portal-conn-age.sqlite3?conn_max_age=5"
    assert _connection_settings(DATABASE_URL=url, DATABASE_CONN_MAX_AGE="60") == ["5", "True"]
