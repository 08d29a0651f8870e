"""The meeting server sends passwords in /tm/auth's query string: no access log keeps them."""

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def test_runserver_logs_callbacks_without_their_query_string(caplog):
    server = logging.getLogger("django.server")  # what runserver logs each request to
    with caplog.at_level(logging.INFO):
        server.info('"%s" %s %s', "GET /tm/auth?email=a%40b&password=s3cret HTTP/1.1", "200", "9")
        server.info('"%s" %s %s', "GET /p/acme/meetings/?page=2 HTTP/1.1", "200", "9")
    assert "s3cret" not in caplog.text and "email=" not in caplog.text
    assert '"GET /tm/auth HTTP/1.1" 200' in caplog.text
    assert "/p/acme/meetings/?page=2" in caplog.text  # other paths keep theirs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX only")
def test_gunicorn_logs_callbacks_without_their_query_string(tmp_path):
    port, log = _free_port(), tmp_path / "access.log"
    env = os.environ | {"SECRET_KEY": "x", "DEBUG": "true", "DATABASE_URL": "sqlite://"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(log), "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz?check=database", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):  # still starting
                time.sleep(0.1)
        requests.get(f"{base}/tm/auth?email=a%40b.example&password=s3cret-token", timeout=5)
        requests.get(f"{base}/healthz?check=database", timeout=5)
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text()
    assert "/tm/auth" in text and "s3cret" not in text and "email=" not in text
    assert "/healthz?check=database" in text
