"""Load through real HTTP: gunicorn in front of PostgreSQL, many people at once.

Only on PostgreSQL (CI's second leg, or ``DATABASE_URL=postgres://...``):
SQLite serialises writers, and an in-memory test database is not shared
with another process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.factories import HostFactory
from tests.reliability.test_faults import Outcome
from tests.webinars.factories import WebinarFactory
from webinars.models import Registration, Webinar

ROOT = Path(__file__).resolve().parents[2]
PEOPLE, CAPACITY = 200, 100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """The portal under gunicorn (4 workers), on the test database."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (CI runs it with DATABASE_URL=postgres://...)")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": url,
        "SECRET_KEY": "load-test-secret-key",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_URL": "dummymail://",
        "WEBINAR_RATE_PER_IP": "100000/60",
        "WEBINAR_RATE_PER_WEBINAR": "100000/60",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "4", "--error-logfile", "-"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                requests.get(f"{base}/healthz?check=database", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_concurrent_registrations_fill_the_capacity_and_queue_the_rest(gunicorn, reliability_rows):
    host = HostFactory()
    webinar = WebinarFactory(
        host=host, capacity=CAPACITY, waiting_list=True, status=Webinar.Status.PUBLISHED
    )
    url = f"{gunicorn}/w/{webinar.slug}/register"

    def register(n: int) -> int:
        person = {"first_name": "P", "last_name": str(n), "email": f"p{n}@example.com"}
        return requests.post(url, json=person, timeout=60).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        codes = Counter(pool.map(register, range(PEOPLE)))
    seconds = time.monotonic() - started
    statuses = Counter(
        Registration.objects.filter(webinar=webinar).values_list("status", flat=True)
    )
    reliability_rows.append(
        Outcome(
            "registration, 200 at once",
            f"gunicorn x4, {PEOPLE / seconds:.0f} req/s",
            tried=PEOPLE,
            lost=PEOPLE - sum(statuses.values()),
            duplicated=max(0, statuses[Registration.Status.CONFIRMED] - CAPACITY),  # overbooked
            reconciled=codes == {201: PEOPLE},
            section="Load",
        )
    )
    assert codes == {201: PEOPLE}
    assert statuses == {
        Registration.Status.CONFIRMED: CAPACITY,
        Registration.Status.WAITLISTED: PEOPLE - CAPACITY,
    }
