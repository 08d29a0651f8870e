"""What the gunicorn benchmarks share: the bench's own views beside the portal's URLs,
the app factory, and starting gunicorn and waiting until it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import requests
from django.urls import URLPattern, URLResolver, include, path

if TYPE_CHECKING:
    from django.core.handlers.wsgi import WSGIHandler

BASE_DIR = Path(__file__).resolve().parent.parent


def beside_the_portal(bench: list[URLPattern]) -> list[URLPattern | URLResolver]:
    """The bench's views under /bench/, behind an include like the portal's own pages, so
    that URL resolution costs both the same; the portal's URLs beside them."""
    return [path("bench/", include(bench)), path("", include("portal.urls"))]


def wsgi_with_urls(urlconf: str) -> WSGIHandler:
    """The portal as a WSGI app whose ROOT_URLCONF is the bench module ``urlconf`` (the
    bench's URLs stay out of the product's)."""
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    settings.ROOT_URLCONF = urlconf
    return application


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(app: str, *, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    """gunicorn serving ``app`` (``module:factory()``) on 127.0.0.1:``port``."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        app,
    ]
    env = env | {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BASE_DIR), env.get("PYTHONPATH")]))
    }
    return subprocess.Popen(command, cwd=BASE_DIR, env=env)


#: Four workers booting on a loaded machine can take a while.
BOOT_SECONDS = 120


def wait_until_up(url: str, server: subprocess.Popen) -> None:
    """Until ``url`` answers 200 (at most 30 s); an error if gunicorn exits first."""
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or a worker still booting
            pass
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer within 30 s")
