"""The portal's own processes, started as a deployment runs them: gunicorn and Celery
workers on the test database (PostgreSQL), for the load and scale-out scenarios."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (CI runs it with DATABASE_URL=postgres://...)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def portal_env(static_root: Path, **extra: str) -> dict[str, str]:
    """The environment of a production-like process on the test database."""
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return (
        os.environ
        | {
            "DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
            "SECRET_KEY": "reliability-secret-key",
            "DEBUG": "false",
            "STATIC_ROOT": str(static_root),
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "EMAIL_URL": "dummymail://",
        }
        | extra
    )


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log: Path, *, workers: int = 4) -> Iterator[str]:
    """gunicorn serving the portal; yields its base URL once a worker answers."""
    port = free_port()
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--error-logfile", "-"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):  # booting the workers takes a few seconds
            try:
                requests.get(f"{base}/healthz?check=database", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


@contextlib.contextmanager
def celery_worker(env: dict[str, str], log: Path, name: str) -> Iterator[None]:
    """A Celery worker of its own (one process), ready when this returns."""
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--concurrency", "1",
             "--pool", "solo", "--hostname", f"{name}@%h", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while " ready." not in log.read_text() and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()[-2000:]
            time.sleep(0.2)
        yield
    finally:
        worker.terminate()
        worker.wait(timeout=20)
