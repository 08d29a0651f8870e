"""Load through real HTTP: gunicorn in front of PostgreSQL, many people at once.

Only on PostgreSQL (CI's second leg, or ``DATABASE_URL=postgres://...``):
SQLite serialises writers, and an in-memory test database is not shared
with another process.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conferencing.turbomeeting.returns import parse_return
from tests.conftest import PARTNER_ID, environment_server_follows_settings
from tests.factories import CustomerFactory, HostFactory, MeetingFactory
from tests.reliability.processes import gunicorn as gunicorn_process, needs_postgresql, portal_env
from tests.reliability.test_faults import Outcome
from tests.webinars.factories import WebinarFactory
from webinars.models import Registration, Webinar

PEOPLE, CAPACITY = 200, 100
GUESSES = 60  # each costs a real password hash (PBKDF2), as in production


@pytest.fixture
def gunicorn(transactional_db, tmp_path, static_root):
    """The portal under gunicorn (4 workers), on the test database."""
    needs_postgresql()
    env = portal_env(
        static_root,
        WEBINAR_RATE_PER_IP="100000/60",
        WEBINAR_RATE_PER_WEBINAR="100000/60",
        TM_SERVICE_COMPANY_UID=PARTNER_ID,
        TM_PASSWORD_ENCODING="plain",
        TM_CALLBACK_ALLOWED_IPS="127.0.0.1",
        SIGNIN_MAX_FAILURES="5",
        SIGNIN_SERVER_MAX_FAILURES="5",  # the bar through the server, low enough to reach here
    )
    with gunicorn_process(env, tmp_path / "gunicorn.log") as base:
        yield base


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


def test_published_feeds_under_load_answer_every_request_and_honour_304(gunicorn, reliability_rows):
    host = HostFactory(customer=CustomerFactory(slug="loadco"))
    for n in range(30):
        MeetingFactory(host=host, is_published=True, topic=f"Meeting {n}")
    urls = [f"{gunicorn}/p/loadco/meetings.json", f"{gunicorn}/p/loadco/meetings/"]
    first = {url: requests.get(url, timeout=10) for url in urls}
    assert [r.status_code for r in first.values()] == [200, 200], [
        r.text[:300] for r in first.values()
    ]
    etags = {url: r.headers["ETag"] for url, r in first.items()}

    def fetch(n: int) -> tuple[bool, int]:
        url = urls[n % 2]
        revalidate = n % 4 < 2  # half the requests carry the ETag they were given
        headers = {"If-None-Match": etags[url]} if revalidate else {}
        status = requests.get(url, headers=headers, timeout=30).status_code
        return revalidate, status

    requests_total = 400
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = Counter(pool.map(fetch, range(requests_total)))
    seconds = time.monotonic() - started
    expected = {(True, 304): requests_total // 2, (False, 200): requests_total // 2}
    reliability_rows.append(
        Outcome(
            "published feeds, 20 clients",
            f"gunicorn x4, {requests_total / seconds:.0f} req/s",
            tried=requests_total,
            reconciled=answers == expected,
            section="Load",
        )
    )
    assert answers == expected


def test_sign_in_callbacks_under_attack_keep_real_hosts_working(
    gunicorn, reliability_rows, settings
):
    """Through the meeting server's address: a flood of guesses for other names is refused,
    a guessed host is locked only for itself, and every other host still signs in."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # gunicorn's
    settings.TM_SERVICE_COMPANY_UID = PARTNER_ID
    environment_server_follows_settings()  # /tm/auth checks the environment's row
    guessed, other = HostFactory(), HostFactory()
    url = f"{gunicorn}/tm/auth"

    def auth(email: str, password: str):
        data = {"service_company_uid": PARTNER_ID, "email": email, "password": password}
        return parse_return(requests.post(url, data=data, timeout=30).content)

    def guess(n: int):
        email = guessed.user.email if n % 10 == 0 else f"nobody{n}@example.com"
        return auth(email, f"guess {n}").status

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = Counter(pool.map(guess, range(GUESSES)))
    seconds = time.monotonic() - started
    locked = auth(guessed.user.email, "correct horse battery")
    still_in = auth(other.user.email, "correct horse battery")
    reliability_rows.append(
        Outcome(
            f"sign-in callbacks, {GUESSES} guesses",
            f"gunicorn x4, {GUESSES / seconds:.0f} req/s",
            tried=GUESSES + 2,
            reconciled=statuses == {"FAILED": GUESSES} and still_in.ok and not locked.ok,
            section="Load",
        )
    )
    assert statuses == {"FAILED": GUESSES}
    assert "Too many" in locked.reason  # 6 guesses for this host: locked from the server
    assert still_in.ok, still_in.reason  # the server itself is not throttled
