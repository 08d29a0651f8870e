"""Every format of the published list rendered cold, against the bare query.

The target (issue: feeds at scale): a customer with 5,000 published meetings
(``make bench-full``; ``make bench`` has 1,000 and no limit).
A cold render (nothing cached: the first visitor after a change) of each
format (HTML, XML, iCal, RSS, JSON), through the view as a visitor gets it, is
timed against the bare query (``values_list().iterator()``) serialised by the
same library the format uses: Django's template engine, ElementTree,
icalendar, Django's feedgenerator, json. The HTML page shows HTML_PAGE_SIZE
meetings at a time, so its row is the first page, what a visitor gets (the
bare query too reads that many rows); the feeds list every meeting. The cold
first HTML page must be served within 1 s on this machine. The warm and 304
answers must take no query at all, whatever the size, on any page
(tests/meetings/test_feeds.py checks it at 3 and 30, and on a second page);
"warm" is measured right after another warm answer, as a cold render longer
than FEED_VERSION_SECONDS lets the kept version lapse (two queries read it again).

In this process, through Django's test client, on a throwaway SQLite file,
the default (local-memory) cache emptied before each cold request.

    python -m bench feeds_cold
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import HEADER, figure, full

MEETINGS = 5_000 if full() else 1_000
REPEATS = 5 if full() else 3
HTML_LIMIT_SECONDS = 1.0
SLUG = "bench"
FIELDS = ("pk", "topic", "starts_at", "ends_at", "server_meeting_id", "live_state", "attendees")


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-feeds-cold-") as tmp:
        os.environ.pop("REDIS_URL", None)
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "portal.settings",
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                "STATIC_ROOT": str(Path(tmp) / "static"),  # collectstatic's, as a deployment has
                "DEBUG": "false",
                "SECURE_SSL_REDIRECT": "false",
                "ALLOWED_HOSTS": "testserver",
                "LOG_LEVEL": "WARNING",
            }
        )
        os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        customer_id = _seed()
        rows = _measure(customer_id)
    _report(rows)


def _seed() -> int:
    from bench import published_meetings

    return published_meetings(MEETINGS, slug=SLUG, hours_apart=1).pk


# --- the bare query, serialised by each format's library ------------------------------------


def _bare_rows(customer_id: int, limit: int | None = None):
    from meetings.models import Meeting

    return (
        Meeting.objects.filter(customer_id=customer_id, is_published=True)
        .order_by("starts_at", "pk")
        .values_list(*FIELDS)[:limit]
        .iterator()
    )


def _bare_html(customer_id: int) -> bytes:
    from django.template import engines

    from meetings.feeds.listing import HTML_PAGE_SIZE

    template = engines["django"].from_string(
        "<table>{% for id, topic, start, end, sid, state, n in rows %}<tr><td>{{ topic }}</td>"
        "<td>{{ start }}</td><td>{{ end }}</td><td>{{ sid }}</td><td>{{ state }}</td>"
        "<td>{{ n }}</td></tr>{% endfor %}</table>"
    )
    return template.render({"rows": _bare_rows(customer_id, HTML_PAGE_SIZE)}).encode()


def _bare_xml(customer_id: int) -> bytes:
    root = ET.Element("published_meetings")
    for row in _bare_rows(customer_id):
        meeting = ET.SubElement(root, "meeting")
        for name, value in zip(FIELDS, row, strict=True):
            ET.SubElement(meeting, name).text = str(value)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _bare_json(customer_id: int) -> bytes:
    records = [
        {name: str(value) for name, value in zip(FIELDS, row, strict=True)}
        for row in _bare_rows(customer_id)
    ]
    return json.dumps({"meetings": records}, ensure_ascii=False, separators=(",", ":")).encode()


def _bare_ics(customer_id: int) -> bytes:
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//bench//EN")
    calendar.add("version", "2.0")
    for pk, topic, start, end, *_ in _bare_rows(customer_id):
        event = Event()
        event.add("uid", f"{pk}@bench.example")
        event.add("summary", topic)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("dtstamp", start)
        calendar.add_component(event)
    return calendar.to_ical()


def _bare_rss(customer_id: int) -> bytes:
    from django.utils.feedgenerator import Rss201rev2Feed

    feed = Rss201rev2Feed(title="Bench", link="https://bench.example/", description="Bench")
    for pk, topic, start, *_ in _bare_rows(customer_id):
        feed.add_item(
            title=topic, link=f"https://bench.example/m/{pk}", description=topic, pubdate=start
        )
    return feed.writeString("utf-8").encode()


BARE: dict[str, Callable[[int], bytes]] = {
    "html": _bare_html,
    "xml": _bare_xml,
    "ics": _bare_ics,
    "rss": _bare_rss,
    "json": _bare_json,
}


# --- the measurements ------------------------------------------------------------------------


def _median_seconds(call: Callable[[], object], before: Callable[[], None]) -> float:
    times = []
    for _ in range(REPEATS):
        before()
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@contextmanager
def _counted() -> Iterator[list[str]]:
    """The SQL statements run meanwhile (an execute_wrapper: it outlives reconnections)."""
    from django.db import connection

    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield statements


def _measure(customer_id: int) -> list[tuple[str, float, float, int, int, int]]:
    """Per format: cold seconds, bare seconds, the queries of a cold, a warm and a 304 answer."""
    from django.core.cache import cache
    from django.test import Client

    client = Client()
    rows = []
    for fmt, bare in BARE.items():
        url = f"/p/{SLUG}/meetings/" if fmt == "html" else f"/p/{SLUG}/meetings.{fmt}"

        def get(url: str = url, **headers: str):
            response = client.get(url, **headers)
            if response.status_code not in (200, 304):
                raise RuntimeError(f"{url}: HTTP {response.status_code}")
            return response

        cold = _median_seconds(get, cache.clear)
        baseline = _median_seconds(lambda bare=bare: bare(customer_id), lambda: None)
        cache.clear()
        with _counted() as cold_queries:
            response = get()
        get()  # the version is read again if the cold render outlasted FEED_VERSION_SECONDS
        with _counted() as warm_queries:
            get()
        with _counted() as revalidation_queries:
            if get(HTTP_IF_NONE_MATCH=response["ETag"]).status_code != 304:
                raise RuntimeError(f"{url}: no 304 with its own ETag")
        counts = (len(cold_queries), len(warm_queries), len(revalidation_queries))
        rows.append((fmt, cold, baseline, *counts))
    return rows


def _report(rows: list[tuple[str, float, float, int, int, int]]) -> None:
    from meetings.feeds.listing import HTML_PAGE_SIZE

    print(
        f"feeds, cold: {MEETINGS:,} published meetings of one customer, each format through "
        f"the view with the cache emptied, against the bare query serialised by the same "
        f"library (html: its first page of {HTML_PAGE_SIZE}, what a visitor gets; the feeds "
        f"list all); medians of {REPEATS}; SQL queries of a cold, a warm and a 304 answer"
    )
    for fmt, _, _, cold, warm, revalidation in rows:
        print(f"  {fmt:5} queries: cold {cold}, warm {warm}, 304 {revalidation}")
    print(HEADER)
    missed = []
    for fmt, cold, baseline, _, warm, revalidation in rows:
        name = "html page 1" if fmt == "html" else fmt
        figure(f"{name} cold at {MEETINGS:,} (s)", cold, baseline, cold / baseline)
        if warm or revalidation:
            missed.append(f"{fmt}: {warm} queries warm, {revalidation} for a 304")
    html = next(row for row in rows if row[0] == "html")
    if full() and figure(
        f"HTML page 1 at {MEETINGS:,} within its limit (s)",
        html[1],
        HTML_LIMIT_SECONDS,
        html[1] / HTML_LIMIT_SECONDS,
        f"<= {HTML_LIMIT_SECONDS:.0f} s",
        met=html[1] <= HTML_LIMIT_SECONDS,
    ):
        missed.append(f"the cold first HTML page took {html[1]:.2f} s")
    if missed:
        raise SystemExit(f"missed: {'; '.join(missed)}")
