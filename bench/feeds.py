"""Published-meeting feeds under gunicorn, against a trivial Django view on the same server.

The target (issue: meetings, section 2): with 500 published meetings the HTML
and XML feeds reach 0.8x the requests per second of a view that returns a
constant body of the same size (the HTML page: its first page of 50 meetings,
what a visitor gets), and a revalidation (If-None-Match, 304) 0.9x a trivial
view's. Comparing against a trivial view on the same server
in the same run cancels out the machine, gunicorn and the middleware: what
is left is what the feed itself costs (its snapshot, recomputed by one
aggregate query every FEED_VERSION_SECONDS, the conditional check and the
body cache).

The database is a fresh SQLite file and the cache the default one (locmem,
per worker, REDIS_URL is dropped), so nothing outside this machine is
needed. Seeding runs in a child process so that ``run()`` never touches the
caller's Django setup (``python -m bench`` runs several benchmarks).

    python -m bench.feeds            # alone
    python -m bench                  # with the others
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import requests
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

if TYPE_CHECKING:
    from django.core.handlers.wsgi import WSGIHandler

from bench import HEADER, figure, full
from bench.served import (
    BASE_DIR,
    beside_the_portal,
    free_port,
    start_gunicorn,
    wait_until_up,
    wsgi_with_urls,
)

MEETINGS = 500
SLUG = "bench"
WORKERS = 2
CLIENT_THREADS = 4
BATCH = 80  # requests per batch: bounded, loopback only
# Batches of feed and trivial view, back to back; the median ratio counts.
PAIRS = 61 if full() else 21
FEED_TARGET = 0.8
REVALIDATION_TARGET = 0.9
TIMEOUT = 10.0

# --- served by gunicorn: the trivial view, and the portal's URLs beside it ---------


@cache
def _constant_body(size: int) -> bytes:
    return b"x" * size


def constant(request: HttpRequest, size: int) -> HttpResponse:
    """The yardstick: as little as a Django view can do and still send ``size`` bytes."""
    return HttpResponse(_constant_body(size), content_type="text/html; charset=utf-8")


def __getattr__(name: str) -> list[URLPattern | URLResolver]:
    """This module is the bench server's ROOT_URLCONF; the portal's URLs load on first use."""
    if name == "urlpatterns":
        return beside_the_portal([path("constant/<int:size>", constant)])
    raise AttributeError(name)


def wsgi() -> WSGIHandler:
    """gunicorn's app factory (``bench.feeds:wsgi()``): the portal, plus the trivial view."""
    return wsgi_with_urls(__name__)


# --- the data --------------------------------------------------------------------


def seed() -> None:
    """Migrate the empty database and publish MEETINGS meetings for one customer."""
    import django

    django.setup()
    from django.core.management import call_command

    from bench import published_meetings

    call_command("migrate", verbosity=0, interactive=False)
    published_meetings(MEETINGS, slug=SLUG, hours_apart=3)


# --- the server --------------------------------------------------------------------


def _environment(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    return env | {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),  # collectstatic's, as a deployment has
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BASE_DIR), os.environ.get("PYTHONPATH")])),
    }


# --- the measurements --------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    status: int
    headers: dict[str, str]


@dataclass(frozen=True)
class Comparison:
    label: str
    feed_rps: float  # medians over the batches
    trivial_rps: float
    ratios: list[float]  # feed / trivial, one per pair of batches
    target: float

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


def _requests_per_second(target: Target, count: int = BATCH) -> float:
    """``count`` GETs from CLIENT_THREADS threads, each with its own session."""

    def worker(n: int) -> None:
        with requests.Session() as session:
            for _ in range(n):
                response = session.get(target.url, headers=target.headers, timeout=TIMEOUT)
                if response.status_code != target.status:
                    raise RuntimeError(f"{target.name}: HTTP {response.status_code}")

    shares = [count // CLIENT_THREADS + (i < count % CLIENT_THREADS) for i in range(CLIENT_THREADS)]
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        for done in [pool.submit(worker, n) for n in shares]:
            done.result()
    return count / (time.perf_counter() - started)


def _compare(label: str, feed: Target, trivial: Target, target: float) -> Comparison:
    """Short batches in pairs, the order alternating, and the median of the per-pair ratios.

    The machine is shared (a test suite may run beside the benchmark), so
    load comes and goes; a pair of back-to-back batches sees nearly the same
    load, which a comparison of two long runs would not.
    """
    _requests_per_second(feed), _requests_per_second(trivial)  # warm both workers and caches
    feed_rps, trivial_rps = [], []
    for pair in range(PAIRS):
        for which in (feed, trivial) if pair % 2 else (trivial, feed):
            (feed_rps if which is feed else trivial_rps).append(_requests_per_second(which))
    ratios = [f / t for f, t in zip(feed_rps, trivial_rps, strict=True)]
    median = statistics.median
    return Comparison(label, median(feed_rps), median(trivial_rps), ratios, target)


def _measure(base: str) -> list[Comparison]:
    html, xml = f"{base}/p/{SLUG}/meetings/", f"{base}/p/{SLUG}/meetings.xml"
    first = requests.get(xml, timeout=TIMEOUT)
    if first.content.count(b"<meeting>") != MEETINGS:
        raise RuntimeError("the XML feed does not list every seeded meeting")
    results = []
    for name, url in (("HTML feed", html), ("XML feed", xml)):
        response = requests.get(url, timeout=TIMEOUT)  # renders once, fills the cache
        response.raise_for_status()
        size = len(response.content)
        feed = Target(name, url, 200, {})
        trivial = Target(f"constant {size} B", f"{base}/bench/constant/{size}", 200, {})
        results.append(_compare(f"{name} ({size // 1000} kB)", feed, trivial, FEED_TARGET))
        if name == "HTML feed":
            revalidate = Target("304", url, 304, {"If-None-Match": response.headers["ETag"]})
            empty = Target("constant 0 B", f"{base}/bench/constant/0", 200, {})
            label = "HTML revalidation (304)"
            results.append(_compare(label, revalidate, empty, REVALIDATION_TARGET))
    return results


def _report(results: list[Comparison]) -> None:
    print(
        f"feeds: {MEETINGS} published meetings; gunicorn, {WORKERS} sync workers; "
        f"{CLIENT_THREADS} client threads; {PAIRS} pairs of {BATCH}-request batches; "
        "req/s of the feed against a constant body of the same size, median ratio"
    )
    print(HEADER)
    missed = [
        c.label
        for c in results
        if figure(
            f"{c.label} (req/s)",
            c.feed_rps,
            c.trivial_rps,
            c.ratio,
            f">= {c.target:.2f}",
            met=c.ratio >= c.target,
            digits=0,
        )
    ]
    if missed:
        raise SystemExit(f"missed: {', '.join(missed)}")


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-feeds-") as folder:
        env = _environment(Path(folder))
        seeding = [sys.executable, "-m", "bench.feeds", "seed"]
        subprocess.run(seeding, cwd=BASE_DIR, env=env, check=True)
        collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
        subprocess.run(collect, cwd=BASE_DIR, env=env, check=True)
        port = free_port()
        server = start_gunicorn("bench.feeds:wsgi()", port=port, workers=WORKERS, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/bench/constant/1", server)
            results = _measure(base)
        finally:
            server.terminate()
            server.wait(timeout=30)
    _report(results)


if __name__ == "__main__":
    seed() if sys.argv[1:] == ["seed"] else run()
