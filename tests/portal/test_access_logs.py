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


BYPASSES = {
    "percent-encoded path": "GET /%74m/auth?email=a%40b&password=s3cret HTTP/1.1",
    "encoded slash": "GET /tm%2Fauth?email=a%40b&password=s3cret HTTP/1.1",
    "absolute form": "GET http://portal.example/tm/auth?email=a%40b&password=s3cret HTTP/1.1",
    "merged slashes": "GET //tm/./auth?email=a%40b&password=s3cret HTTP/1.1",
}
CAPABILITY_URLS = {
    "join link": "/join/s3cret.join-token/",
    "cancel link": "/w/board-webinar/cancel/s3cret:cancel-token/",
    "meeting-list URL": "/tm/meetings/s3cret-query-token",
}


@pytest.mark.parametrize("line", BYPASSES.values(), ids=BYPASSES.keys())
def test_runserver_keeps_no_callback_query_however_the_target_is_written(caplog, line):
    with caplog.at_level(logging.INFO):
        logging.getLogger("django.server").info('"%s" %s %s', line, "200", "9")
    assert "s3cret" not in caplog.text and "email=" not in caplog.text
    assert "/tm/auth HTTP/1.1" in caplog.text


@pytest.mark.parametrize("path", CAPABILITY_URLS.values(), ids=CAPABILITY_URLS.keys())
def test_capability_urls_are_logged_with_their_token_masked(caplog, path):
    with caplog.at_level(logging.INFO):
        logging.getLogger("django.server").info('"%s" %s %s', f"GET {path} HTTP/1.1", "200", "9")
    assert "s3cret" not in caplog.text
    assert path.split("s3cret")[0] + "***" in caplog.text  # what kind of link, not which


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["join link", "cancel link"])  # /tm/* answers FAILED in XML
def test_not_found_warnings_keep_no_capability_token(client, caplog, kind):
    """A stale or tampered link is a 404, which Django logs with its path."""
    path = CAPABILITY_URLS[kind]
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(path).status_code == 404
    assert f"Not Found: {path.split('s3cret')[0]}***/" in caplog.text
    assert "s3cret" not in caplog.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _send_raw(port: int, request_line: str) -> None:
    """A request line as written, which an HTTP library would normalise first."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(f"{request_line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        while conn.recv(65536):
            pass


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX only")
def test_gunicorn_logs_callbacks_without_their_query_string(tmp_path):
    port, log = _free_port(), tmp_path / "access.log"
    env = os.environ | {"SECRET_KEY": "x", "DEBUG": "true", "DATABASE_URL": "sqlite://"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(log), "--workers", "1",
         "--access-logformat", '%(h)s "%(r)s" %(s)s %(U)s?%(q)s "%(f)s" "%({referer}i)s"'],
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
        for line in BYPASSES.values():
            _send_raw(port, line.replace("portal.example", f"127.0.0.1:{port}"))
        for path in CAPABILITY_URLS.values():
            requests.get(f"{base}{path}", headers={"Referer": f"{base}{path}"}, timeout=5)
        requests.get(f"{base}/healthz?check=database", timeout=5)
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text()
    assert sum("/tm/auth" in line for line in text.splitlines()) == 1 + len(BYPASSES)
    assert "s3cret" not in text and "email=" not in text
    assert "/join/***/" in text
    assert "/healthz?check=database" in text
