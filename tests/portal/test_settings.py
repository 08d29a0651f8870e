import os
import subprocess
import sys
from pathlib import Path

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


def test_deploy_check_passes_with_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x" * 20 + "production-like-secret-key-0123456789abcdef",
        ALLOWED_HOSTS="portal.example.com",
        TM_SERVICE_COMPANY_UID="partner-7f3a",
        TM_INTEGRATION_CODE="integration-91c2",
        TM_ADMIN_PASSWORD="a-real-admin-password",
    )
    assert result.returncode == 0, result.stdout + result.stderr


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
