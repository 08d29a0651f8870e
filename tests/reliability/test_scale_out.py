"""Several machines' worth of processes on one PostgreSQL and one Redis: two gunicorns,
two Celery workers. Whatever process a request or a task lands on, the outcome is one.

Only with PostgreSQL and Redis (CI's second leg).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests
from celery import Celery
from django.utils import timezone
from rest_framework.authtoken.models import Token

from portal.accounts import services as accounts
from portal.accounts.models import Customer, SyncState
from tests.conftest import INTEGRATION_CODE, PARTNER_ID
from tests.factories import (
    HostFactory,
    MeetingFactory,
    UserFactory,
    company_uid,
    put_on_fake_server,
)
from tests.reliability.processes import celery_worker, gunicorn, needs_postgresql, portal_env
from tests.reliability.test_faults import Outcome
from tests.webinars.factories import RegistrationFactory, WebinarFactory

BROKER_DB = 9  # a Redis database of its own: no other test's leftover messages


@pytest.fixture
def cluster(transactional_db, fake_tm, tmp_path, static_root, settings):
    """Two web processes and two workers sharing the database, Redis and MEDIA_ROOT."""
    needs_postgresql()
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis (CI runs it with REDIS_URL=redis://...)")
    broker = os.environ["REDIS_URL"].rsplit("/", 1)[0] + f"/{BROKER_DB}"
    redis.Redis.from_url(broker).flushdb()
    settings.REDIS_URL = broker  # the poll lock, as the workers see it
    env = portal_env(
        static_root,
        REDIS_URL=broker,
        MEDIA_ROOT=str(tmp_path / "media"),
        TM_SERVER_URL=fake_tm.url,
        TM_SERVICE_COMPANY_UID=PARTNER_ID,
        TM_INTEGRATION_CODE=INTEGRATION_CODE,
        TM_ADMIN_EMAIL="sysadmin@example.com",
        TM_ADMIN_PASSWORD="sysadmin-secret",
        SERVER_READ_TIMEOUT="5",
    )
    with (
        gunicorn(env, tmp_path / "web-a.log", workers=1) as web_a,
        gunicorn(env, tmp_path / "web-b.log", workers=1) as web_b,
        celery_worker(env, tmp_path / "worker-1.log", "one"),
        celery_worker(env, tmp_path / "worker-2.log", "two"),
    ):
        yield web_a, web_b, Celery(broker=broker, backend=broker, set_as_current=False)


def _until(condition, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    return condition()


def test_an_export_started_on_one_web_process_downloads_from_the_other(cluster, reliability_rows):
    web_a, web_b, _ = cluster
    host = HostFactory()
    webinar = WebinarFactory(host=host, customer=host.customer)
    for n in range(25):
        RegistrationFactory(webinar=webinar, last_name=f"Person {n}")
    auth = {"Authorization": f"Token {Token.objects.create(user=host.user).key}"}
    started = requests.post(
        f"{web_a}/api/v1/webinars/{webinar.pk}/registrations/export/",
        json={"format": "csv"},
        headers=auth,
        timeout=30,
    )
    assert started.status_code == 202, started.text
    status_url = started.json()["status_url"].replace(web_a, web_b)

    def done():
        job = requests.get(status_url, headers=auth, timeout=30).json()
        return job if job["status"] in ("done", "failed") else None

    job = _until(done)
    download = requests.get(job["download_url"].replace(web_a, web_b), headers=auth, timeout=30)
    rows = download.text.strip().splitlines()
    reliability_rows.append(
        Outcome(
            "export: started on web A, fetched from web B",
            "2 gunicorns, 2 workers",
            tried=1,
            lost=int(len(rows) != 26),
            reconciled=job["status"] == "done" and download.status_code == 200,
            section="Scale-out",
        )
    )
    assert job["status"] == "done", job
    assert download.status_code == 200 and len(rows) == 26  # the header and 25 people


def test_a_poll_round_never_runs_twice_at_once(cluster, fake_tm, reliability_rows):
    """Beat fires again while a slow round runs: the second worker skips it."""
    _, _, app = cluster
    host = HostFactory(customer__company_uid="uid-poll")
    fake_tm.latency = 0.5  # a slow server makes the rounds overlap
    start = timezone.now() - dt.timedelta(minutes=10)  # inside the poll window
    meetings = [
        MeetingFactory(host=host, starts_at=start, ends_at=start + dt.timedelta(hours=1))
        for _ in range(4)
    ]
    for meeting in meetings:
        put_on_fake_server(fake_tm, meeting)
    fake_tm.requests.clear()
    rounds = [app.send_task("meetings.tasks.meetings_poll", ignore_result=False) for _ in range(2)]
    for round_ in rounds:
        round_.get(timeout=60)  # both over: a second round that ran has asked by now
    asked = len(fake_tm.requests) >= len(meetings)
    status_calls = [r for r in fake_tm.requests if r.path.endswith("meeting_status")]
    reliability_rows.append(
        Outcome(
            "status poll: two rounds fired at once",
            "2 workers, one lock",
            tried=2,
            duplicated=max(0, len(status_calls) - len(meetings)),
            reconciled=bool(asked),
            section="Scale-out",
        )
    )
    assert len(status_calls) == len(meetings), [r.params for r in status_calls]


def test_a_customer_edited_on_both_web_processes_at_once_ends_consistent(
    cluster, fake_tm, django_capture_on_commit_callbacks, reliability_rows
):
    web_a, web_b, _ = cluster
    with django_capture_on_commit_callbacks(execute=True):
        customer = accounts.customer_create(name="Initial", contact_email="it@x.example")
    customer.refresh_from_db()
    assert customer.sync_state == SyncState.SYNCED, customer.sync_error
    staff = UserFactory(is_staff=True, is_superuser=True)
    auth = {"Authorization": f"Token {Token.objects.create(user=staff).key}"}

    def rename(base_and_name):
        base, name = base_and_name
        url = f"{base}/api/v1/customers/{customer.pk}/"
        return requests.patch(url, json={"name": name}, headers=auth, timeout=30).status_code

    rounds = 5
    for n in range(rounds):
        with ThreadPoolExecutor(max_workers=2) as pool:
            codes = list(pool.map(rename, [(web_a, f"A{n}"), (web_b, f"B{n}")]))
        assert codes == [200, 200]

    def settled():
        c = Customer.objects.get(pk=customer.pk)
        return c if c.sync_state == SyncState.SYNCED else None

    final = _until(settled)
    on_server = fake_tm.accounts[company_uid(customer)].company_name
    reliability_rows.append(
        Outcome(
            "customer renamed on web A and B at once",
            f"{rounds} rounds, 2 workers",
            tried=rounds * 2,
            duplicated=max(0, len(fake_tm.accounts) - 1),
            reconciled=final is not None and on_server == final.name,
            section="Scale-out",
        )
    )
    assert final is not None, "the customer never settled"
    assert on_server == final.name and len(fake_tm.accounts) == 1
