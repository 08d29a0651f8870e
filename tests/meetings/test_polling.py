import datetime as dt
import logging
import os

import pytest
from django.utils import timezone

from conferencing.base import Capability
from conferencing.turbomeeting.client import PATHS
from meetings import polling
from meetings.models import LiveState, Meeting
from meetings.tasks import meetings_poll
from portal.accounts.models import MeetingServer, SyncState
from tests.conftest import INTEGRATION_CODE, environment_server_follows_settings
from tests.factories import HostFactory, MeetingFactory, put_on_fake_server

pytestmark = pytest.mark.django_db


class NoStatusBackend:
    """A server that cannot report status: the poller must not even ask it."""

    capabilities = frozenset({Capability.SCHEDULE})
    credentials = {}

    def __init__(self, **options):
        pass

    def meeting_status(self, meeting_id):
        raise AssertionError("asked a backend without the STATUS capability")


@pytest.fixture(autouse=True)
def _poll_settings(settings, tmp_path):
    # The file lock lives in VAR_DIR: keep it away from a `make run` or another test run.
    settings.VAR_DIR = tmp_path
    settings.POLL_ENDED_AFTER = 2


@pytest.fixture
def host():
    return HostFactory()


@pytest.fixture
def meeting(fake_tm, host):
    """Make a synced meeting starting ``start_in`` minutes from now, known to the fake server."""

    def make(start_in=10, length=60, **fields):
        if not fields.get("is_recurring"):
            start = timezone.now() + dt.timedelta(minutes=start_in)
            fields = {"starts_at": start, "ends_at": start + dt.timedelta(minutes=length)} | fields
        made = MeetingFactory(host=host, **fields)
        put_on_fake_server(fake_tm, made)
        return made

    return make


def asked(fake):
    path = PATHS["meeting_status"].path
    return sorted(r.params["meeting_id"] for r in fake.requests if r.path == path)


def samples(meeting):
    return [(s.taken_at, s.active, s.attendees) for s in meeting.samples.all()]


def test_only_meetings_whose_window_is_open_are_asked(fake_tm, meeting, host):
    host.customer.early_polling_minutes = 60  # by default the whole day would be open
    host.customer.save()
    too_early = meeting(start_in=120)
    open_ = meeting(start_in=10)
    recurring = meeting(is_recurring=True)
    passed = meeting(start_in=-300, length=60)
    not_synced = meeting(sync_state=SyncState.PENDING)
    cancelled = meeting(cancelled_at=timezone.now())

    report = polling.poll_round()

    # A change still waiting for the server does not stop the server's status coming in.
    expected = [open_.server_meeting_id, recurring.server_meeting_id, not_synced.server_meeting_id]
    assert asked(fake_tm) == sorted(expected)
    assert (report.polled, report.live, report.failed, report.ended) == (3, 0, 0, 1)
    states = dict(Meeting.objects.values_list("pk", "live_state"))
    assert states[passed.pk] == LiveState.ENDED  # never seen live, window over: no call needed
    for m in (too_early, open_, recurring, not_synced, cancelled):
        assert states[m.pk] == LiveState.SCHEDULED
    open_.refresh_from_db()
    assert open_.last_polled_at is not None and [s[1:] for s in samples(open_)] == [(False, 0)]
    too_early.refresh_from_db()
    assert too_early.last_polled_at is None and samples(too_early) == []

    polling.poll_round()
    assert passed.server_meeting_id not in asked(fake_tm)


def test_a_live_meeting_stores_attendees_and_a_sample(fake_tm, meeting):
    m = meeting()
    fake_tm.set_live(m.server_meeting_id, attendees=7)
    now = timezone.now()

    report = polling.poll_round(now=now)

    m.refresh_from_db()
    assert (report.polled, report.live) == (1, 1)
    assert (m.live_state, m.attendees, m.inactive_polls) == (LiveState.LIVE, 7, 0)
    assert m.last_seen_active_at == now and m.last_polled_at == now
    assert samples(m) == [(now, True, 7)]


def test_ended_only_after_enough_inactive_polls(fake_tm, meeting, settings):
    settings.POLL_ENDED_AFTER = 3
    m = meeting()
    fake_tm.set_live(m.server_meeting_id, attendees=4)
    polling.poll_round()
    fake_tm.set_ended(m.server_meeting_id)

    for inactive in (1, 2):
        assert polling.poll_round().ended == 0
        m.refresh_from_db()
        assert (m.live_state, m.attendees, m.inactive_polls) == (LiveState.LIVE, 4, inactive)
    assert polling.poll_round().ended == 1
    m.refresh_from_db()
    assert (m.live_state, m.attendees) == (LiveState.ENDED, 0)
    assert [s[1:] for s in samples(m)] == [(True, 4), (False, 0), (False, 0), (False, 0)]

    fake_tm.requests.clear()
    assert polling.poll_round().polled == 0 and asked(fake_tm) == []


def test_a_meeting_rejoined_before_confirmation_stays_live(fake_tm, meeting):
    m = meeting()
    fake_tm.set_live(m.server_meeting_id, attendees=5)
    polling.poll_round()
    fake_tm.set_ended(m.server_meeting_id)
    polling.poll_round()
    fake_tm.set_live(m.server_meeting_id, attendees=3)

    polling.poll_round()
    m.refresh_from_db()
    assert (m.live_state, m.attendees, m.inactive_polls) == (LiveState.LIVE, 3, 0)

    fake_tm.set_ended(m.server_meeting_id)
    polling.poll_round()
    m.refresh_from_db()
    assert m.live_state == LiveState.LIVE  # the count started again


def test_an_ended_recurring_meeting_is_scheduled_and_still_polled(fake_tm, meeting):
    m = meeting(is_recurring=True)
    fake_tm.set_live(m.server_meeting_id)
    polling.poll_round()
    fake_tm.set_ended(m.server_meeting_id)
    polling.poll_round()
    assert polling.poll_round().ended == 1
    m.refresh_from_db()
    assert (m.live_state, m.attendees) == (LiveState.SCHEDULED, 0)

    fake_tm.set_live(m.server_meeting_id, attendees=2)
    assert polling.poll_round().live == 1


@pytest.mark.parametrize("mode", ["down", "slow"])
def test_server_trouble_leaves_states_alone_and_ends_the_round(fake_tm, meeting, mode, caplog):
    live = meeting()
    fake_tm.set_live(live.server_meeting_id, attendees=6)
    others = [meeting() for _ in range(4)]
    polling.poll_round()
    before = {m.pk: m for m in Meeting.objects.all()}
    fake_tm.mode = mode

    with caplog.at_level(logging.WARNING, logger="meetings.polling"):
        report = polling.poll_round()

    assert (report.polled, report.failed, report.live, report.ended) == (5, 5, 0, 0)
    assert report.seconds < 4  # one read timeout (0.5 s) with retries, not five
    for m in [live, *others]:
        m.refresh_from_db()
        old = before[m.pk]
        assert (m.live_state, m.attendees, m.last_polled_at, m.inactive_polls) == (
            old.live_state,
            old.attendees,
            old.last_polled_at,
            old.inactive_polls,
        )
        assert len(samples(m)) == 1
    [record] = caplog.records
    assert "no answer for 5 of 5 meetings" in record.getMessage()
    assert INTEGRATION_CODE not in caplog.text


def test_a_down_server_is_not_asked_about_every_meeting(fake_tm, meeting, settings):
    settings.POLL_CONCURRENCY = 2
    for _ in range(20):
        meeting()
    fake_tm.mode = "down"

    report = polling.poll_round()

    assert (report.polled, report.failed) == (20, 20)
    # Each call is tried 3 times: 60 requests without the breaker; with it, the
    # calls up to the third failure and the one in flight beside it.
    assert polling.BREAKER_AFTER == 3
    assert len(fake_tm.requests) <= (3 + 1) * 3


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_a_round_is_skipped_while_another_holds_the_lock(fake_tm, meeting, settings, kind):
    if kind == "redis" and not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis (CI runs it with REDIS_URL=redis://...)")
    settings.REDIS_URL = os.environ["REDIS_URL"] if kind == "redis" else ""
    meeting()
    held = polling.PollLock()
    assert held.acquire()
    try:
        assert not polling.PollLock().acquire()
        report = polling.poll_round()
        assert report.skipped_locked and report.polled == 0
        assert asked(fake_tm) == []
    finally:
        held.release()

    report = polling.poll_round()
    assert not report.skipped_locked and report.polled == 1


def test_a_server_without_status_is_not_asked_and_the_others_are(
    fake_tm, meeting, host, register_backend
):
    register_backend("test-no-status")(NoStatusBackend)
    elsewhere = HostFactory()
    elsewhere.customer.server = MeetingServer.objects.create(
        backend="test-no-status", name="No status", base_url="https://nostatus.example"
    )
    elsewhere.customer.save()
    not_asked = MeetingFactory(host=elsewhere, starts_at=timezone.now(), ends_at=timezone.now())
    on_the_default = meeting(start_in=-10)

    report = polling.poll_round()

    assert (report.polled, report.live, report.failed) == (1, 1, 0)
    assert asked(fake_tm) == [on_the_default.server_meeting_id]
    not_asked.refresh_from_db()
    assert not_asked.live_state == LiveState.SCHEDULED and not not_asked.samples.exists()


@pytest.mark.parametrize("count", [3, 30])
def test_queries_do_not_grow_with_the_number_of_meetings(
    fake_tm, meeting, count, django_assert_max_num_queries
):
    for _ in range(count):
        meeting(start_in=-10)  # running by the fake's clock: live
    meeting(start_in=-300)  # expired in the same round

    # the claim (savepoint, meetings, their claim update, release), their customers and
    # servers, savepoint, bulk update, webhook endpoints of the customers whose meetings
    # started, publication version, bulk insert, release, expire update
    with django_assert_max_num_queries(12):
        report = polling.poll_round()

    assert (report.polled, report.live, report.ended) == (count, count, 1)
    assert Meeting.objects.filter(live_state=LiveState.LIVE, samples__active=True).count() == count


@pytest.mark.parametrize("count", [4, 40])
def test_different_answers_cost_one_statement_per_kind_of_change(
    fake_tm, meeting, count, django_assert_max_num_queries
):
    """Answers are written by kind of change, not by meeting: meetings seen live (whatever
    their attendee counts) and meetings not live yet make two UPDATEs however many."""
    live = [meeting(start_in=-10) for _ in range(count)]
    for n, m in enumerate(live):
        fake_tm.set_live(m.server_meeting_id, attendees=2 if n % 2 else 5)
    waiting = [meeting(start_in=10) for _ in range(count)]  # due, not started on the fake

    # the claim (savepoint, meetings, their claim update, release), their customers and
    # servers, savepoint, 2 updates, webhook endpoints, publication version, bulk insert,
    # release, expire update
    with django_assert_max_num_queries(13):
        report = polling.poll_round()

    assert (report.polled, report.live) == (2 * count, count)
    for n, m in enumerate(live):
        m.refresh_from_db()
        assert (m.live_state, m.attendees) == (LiveState.LIVE, 2 if n % 2 else 5)
    for m in waiting:
        m.refresh_from_db()
        assert (m.live_state, m.attendees) == (LiveState.SCHEDULED, 0)
        assert m.last_polled_at is not None


def test_the_celery_task_runs_a_round(fake_tm, meeting):
    m = meeting()
    fake_tm.set_live(m.server_meeting_id, attendees=9)

    meetings_poll.delay()

    m.refresh_from_db()
    assert (m.live_state, m.attendees) == (LiveState.LIVE, 9)


def test_a_server_that_is_down_costs_only_its_own_meetings(fake_tm, meeting, settings):
    """Two servers polled in one round: the one that is down fails only its own meetings."""
    from conferencing.fakes.server import serve
    from conferencing.fakes.turbomeeting import FakeTurboMeeting

    settings.SERVER_READ_TIMEOUT = 0.3
    down = FakeTurboMeeting(partner_id="p2", integration_code="c2")
    with serve(down) as running:
        server = MeetingServer(backend="turbomeeting", name="Down", base_url=running.url)
        server.set_credentials({"service_company_uid": "p2", "integration_code": "c2"})
        server.save()
        elsewhere = HostFactory()
        elsewhere.customer.server = server
        elsewhere.customer.save()
        on_the_down_server = [
            put_on_fake_server(down, MeetingFactory(host=elsewhere, starts_at=timezone.now()))
            for _ in range(10)
        ]
        live = meeting(start_in=-10)
        down.mode = "down"

        report = polling.poll_round()

    assert (report.polled, report.live, report.failed) == (11, 1, 10)
    live.refresh_from_db()
    assert live.live_state == LiveState.LIVE
    assert all(m.samples.count() == 0 for m in on_the_down_server)


# --- hosts who start early ------------------------------------------------------------------

BERLIN_MORNING = dt.datetime(2031, 6, 2, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))


@pytest.fixture
def berlin_host(host):
    host.customer.time_zone = "Europe/Berlin"
    host.customer.save()
    return host


def on_server(fake, host, start, **fields):
    return put_on_fake_server(
        fake,
        MeetingFactory(host=host, starts_at=start, ends_at=start + dt.timedelta(hours=1), **fields),
    )


def test_a_meeting_later_today_is_asked_now_and_then_not_every_round(fake_tm, berlin_host):
    now = BERLIN_MORNING
    this_afternoon = on_server(fake_tm, berlin_host, now + dt.timedelta(hours=6))
    tomorrow = on_server(fake_tm, berlin_host, now + dt.timedelta(hours=17))  # 01:00 next day

    polling.poll_round(now=now)
    assert asked(fake_tm) == [this_afternoon.server_meeting_id]

    fake_tm.requests.clear()
    polling.poll_round(now=now + dt.timedelta(seconds=30))
    assert asked(fake_tm) == []  # far off: the slower cadence

    polling.poll_round(now=now + dt.timedelta(minutes=5))
    assert asked(fake_tm) == [this_afternoon.server_meeting_id]
    assert tomorrow.server_meeting_id not in asked(fake_tm)


def test_a_host_who_starts_early_is_seen_live(fake_tm, berlin_host):
    now = timezone.now()
    later = on_server(fake_tm, berlin_host, now + dt.timedelta(minutes=90))
    berlin_host.customer.early_polling_minutes = 120
    berlin_host.customer.save()
    fake_tm.set_live(later.server_meeting_id, attendees=2)

    polling.poll_round(now=now)

    later.refresh_from_db()
    assert (later.live_state, later.attendees) == (LiveState.LIVE, 2)


def test_the_customer_can_narrow_the_early_window(fake_tm, berlin_host):
    now = BERLIN_MORNING
    berlin_host.customer.early_polling_minutes = 30
    berlin_host.customer.save()
    in_three_hours = on_server(fake_tm, berlin_host, now + dt.timedelta(hours=3))
    in_twenty_minutes = on_server(fake_tm, berlin_host, now + dt.timedelta(minutes=20))

    polling.poll_round(now=now)

    assert asked(fake_tm) == [in_twenty_minutes.server_meeting_id]
    assert in_three_hours.server_meeting_id not in asked(fake_tm)


def test_a_server_record_that_cannot_make_a_client_does_not_stop_the_round(
    fake_tm, meeting, settings, caplog
):
    from cryptography.fernet import Fernet

    broken = MeetingServer(backend="turbomeeting", name="Key gone", base_url="https://x.example")
    broken.set_credentials({"integration_code": "c"})
    broken.save()
    elsewhere = HostFactory()
    elsewhere.customer.server = broken
    elsewhere.customer.save()
    MeetingFactory(host=elsewhere, starts_at=timezone.now(), ends_at=timezone.now())
    live = meeting(start_in=-10)
    settings.CONFERENCING_SECRET_KEYS = [Fernet.generate_key().decode()]  # the old key lost
    environment_server_follows_settings()  # migrate encrypts the environment's with the new

    report = polling.poll_round()

    assert (report.polled, report.live) == (1, 1)
    live.refresh_from_db()
    assert live.live_state == LiveState.LIVE
    assert "cannot ask" in caplog.text


def test_a_live_meeting_whose_server_stops_answering_says_when_it_was_last_seen(
    fake_tm, meeting, host, client, settings
):
    """Not "Live now · 5 attending" for ever: pages and feeds say how old the state is."""
    settings.SERVER_READ_TIMEOUT = 0.3
    m = meeting(is_published=True)
    fake_tm.set_live(m.server_meeting_id, attendees=5)
    polling.poll_round()
    m.refresh_from_db()
    assert m.is_live and not m.live_is_stale

    fake_tm.mode = "down"
    report = polling.poll_round()
    assert report.failed == 1
    m.refresh_from_db()
    assert m.live_is_stale and m.server_silent_since is not None

    client.force_login(host.user)
    label = client.get("/dashboard/status.json").json()[str(m.pk)]["label"]
    assert label.startswith("Last seen live") and "not answering" in label
    assert "Last seen live" in client.get(f"/dashboard/meetings/{m.pk}/").content.decode()
    slug = host.customer.slug
    [listed] = client.get(f"/p/{slug}/meetings.json").json()["meetings"]
    assert listed["live_seen_at"] is not None
    page = client.get(f"/p/{slug}/meetings/").content.decode()
    assert "Last seen live at" in page and "Live now" not in page

    fake_tm.mode = "ok"
    polling.poll_round()
    m.refresh_from_db()
    assert m.is_live and not m.live_is_stale
    [listed] = client.get(f"/p/{slug}/meetings.json").json()["meetings"]
    assert listed["live_seen_at"] is None and listed["is_live"] is True
