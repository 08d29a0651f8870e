"""Benchmarks that print ratios (`make bench`); each runs in its own process."""


def server_row(base_url: str = "http://127.0.0.1:8900", **credentials: str):
    """The meeting server the benchmarks' customers live on: a TurboMeeting server row."""
    from portal.accounts.models import MeetingServer

    server = MeetingServer.objects.filter(name="Bench TurboMeeting").first()
    server = server or MeetingServer(name="Bench TurboMeeting", backend="turbomeeting")
    server.base_url = base_url
    server.set_credentials(credentials)
    server.save()
    return server


def bench_host(slug: str = "bench", *, name: str = "Bench Ltd"):
    """A synced customer on the bench server (Berlin time, embedded on www.bench.example)
    and its host, host@<slug>.example. The host."""
    from django.contrib.auth import get_user_model

    from portal.accounts.models import Customer, Host, SyncState

    customer = Customer.objects.create(
        server=server_row(),
        name=name,
        slug=slug,
        contact_email=f"it@{slug}.example",
        time_zone="Europe/Berlin",
        embed_origins="https://www.bench.example",
        sync_state=SyncState.SYNCED,
    )
    email = f"host@{slug}.example"
    user = get_user_model().objects.create_user(email, email)
    return Host.objects.create(user=user, customer=customer)


def published_meetings(count: int, *, slug: str, hours_apart: int):
    """A customer with ``count`` published meetings: ten in progress with people in them,
    the rest to come, ``hours_apart`` apart. Its customer."""
    import datetime as dt

    from django.utils import timezone

    from meetings.models import LiveState, Meeting
    from portal.accounts.models import SyncState

    host = bench_host(slug)
    customer = host.customer
    now = timezone.now().replace(second=0, microsecond=0)
    meetings = []
    for n in range(count):
        live = n < 10
        starts_at = (
            now - dt.timedelta(minutes=30) if live else now + dt.timedelta(hours=hours_apart * n)
        )
        meeting = Meeting(
            customer=customer,
            host=host,
            topic=f"Product training & Q&A, session {n + 1}",
            server_meeting_id=str(200000 + n),
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=1),
            is_published=True,
            live_state=LiveState.LIVE if live else LiveState.SCHEDULED,
            attendees=7 + n if live else 0,
            sync_state=SyncState.SYNCED,
        )
        meeting.password = f"pw{n:04d}"
        meetings.append(meeting)
    Meeting.objects.bulk_create(meetings, batch_size=500)
    return customer


def full() -> bool:
    """Whether the large sizes run (``make bench-full``, ``python -m bench --full``)."""
    import os

    return os.environ.get("BENCH_FULL", "") not in ("", "0", "false")


HEADER = f"  {'name':40} {'ours':>11} {'baseline':>11} {'ratio':>6} {'target':>8}  verdict"


def figure(
    name: str,
    ours: float,
    baseline: float,
    ratio: float,
    target: str = "",
    *,
    met: bool | None = None,
    digits: int = 3,
) -> bool:
    """Prints one figure as ``name ours baseline ratio target verdict``; True if it missed.

    ``target`` is shown as given ("<= 1.30", ">= 0.50"); without one the
    verdict is "info" and the figure can never fail the run.
    """
    verdict = "info" if met is None else ("ok" if met else "MISSED")
    print(
        f"  {name:40} {ours:11.{digits}f} {baseline:11.{digits}f} {ratio:6.2f} "
        f"{target or '-':>8}  {verdict}",
        flush=True,
    )
    return met is False
