"""Registration throughput under gunicorn, against a bare insert on the same server.

The target (issue: registration throughput): 200 people registering at once
for a webinar of 100 seats leave exactly 100 confirmed and 100 on the
waiting list, no answer an error, at no less than 0.5x the requests per
second of a bare view that inserts one registration row in a transaction.
The bare view sits on the same gunicorn server (WORKERS sync workers, as the
reliability suite runs it), behind the same middleware, fed the same form
posts by the same client threads in the same run: what is left is what
registering costs (the webinar and its questions read, the form token
checked, three rate limits counted, the form validated, the seats counted
under the webinar's row lock, the row written, the mail queued, the result
page rendered).

What is posted is what a visitor's browser sends from the embeddable form
(``POST /w/<slug>/embed/``, form-encoded, with the signed form token of the
form page it loaded). Each person has an address of their own, so the
per-recipient limit (WEBINAR_RATE_PER_RECIPIENT) stays the product's; the
per-IP and per-webinar limits are raised, since every post comes from
127.0.0.1. A round registers PEOPLE people for a fresh webinar, between two
halves of PEOPLE bare inserts (the machine's load drifts: both see the same),
and checks the answers, the stored statuses and the queued mails; the ratio
that counts is the median of the rounds'.

Mail is queued as in production, to a broker, after the commit, and never
sent inside the request. Without REDIS_URL the portal queues its tasks to
files under var/celery/ (not eagerly: CELERY_TASK_ALWAYS_EAGER is off), the
queue of the checkout's ``make run``; so the bench gives the server Redis,
as production has it, for broker, cache and rate-limit counters: a database
of its own, ``redis://127.0.0.1:6379/7`` (or BENCH_REDIS_URL), emptied
before and after. No worker runs; the queued messages are counted. The
database is a throwaway ``bench_registration_<pid>`` beside the one
``DATABASE_URL`` names when that is PostgreSQL (the issue's setting), a
SQLite file otherwise; it is dropped afterwards.

Besides req/s it prints where the time goes: the workers' CPU per request
(Linux), how many workers wait for a lock meanwhile (PostgreSQL), and one
registration at a time traced in this process through the Django test
client: its queries and the time spent waiting for them, how long the
webinar's row lock is held and over what, its Redis commands, and what
the rate limits and the mail's queuing cost.

    python -m bench registration     # through the harness
"""

from __future__ import annotations

import datetime as dt
import os
import re
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import requests
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

if TYPE_CHECKING:
    from django.core.handlers.wsgi import WSGIHandler

from bench import HEADER, bench_host, figure, full
from bench.served import beside_the_portal, free_port, start_gunicorn, wait_until_up, wsgi_with_urls

PEOPLE = 200
CAPACITY = 100
WORKERS = 4
CLIENT_THREADS = 50
ROUNDS = 9 if full() else 3
TRACED = 50  # registrations traced one at a time
TARGET = 0.5
TIMEOUT = 60.0
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
CELERY_QUEUE = "celery"  # the default queue's list in Redis

# --- served by gunicorn: the bare view, and the portal's URLs beside it ------------


@csrf_exempt  # as the embedded form is: no cookie in a third-party iframe
@require_POST
def bare_insert(request: HttpRequest, webinar_id: int) -> HttpResponse:
    """The yardstick: one registration row written in a transaction, nothing else."""
    from webinars.models import Registration

    with transaction.atomic():
        Registration.objects.create(
            webinar_id=webinar_id,
            status=Registration.Status.CONFIRMED,
            first_name=request.POST["first_name"],
            last_name=request.POST["last_name"],
            email=request.POST["email"],
            organisation=request.POST.get("organisation", ""),
            answers={},
            consent=True,
        )
    return HttpResponse(b"registered", status=201, content_type="text/plain")


def __getattr__(name: str) -> list[URLPattern | URLResolver]:
    """This module is the bench server's ROOT_URLCONF; the portal's URLs load on first use."""
    if name == "urlpatterns":
        return beside_the_portal([path("<int:webinar_id>/insert/", bare_insert)])
    raise AttributeError(name)


def wsgi() -> WSGIHandler:
    """gunicorn's app factory (``bench.registration:wsgi()``): the portal, plus the bare view."""
    return wsgi_with_urls(__name__)


# --- the database, Redis and the data ----------------------------------------------


def _setup_django(folder: Path) -> tuple[dict[str, str], Callable[[], None]]:
    """Django here on a throwaway database; returns the server's environment and the dropper."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "REDIS_URL": REDIS_URL,  # broker, cache and rate-limit counters, as in production
            "STATIC_ROOT": str(folder / "static"),  # collectstatic's, as a deployment has
            "MEDIA_ROOT": str(folder / "media"),
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
            "LOG_LEVEL": "WARNING",
            "EMAIL_URL": "dummymail://",
            # Every post comes from 127.0.0.1: the per-IP and per-webinar limits
            # are raised; the per-recipient one is the product's (an address each).
            "WEBINAR_RATE_PER_IP": "1000000/60",
            "WEBINAR_RATE_PER_WEBINAR": "1000000/60",
        }
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("collectstatic", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
        return dict(os.environ), lambda: None
    name = connection.settings_dict["NAME"]
    # A name of its own, so that no test run's database (test_<name>) is ever dropped.
    connection.settings_dict["TEST"]["NAME"] = f"bench_registration_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    db = connection.settings_dict
    user = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    url = f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return os.environ | {"DATABASE_URL": url}, lambda: connection.creation.destroy_test_db(
        name, verbosity=0
    )


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise RuntimeError(f"the bench needs Redis at {REDIS_URL} ({exc})") from None
    return client


def _seed_webinar(host, slug: str, capacity: int | None):
    """A published webinar as a host sets one up: a description, two questions, consent."""
    from django.utils import timezone

    from conferencing.base import MeetingKind
    from meetings.models import Meeting
    from portal.accounts.models import SyncState
    from webinars.models import Question, Webinar

    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=14)
    meeting = Meeting.objects.create(
        customer=host.customer,
        host=host,
        topic=f"Bench {slug}",
        kind=MeetingKind.WEBINAR,
        server_meeting_id=str(300000 + Meeting.objects.count()),  # on the server already
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        sync_state=SyncState.SYNCED,
    )
    webinar = Webinar.objects.create(
        customer=host.customer,
        host=host,
        meeting=meeting,
        slug=slug,
        title="What is new in the product, and how to make the most of it",
        description=(
            "Our product team walks through **this quarter's release**: what changed, "
            "why, and how to move your setup over.\n\n"
            "- the new scheduling assistant\n- recordings in the cloud\n"
            "- questions from the audience\n\n"
            "Bring your questions; [the release notes](https://www.bench.example/notes) "
            "are worth a read beforehand."
        ),
        speakers="Grace Hopper, Head of Research\nAlan Turing, Product",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=capacity,
        waiting_list=True,
        consent_text="I agree that Bench Ltd keeps my details for this webinar.",
        status=Webinar.Status.PUBLISHED,
    )
    company = Question.objects.create(webinar=webinar, label="Company", position=1)
    role = Question.objects.create(
        webinar=webinar,
        label="Your role",
        answer_type=Question.AnswerType.SINGLE_CHOICE,
        choices="Developer\nManager\nOther",
        position=2,
    )
    return webinar, company, role


# --- the server --------------------------------------------------------------------


# --- the measurements --------------------------------------------------------------


def _workers_cpu_seconds(server: subprocess.Popen) -> float | None:
    """CPU time gunicorn's workers have used so far, from Linux's /proc; None elsewhere."""
    try:
        workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        ticks = 0
        for pid in workers:
            stat = Path(f"/proc/{pid}/stat").read_text()
            utime, stime = stat[stat.rindex(")") + 2 :].split()[11:13]
            ticks += int(utime) + int(stime)
    except (OSError, ValueError):
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


class _LockWaits:
    """How many of the server's database sessions wait for a lock, sampled while it runs.

    PostgreSQL only (its pg_stat_activity view): SQLite has no row locks, the
    settings' IMMEDIATE transactions queue writers instead.
    """

    def __init__(self) -> None:
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample)

    def _sample(self) -> None:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                while not self._stop.wait(0.01):
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock'"
                    )
                    self.samples.append(cursor.fetchone()[0])
        finally:
            connection.close()

    def __enter__(self) -> _LockWaits:
        from django.db import connection

        if connection.vendor == "postgresql":
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    @property
    def mean(self) -> float | None:
        return statistics.mean(self.samples) if self.samples else None


@dataclass(frozen=True)
class Batch:
    requests: int
    seconds: float
    worker_cpu_ms: float | None  # gunicorn's workers' CPU per request (None: not on Linux)
    answers: Counter  # (HTTP status, the status the result page shows) -> how many
    lock_waiting: float | None = None  # sessions waiting for a lock, on average

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def __add__(self, other: Batch) -> Batch:
        cpu = (self.worker_cpu_ms, other.worker_cpu_ms)
        return Batch(
            self.requests + other.requests,
            self.seconds + other.seconds,
            None if None in cpu else statistics.mean(cpu),
            self.answers + other.answers,
        )


@dataclass(frozen=True)
class Round:
    register: Batch
    bare: Batch  # the halves before and after, together

    @property
    def ratio(self) -> float:
        return self.register.rps / self.bare.rps


FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
SHOWN_STATUS = re.compile(r'data-status="(\w+)"')  # result.html's


def _post_all(
    url: str, bodies: list[dict[str, str]], pool: ThreadPoolExecutor, server: subprocess.Popen
) -> Batch:
    """Every body posted at once, as many at a time as the pool has threads."""

    def post(body: dict[str, str]) -> tuple[int, str]:
        response = requests.post(url, data=body, timeout=TIMEOUT)
        shown = SHOWN_STATUS.search(response.text)
        return response.status_code, shown.group(1) if shown else ""

    cpu = _workers_cpu_seconds(server)
    with _LockWaits() as waits:
        started = time.perf_counter()
        answers = Counter(pool.map(post, bodies))
        seconds = time.perf_counter() - started
    used = _workers_cpu_seconds(server)
    cpu_ms = None if cpu is None or used is None else (used - cpu) * 1000 / len(bodies)
    return Batch(len(bodies), seconds, cpu_ms, answers, waits.mean)


def _people(tag: str, form_token: str, company, role) -> list[dict[str, str]]:
    """What PEOPLE visitors type into the embedded form, each with an address of their own."""
    return [
        {
            "form_token": form_token,
            "source_url": "https://www.bench.example/webinars/",
            "first_name": "Ada",
            "last_name": f"Person {n}",
            "email": f"{tag}-{n}@people.bench.example",
            "organisation": f"Org {n % 17}",
            company.field_name: f"Company {n % 23}",
            role.field_name: ("Developer", "Manager", "Other")[n % 3],
            "consent": "on",
            "website": "",  # the honeypot, left empty as people leave it
        }
        for n in range(PEOPLE)
    ]


def _round(number: int, base: str, server: subprocess.Popen, host, baseline, pool, broker) -> Round:
    """PEOPLE registrations for a fresh webinar between two batches of bare inserts; checked.

    The bare inserts come half before, half after: the machine's load drifts
    (a test suite may run beside the benchmark), and both then see the same.
    """
    from webinars.models import Registration

    webinar, company, role = _seed_webinar(host, f"bench-{number}", CAPACITY)
    url = f"{base}/w/{webinar.slug}/embed/"
    page = requests.get(url, timeout=TIMEOUT)  # the form as the visitor's browser loads it
    page.raise_for_status()
    token = FORM_TOKEN.search(page.text).group(1)
    bare_url = f"{base}/bench/{baseline.pk}/insert/"
    others = _people(f"b{number}", token, company, role)
    queued_before = broker.llen(CELERY_QUEUE)
    before = _post_all(bare_url, others[: PEOPLE // 2], pool, server)
    register = _post_all(url, _people(f"r{number}", token, company, role), pool, server)
    after = _post_all(bare_url, others[PEOPLE // 2 :], pool, server)
    bare = before + after
    queued = broker.llen(CELERY_QUEUE) - queued_before

    S = Registration.Status
    expected = {S.CONFIRMED: CAPACITY, S.WAITLISTED: PEOPLE - CAPACITY}
    stored = Counter(webinar.registrations.values_list("status", flat=True))
    if register.answers != {(201, status): n for status, n in expected.items()}:
        raise RuntimeError(f"round {number}: answered {dict(register.answers)}")
    if bare.answers != {(201, ""): PEOPLE}:
        raise RuntimeError(f"round {number}: the bare view answered {dict(bare.answers)}")
    if stored != expected:
        raise RuntimeError(f"round {number}: stored {dict(stored)} instead of {expected}")
    if queued != PEOPLE:
        raise RuntimeError(f"round {number}: {queued} mails queued for {PEOPLE} registrations")
    return Round(register, bare)


def _measure(base: str, server: subprocess.Popen, host, broker) -> list[Round]:
    baseline, _, _ = _seed_webinar(host, "bench-baseline", None)
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        _round(0, base, server, host, baseline, pool, broker)  # warm up: workers, imports
        return [_round(n, base, server, host, baseline, pool, broker) for n in range(1, ROUNDS + 1)]


# --- one registration traced --------------------------------------------------------


class _QueryClock:
    """An execute_wrapper: how many queries and how long, and which ran under the row lock.

    The lock is taken by the first ``SELECT ... FOR UPDATE`` and held until the
    commit; a callback queued with ``on_commit`` at that query marks the commit.
    """

    def __init__(self) -> None:
        self.count = self.locked_count = 0
        self.seconds = self.locked_seconds = 0.0
        self.lock_taken: float | None = None
        self.released = False

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        if self.lock_taken is None and "FOR UPDATE" in sql:
            self.lock_taken = started
            transaction.on_commit(self._release)
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started
            if self.lock_taken is not None and not self.released:
                self.locked_count += 1

    def _release(self) -> None:
        self.released = True
        self.locked_seconds = time.perf_counter() - self.lock_taken


@dataclass(frozen=True)
class Traced:
    """Medians over TRACED requests made one at a time."""

    wall_ms: float
    cpu_ms: float  # this process's CPU: Django's Python, with the driver's and redis-py's
    queries: int  # besides BEGIN and COMMIT
    query_ms: float  # waiting for the database, connecting aside
    locked_queries: int = 0
    locked_ms: float | None = None  # SELECT ... FOR UPDATE to COMMIT (None: no such lock)
    redis_calls: tuple[tuple[str, float], ...] = ()  # command, calls per request


class _RedisCommands:
    """The commands the bench's Redis database gets meanwhile, by name (Redis's MONITOR).

    The server is shared (other databases see other traffic), so its global
    statistics would not do; MONITOR names each command's database.
    """

    END = "bench-trace-end"

    def __init__(self, broker) -> None:
        self.broker = broker
        self.db = broker.connection_pool.connection_kwargs.get("db", 0)
        self.counts: Counter = Counter()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._listen)

    def _listen(self) -> None:
        with self.broker.monitor() as monitor:
            self._listening.set()
            for command in monitor.listen():
                if command["command"] == f"ECHO {self.END}":
                    return
                if command["db"] == self.db:
                    self.counts[command["command"].split(" ", 1)[0].upper()] += 1

    def __enter__(self) -> _RedisCommands:
        self._thread.start()
        self._listening.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self.broker.echo(self.END)
        self._thread.join(10)


def _one_at_a_time(client, broker, url: str, bodies: list[dict[str, str]]) -> Traced:
    from django.db import connection

    walls, cpus, clocks = [], [], []
    with _RedisCommands(broker) as commands:
        for body in bodies:
            if not connection.settings_dict["CONN_MAX_AGE"]:
                connection.close()  # as a gunicorn worker opens one per request then
            clock = _QueryClock()
            wall, cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(clock):
                response = client.post(url, body)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            clocks.append(clock)
            if response.status_code != 201:
                raise RuntimeError(f"{url}: HTTP {response.status_code}")
    calls = commands.counts
    median = statistics.median
    return Traced(
        wall_ms=median(walls) * 1000,
        cpu_ms=median(cpus) * 1000,
        queries=round(median(c.count for c in clocks)),
        query_ms=median(c.seconds for c in clocks) * 1000,
        locked_queries=round(median(c.locked_count for c in clocks)),
        locked_ms=median(c.locked_seconds for c in clocks) * 1000 if clocks[0].lock_taken else None,
        redis_calls=tuple((name, n / len(bodies)) for name, n in sorted(calls.items())),
    )


def _timed_ms(calls: list[Callable[[], object]]) -> float:
    """The median wall time of each call, in milliseconds."""
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


@dataclass(frozen=True)
class Profile:
    register: Traced
    bare: Traced
    rate_limits_ms: float  # the three limits counted, as a submission counts them
    mail_ms: float  # one mail queued to the broker


def _profile(host, broker) -> Profile:
    """One registration at a time, through the Django test client in this process."""
    from django.conf import settings
    from django.test import Client, RequestFactory

    from webinars import protection
    from webinars.tasks import send_registration_mail

    settings.ROOT_URLCONF = __name__  # the bare view, as in the server
    client = Client()
    webinar, company, role = _seed_webinar(host, "bench-traced", TRACED // 2)
    page = client.get(f"/w/{webinar.slug}/embed/")
    token = FORM_TOKEN.search(page.content.decode()).group(1)
    url = f"/w/{webinar.slug}/embed/"
    _one_at_a_time(client, broker, url, _people("warm", token, company, role)[:5])
    register = _one_at_a_time(client, broker, url, _people("t", token, company, role)[:TRACED])
    bare_url = f"/bench/{webinar.pk}/insert/"
    bare = _one_at_a_time(client, broker, bare_url, _people("tb", token, company, role)[:TRACED])

    request = RequestFactory().post(url, REMOTE_ADDR="127.0.0.1")

    def count_limits(n: int) -> None:
        protection.check_rate_limits(
            request, webinar.pk, recipient=f"limits-{n}@people.bench.example"
        )

    rate_limits = _timed_ms([lambda n=n: count_limits(n) for n in range(TRACED)])
    some = webinar.registrations.values_list("pk", flat=True).first()
    queue = [lambda: send_registration_mail.delay(some, "confirmation")] * TRACED
    return Profile(register, bare, rate_limits, _timed_ms(queue))


def _figure(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _report(vendor: str, rounds: list[Round], profile: Profile) -> bool:
    """Prints the figures; returns whether the target is met."""
    print(
        f"registration on {vendor}: {PEOPLE} people at once for {CAPACITY} seats, posted to "
        f"the embedded form (/w/<slug>/embed/) by {CLIENT_THREADS} client threads; gunicorn, "
        f"{WORKERS} sync workers; Redis as broker, cache and rate-limit store; {ROUNDS} rounds, "
        f"each {PEOPLE} bare inserts around {PEOPLE} registrations"
    )
    print(
        f"  {'':6} {'register':>9} {'bare':>9} {'':>6}   {'workers CPU ms/request':>22}"
        f"   {'workers waiting':>15}"
    )
    print(
        f"  {'round':>6} {'req/s':>9} {'req/s':>9} {'ratio':>6}   {'register':>12} {'bare':>9}"
        f"   {f'for a lock (of {WORKERS})':>15}"
    )
    rows = [(str(n), r.register.rps, r.bare.rps, r.ratio, r) for n, r in enumerate(rounds, 1)]
    for label, register, bare, ratio, r in rows:
        print(
            f"  {label:>6} {register:9.1f} {bare:9.1f} {ratio:6.2f}   "
            f"{_figure(r.register.worker_cpu_ms):>12} {_figure(r.bare.worker_cpu_ms):>9}   "
            f"{_figure(r.register.lock_waiting, 2):>15}"
        )
    ratio = statistics.median(r.ratio for r in rounds)
    print(
        f"  {'median':>6} {statistics.median(r.register.rps for r in rounds):9.1f} "
        f"{statistics.median(r.bare.rps for r in rounds):9.1f} {ratio:6.2f}   "
        f"{_figure(_median([r.register.worker_cpu_ms for r in rounds])):>12} "
        f"{_figure(_median([r.bare.worker_cpu_ms for r in rounds])):>9}   "
        f"{_figure(_median([r.register.lock_waiting for r in rounds]), 2):>15}"
    )
    print(HEADER)
    figure(
        "registration vs bare insert (req/s)",
        statistics.median(r.register.rps for r in rounds),
        statistics.median(r.bare.rps for r in rounds),
        ratio,
        f">= {TARGET:.2f}",
        met=ratio >= TARGET,
        digits=1,
    )
    cpu = _median([r.register.worker_cpu_ms for r in rounds])
    bare_cpu = _median([r.bare.worker_cpu_ms for r in rounds])
    if cpu is not None and bare_cpu is not None:
        figure("workers' CPU per request (ms)", cpu, bare_cpu, cpu / bare_cpu, digits=1)
    print(
        f"  every round: {CAPACITY} confirmed and {PEOPLE - CAPACITY} waiting, as answered and "
        f"as stored; {PEOPLE} mails queued to the broker; no error"
    )
    r, b = profile.register, profile.bare
    print(
        f"where a registration's time goes: one request at a time in this process (Django test "
        f"client; as gunicorn's workers, a new database connection each unless CONN_MAX_AGE); "
        f"medians of {TRACED}"
    )
    print(f"  {'':46} {'register':>9} {'bare':>9}")
    print(f"  {'wall ms':46} {r.wall_ms:9.2f} {b.wall_ms:9.2f}")
    print(f"  {'CPU ms (Django, drivers, templates)':46} {r.cpu_ms:9.2f} {b.cpu_ms:9.2f}")
    print(f"  {'queries (BEGIN and COMMIT aside)':46} {r.queries:9d} {b.queries:9d}")
    print(f"  {'ms waiting for them (connecting aside)':46} {r.query_ms:9.2f} {b.query_ms:9.2f}")
    if r.locked_ms is not None:
        print(
            f"  {'ms holding the row lock (FOR UPDATE..COMMIT)':46} {r.locked_ms:9.2f} "
            f"{'-':>9}   ({r.locked_queries} queries and the commit)"
        )
    calls = ", ".join(f"{name} {round(n, 2):g}" for name, n in r.redis_calls)
    print(f"  Redis commands per registration (the limits' in one round trip): {calls}")
    print(
        f"  the three rate limits counted (per IP, per webinar, per recipient) "
        f"{profile.rate_limits_ms:.2f} ms; one mail queued (after the commit) "
        f"{profile.mail_ms:.2f} ms"
    )
    return ratio >= TARGET


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-registration-") as tmp:
        broker = _redis()
        broker.flushdb()
        env, drop = _setup_django(Path(tmp))
        try:
            from django.db import connection

            vendor = connection.vendor
            host = bench_host()
            server = start_gunicorn(
                "bench.registration:wsgi()", port=(port := free_port()), workers=WORKERS, env=env
            )
            try:
                base = f"http://127.0.0.1:{port}"
                wait_until_up(f"{base}/healthz?check=database,broker", server)
                rounds = _measure(base, server, host, broker)
            finally:
                server.terminate()
                server.wait(timeout=30)
            profile = _profile(host, broker)
        finally:
            drop()
            broker.flushdb()
    if not _report(vendor, rounds, profile):
        raise SystemExit(f"missed: registration below {TARGET}x the bare insert")


if __name__ == "__main__":
    run()
