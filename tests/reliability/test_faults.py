"""Every operation that reaches the meeting server, under every way the server can fail,
against every kind of server the portal drives.

Each scenario runs one operation while the fake server (real HTTP) is broken
one way, checks that the portal kept the object and told the person why,
then mends the server, lets the retry sweep and (where the outcome was in
doubt) an operator or the host act, and counts what was lost locally and what
was duplicated on the server. Both must be 0. ``make reliability`` writes the
table to docs/RELIABILITY.md; ``make test`` runs the same scenarios.

The servers: TurboMeeting (the default server of the ``TM_*`` settings),
TrueConf and OpenMeetings (configured servers), and Webex for what it does:
its URL API works only in the host's browser, so the portal's own calls never
reach it; its scenarios are the customer's and the meeting's lifecycle, the
meeting scheduled by the host's browser once the site is back. BigBlueButton
holds a meeting only while it runs: its meeting is created when the host
presses Start, the one operation only such a server has.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.test import Client
from django.utils import timezone

from conferencing.base import ServerRefused
from conferencing.fakes.bigbluebutton import FakeBigBlueButton
from conferencing.fakes.openmeetings import FakeOpenMeetings
from conferencing.fakes.server import serve
from conferencing.fakes.trueconf import FakeTrueConf
from conferencing.fakes.webex import DEMO_USER, FakeWebex
from meetings import polling, selectors, services as meetings
from meetings.models import LiveState, Meeting
from portal import servers
from portal.accounts import services as accounts
from portal.accounts.models import Customer, Host, MeetingServer, SyncState
from tests.conftest import PARTNER_ID
from tests.factories import company_uid
from webinars.models import Registration, Webinar
from webinars.services.mailing import mails_requeue_due
from webinars.services.webinars import webinar_create

pytestmark = pytest.mark.django_db

# The portal reads for 0.5 s (tests/conftest.py fake_tm); these answer later.
FAULTS = {
    "down": {"mode": "down"},  # 503 to everything
    "slow": {"mode": "slow", "delay": 1.5},  # gives up before the server does anything
    "late": {"mode": "late", "delay": 1.5},  # the server acts, the answer comes too late
    "reset": {"mode": "reset"},  # the server acts, the connection drops mid-answer
    "garbage": {"mode": "garbage"},  # HTML where XML (JSON) was promised
    "refused": {"refused": True},  # the server says no, with a reason
}


@dataclass
class Outcome:
    operation: str
    fault: str
    server: str = "TurboMeeting"
    tried: int = 1
    lost: int = 0
    duplicated: int = 0
    orphaned: int = 0  # meeting IDs the server reserved that nothing scheduled (harmless)
    reason_shown: bool = True
    reconciled: bool = False
    section: str = "Faults"

    @property
    def ok(self) -> bool:
        return not self.lost and not self.duplicated and self.reason_shown and self.reconciled


class Server:
    """One kind of meeting server as the scenarios see it: its fake, and what it holds."""

    label = ""
    record: MeetingServer | None = None  # None: the default server (TM_* settings)
    #: What it does: the scenarios and faults that apply (Webex lacks some; see the docstring).
    operations: tuple[str, ...] = ()  # () : every one
    faults: tuple[str, ...] = ()
    fake_class: type = type(None)

    def __init__(self, fake, settings) -> None:
        self.fake, self.settings = fake, settings

    def base_url(self, served: str) -> str:
        return served

    def credentials(self) -> dict[str, str]:
        """What its server record holds besides the URL."""
        return self.fake.backend_options()

    def refuse(self, refused: bool) -> None:
        raise NotImplementedError

    def ready(self, customer: Customer) -> None:
        """Talk to it once while it is well, as a portal in use has (a token, a session)."""
        with contextlib.suppress(ServerRefused):
            servers.backend(customer).meeting_status("1")

    def accounts_named(self, name: str) -> int:
        return 0  # only TurboMeeting keeps customer accounts

    def has_account(self, customer: Customer) -> bool:
        return not company_uid(customer)

    def titled(self, topic: str) -> int:
        raise NotImplementedError

    def holds(self, meeting: Meeting) -> bool:
        """The server holds ``meeting`` under its ID, as the portal has it."""
        raise NotImplementedError

    def gone(self, meeting: Meeting) -> bool:
        return not self.titled(meeting.topic)

    def ids(self) -> set[str]:
        """The IDs of every meeting (conference, room) on the server."""
        raise NotImplementedError

    def orphaned(self) -> int:
        """Meetings on the server that no meeting of the portal's names."""
        known = set(Meeting.objects.values_list("server_meeting_id", flat=True))
        return len(self.ids() - known)

    def set_live(self, meeting: Meeting, attendees: int) -> None:
        self.fake.set_live(meeting.server_meeting_id, attendees=attendees)

    def schedule_in_browser(self, meeting: Meeting) -> None:
        raise NotImplementedError


class TurboMeeting(Server):
    label = "TurboMeeting"

    def refuse(self, refused: bool) -> None:  # Status FAILED with a reason
        self.settings.TM_SERVICE_COMPANY_UID = "not-our-partner-id" if refused else PARTNER_ID

    def ready(self, customer: Customer) -> None:
        pass  # every call carries the partner ID: nothing to hold on to

    def accounts_named(self, name: str) -> int:
        return sum(a.company_name == name for a in self.fake.accounts.values())

    def has_account(self, customer: Customer) -> bool:
        account = self.fake.accounts.get(company_uid(customer))
        return account is not None and account.company_name == customer.name

    def titled(self, topic: str) -> int:
        return sum(m.topic == topic for m in self.fake.meetings.values())

    def holds(self, meeting: Meeting) -> bool:
        on_server = self.fake.meetings.get(meeting.server_meeting_id)
        return on_server is not None and (on_server.topic, on_server.start) == (
            meeting.topic,
            meeting.starts_at,
        )

    def gone(self, meeting: Meeting) -> bool:
        """TurboMeeting learns of a cancellation from the host's list (/tm/meetings)."""
        return meeting.pk not in {m.pk for m in selectors.scheduled_meetings(meeting.host)}

    def orphaned(self) -> int:  # explained in the report: reserved IDs, nothing scheduled
        return len(self.fake.reserved)


class TrueConf(Server):
    label = "TrueConf"
    fake_class = FakeTrueConf

    def refuse(self, refused: bool) -> None:  # every token refused: 401, then 401 again
        self.fake.reject_tokens = refused

    def titled(self, topic: str) -> int:
        return sum(c.topic == topic for c in self.fake.conferences.values())

    def ids(self) -> set[str]:
        return set(self.fake.conferences)

    def holds(self, meeting: Meeting) -> bool:
        on_server = self.fake.conferences.get(meeting.server_meeting_id)
        return on_server is not None and (
            on_server.topic,
            on_server.schedule.get("start_time"),
        ) == (meeting.topic, int(meeting.starts_at.timestamp()))


class OpenMeetings(Server):
    label = "OpenMeetings"
    fake_class = FakeOpenMeetings

    def refuse(self, refused: bool) -> None:  # the portal's user loses the SOAP right
        self.fake.soap_right = not refused

    def titled(self, topic: str) -> int:
        return sum(r.dto["name"] == topic for r in self.fake.rooms.values())

    def ids(self) -> set[str]:
        return {str(room_id) for room_id in self.fake.rooms}

    def holds(self, meeting: Meeting) -> bool:  # a room keeps no times
        on_server = self.fake.rooms.get(int(meeting.server_meeting_id or 0))
        return on_server is not None and on_server.dto["name"] == meeting.topic


class Webex(Server):
    label = "Webex"
    operations = ("customer create", "customer update", "meeting schedule", "meeting cancel")
    faults = ("down", "slow", "late", "reset", "garbage")
    fake_class = FakeWebex

    def base_url(self, served: str) -> str:
        self.fake.base_url = self.fake.site_url(served)
        return self.fake.base_url

    def refuse(self, refused: bool) -> None:
        assert not refused, "nothing of the portal's reaches Webex to be refused"

    def ready(self, customer: Customer) -> None:
        pass  # the portal never calls it but to ping

    def titled(self, topic: str) -> int:
        return sum(m.topic == topic for m in self.fake.meetings.values())

    def ids(self) -> set[str]:
        return set(self.fake.meetings)

    def holds(self, meeting: Meeting) -> bool:
        on_server = self.fake.meetings.get(meeting.server_meeting_id)
        return on_server is not None and on_server.topic == meeting.topic

    def gone(self, meeting: Meeting) -> bool:
        """The URL API cannot delete: the meeting leaves the portal's lists and feeds."""
        return meeting.pk not in {m.pk for m in selectors.scheduled_meetings(meeting.host)}

    def schedule_in_browser(self, meeting: Meeting) -> None:
        """What the host does: schedule on the site, signed in, and come back."""
        back = "http://testserver/back/"
        url = meetings.meeting_schedule_in_browser_url(meeting=meeting, back_url=back)
        browser = requests.Session()
        ticket = self.fake.issue_ticket(DEMO_USER)
        browser.get(f"{self.fake.base_url}/p.php?AT=LI&WID={DEMO_USER}&TK={ticket}", timeout=5)
        for _ in range(5):
            url = browser.get(url, allow_redirects=False, timeout=5).headers.get("Location", "")
            if url.startswith(back):
                break
        meetings.meeting_scheduled_in_browser(
            meeting=meeting, answer=dict(parse_qsl(urlsplit(url).query))
        )


class BigBlueButton(Server):
    label = "BigBlueButton"
    operations = (
        "customer create",
        "customer update",
        "meeting schedule",
        "meeting edit",
        "meeting cancel",
        "meeting start",
        "status polling",
        "registration and mail",
    )
    fake_class = FakeBigBlueButton

    def __init__(self, fake, settings) -> None:
        super().__init__(fake, settings)
        self.secret = fake.secret

    def base_url(self, served: str) -> str:
        return self.fake.site_url(served)

    def credentials(self) -> dict[str, str]:
        return {"secret": self.secret}

    def refuse(self, refused: bool) -> None:  # the server's secret is no longer the portal's
        self.fake.secret = "a-secret-changed-on-the-server" if refused else self.secret

    def titled(self, topic: str) -> int:
        return sum(m.name == topic for m in self.fake.meetings.values())

    def ids(self) -> set[str]:
        return set(self.fake.meetings)

    def holds(self, meeting: Meeting) -> bool:
        """Named by the portal; on the server only while it runs, with the portal's topic."""
        running = self.fake.meetings.get(meeting.server_meeting_id)
        return bool(meeting.server_meeting_id) and (
            running is None or running.name == meeting.topic
        )

    def gone(self, meeting: Meeting) -> bool:
        return meeting.server_meeting_id not in self.fake.meetings


SERVERS = {
    vendor.label: vendor for vendor in (TurboMeeting, TrueConf, OpenMeetings, Webex, BigBlueButton)
}
#: What only a server that creates meetings when they start does (Server.operations).
ON_START = ("meeting start",)


@contextlib.contextmanager
def running(label: str, fake_tm, settings) -> Iterator[Server]:
    """The server the scenario's customers use, on a loopback port."""
    if label == "TurboMeeting":
        yield TurboMeeting(fake_tm, settings)
        return
    vendor = SERVERS[label]
    fake = vendor.fake_class()
    with serve(fake) as served:
        server = vendor(fake, settings)
        server.record = accounts.server_save(
            server=MeetingServer(),
            backend=label.lower(),
            name=label,
            base_url=server.base_url(served.url),
            credentials=server.credentials(),
        )
        yield server


class World:
    """The fake server, the portal's settings and the commit hook, for one scenario."""

    def __init__(self, server: Server, settings, commit) -> None:
        self.server, self.fake, self.settings, self.commit = server, server.fake, settings, commit

    def broken(self, fault: str) -> None:
        spec = FAULTS[fault]
        self.fake.mode = spec.get("mode", "ok")
        self.fake.delay = spec.get("delay", 0)
        self.server.refuse(spec.get("refused", False))

    def mended(self) -> None:
        self.fake.mode = "ok"
        self.server.refuse(False)

    def run(self, action):
        with self.commit(execute=True):
            return action()

    def sweep(self) -> None:
        """What beat does once the server is back: push everything (made due now)."""
        past = timezone.now() - dt.timedelta(seconds=1)
        Customer.objects.exclude(next_sync_at=None).update(next_sync_at=past)
        Meeting.objects.exclude(next_sync_at=None).update(next_sync_at=past)
        self.run(accounts.customers_push_due)
        self.run(meetings.meetings_push_due)

    def operator_resolves(self) -> None:
        """What a person does for a customer in doubt: look on the server, then decide."""
        for customer in Customer.objects.filter(sync_state=SyncState.ATTENTION):
            found = [u for u, a in self.fake.accounts.items() if a.company_name == customer.name]
            self.run(lambda c=customer, f=found: accounts.customer_resolve(
                customer=c, account_id=f[0] if f else ""
            ))  # fmt: skip

    def host_schedules_in_browser(self) -> None:
        """What a host does for a meeting the server takes only from their browser."""
        for meeting in Meeting.objects.filter(sync_state=SyncState.ATTENTION):
            self.run(lambda m=meeting: self.server.schedule_in_browser(m))

    def accounts_named(self, name: str) -> int:
        return self.server.accounts_named(name)

    def meetings_titled(self, topic: str) -> int:
        return self.server.titled(topic)

    def customer(self, name: str) -> Customer:
        return self.run(lambda: accounts.customer_create(
            name=name, contact_email="it@x.example", server=self.server.record
        ))  # fmt: skip

    def host(self, name: str) -> Host:
        """A host of a customer that is on the server (made while the server is well)."""
        customer = self.customer(name)
        customer.refresh_from_db()
        assert customer.sync_state == SyncState.SYNCED, customer.sync_error
        self.server.ready(customer)
        return accounts.host_create(customer=customer, email=f"host@{customer.slug}.example")


def _shows_reason(obj) -> bool:
    obj.refresh_from_db()
    return obj.sync_state == SyncState.SYNCED or bool(obj.sync_error)


# --- the operations ------------------------------------------------------------------


def customer_create(world: World, fault: str, outcome: Outcome) -> None:
    name = f"Create under {fault}"
    world.broken(fault)
    world.customer(name)
    customer = Customer.objects.filter(name=name).first()
    outcome.lost = int(customer is None)
    outcome.reason_shown = customer is not None and _shows_reason(customer)
    world.mended()
    world.operator_resolves()
    world.sweep()
    customer = Customer.objects.get(name=name)
    outcome.duplicated = max(0, world.accounts_named(name) - 1)
    outcome.reconciled = customer.sync_state == SyncState.SYNCED and world.server.has_account(
        customer
    )


def customer_update(world: World, fault: str, outcome: Outcome) -> None:
    before, after = f"Before {fault}", f"After {fault}"
    customer = world.customer(before)
    customer.refresh_from_db()
    world.broken(fault)
    world.run(lambda: accounts.customer_update(customer=customer, name=after))
    customer.refresh_from_db()
    outcome.lost = int(customer.name != after)
    outcome.reason_shown = _shows_reason(customer)
    world.mended()
    world.sweep()
    customer.refresh_from_db()
    outcome.duplicated = max(0, world.accounts_named(before) + world.accounts_named(after) - 1)
    outcome.reconciled = (
        customer.sync_state == SyncState.SYNCED
        and customer.name == after
        and world.server.has_account(customer)
    )


def _times(hours: int = 2) -> dict:
    start = (timezone.now() + dt.timedelta(hours=hours)).replace(second=0, microsecond=0)
    return {"starts_at": start, "ends_at": start + dt.timedelta(hours=1)}


def meeting_schedule(world: World, fault: str, outcome: Outcome) -> None:
    host = world.host(f"Scheduling under {fault}")
    topic = f"Scheduled under {fault}"
    world.broken(fault)
    world.run(lambda: meetings.meeting_schedule(host=host, topic=topic, **_times()))
    meeting = Meeting.objects.filter(topic=topic).first()
    outcome.lost = int(meeting is None)
    outcome.reason_shown = meeting is not None and _shows_reason(meeting)
    world.mended()
    world.sweep()
    world.host_schedules_in_browser()
    meeting = Meeting.objects.get(topic=topic)
    outcome.duplicated = max(0, world.meetings_titled(topic) - 1)
    outcome.reconciled = meeting.sync_state == SyncState.SYNCED and world.server.holds(meeting)


def meeting_edit(world: World, fault: str, outcome: Outcome) -> None:
    host = world.host(f"Editing under {fault}")
    before, after = f"Topic before {fault}", f"Topic after {fault}"
    meeting = world.run(lambda: meetings.meeting_schedule(host=host, topic=before, **_times()))
    meeting.refresh_from_db()
    later = _times(hours=5)
    world.broken(fault)
    world.run(lambda: meetings.meeting_update(meeting=meeting, topic=after, **later))
    meeting.refresh_from_db()
    outcome.lost = int(meeting.topic != after or meeting.starts_at != later["starts_at"])
    outcome.reason_shown = _shows_reason(meeting)
    world.mended()
    world.sweep()
    meeting.refresh_from_db()
    outcome.duplicated = max(0, world.meetings_titled(before) + world.meetings_titled(after) - 1)
    outcome.reconciled = meeting.sync_state == SyncState.SYNCED and world.server.holds(meeting)


def meeting_cancel(world: World, fault: str, outcome: Outcome) -> None:
    """A server that deletes meetings is asked to; the others learn of it from the host's
    list (TurboMeeting's /tm/meetings) or the portal's feeds."""
    host = world.host(f"Cancelling under {fault}")
    topic = f"Cancelled under {fault}"
    meeting = world.run(lambda: meetings.meeting_schedule(host=host, topic=topic, **_times()))
    world.host_schedules_in_browser()
    meeting.refresh_from_db()
    world.broken(fault)
    world.run(lambda: meetings.meeting_cancel(meeting=meeting))
    meeting.refresh_from_db()
    outcome.lost = int(meeting.cancelled_at is None)
    outcome.reason_shown = _shows_reason(meeting)
    world.mended()
    world.sweep()
    meeting.refresh_from_db()
    outcome.duplicated = max(0, world.meetings_titled(topic) - 1)
    outcome.reconciled = meeting.sync_state == SyncState.SYNCED and world.server.gone(meeting)


def status_poll(world: World, fault: str, outcome: Outcome) -> None:
    """A server that cannot say must not end a live meeting, nor lose its count."""
    host = world.host(f"Polling under {fault}")
    start = timezone.now() + dt.timedelta(
        minutes=2
    )  # a start in the past is refused: started early
    end = start + dt.timedelta(hours=1)
    meeting = world.run(lambda: meetings.meeting_schedule(
        host=host, topic=f"Live under {fault}", starts_at=start, ends_at=end
    ))  # fmt: skip
    meeting.refresh_from_db()
    world.server.set_live(meeting, 6)
    polling.poll_round()
    meeting.refresh_from_db()
    assert meeting.live_state == LiveState.LIVE
    world.broken(fault)
    for _ in range(3):  # more rounds than it takes to call a meeting ended
        polling.poll_round()
    meeting.refresh_from_db()
    outcome.tried = 3
    outcome.lost = int(meeting.live_state != LiveState.LIVE or meeting.attendees != 6)
    world.mended()
    world.server.set_live(meeting, 9)
    polling.poll_round()
    meeting.refresh_from_db()
    outcome.reconciled = meeting.live_state == LiveState.LIVE and meeting.attendees == 9


def meeting_start(world: World, fault: str, outcome: Outcome) -> None:
    """The host presses Start while the server is broken, then again once it is mended:
    one meeting on the server, the host's link into it."""
    host = world.host(f"Starting under {fault}")
    topic = f"Started under {fault}"
    meeting = world.run(lambda: meetings.meeting_schedule(host=host, topic=topic, **_times()))
    browser = Client()
    browser.force_login(host.user)
    start = f"/dashboard/meetings/{meeting.pk}/start/"
    world.broken(fault)
    pressed = browser.post(start)
    if pressed["Location"] == f"/dashboard/meetings/{meeting.pk}/":
        outcome.reason_shown = "The meeting server" in browser.get(pressed["Location"]).text
    outcome.lost = int(not Meeting.objects.filter(pk=meeting.pk, cancelled_at=None).exists())
    world.mended()
    pressed = browser.post(start)
    outcome.tried = 2
    meeting.refresh_from_db()
    outcome.duplicated = max(0, world.meetings_titled(topic) - 1)
    outcome.reconciled = (
        pressed["Location"].startswith(world.server.record.base_url)
        and world.meetings_titled(topic) == 1
        and world.server.holds(meeting)
    )


def registration(world: World, fault: str, outcome: Outcome) -> None:
    """Registering (and its mail) never waits for the meeting server."""
    from django.core import mail

    host = world.host(f"Registering under {fault}")
    start = timezone.now() + dt.timedelta(days=2)
    webinar = world.run(lambda: webinar_create(
        host=host, title=f"Webinar under {fault}", starts_at=start,
        ends_at=start + dt.timedelta(hours=1), status=Webinar.Status.PUBLISHED,
    ))  # fmt: skip
    world.broken(fault)
    mail.outbox.clear()
    person = {"first_name": "Grace", "last_name": "Hopper", "email": f"grace-{fault}@x.example"}
    response = world.run(lambda: Client().post(f"/w/{webinar.slug}/register", person))
    outcome.lost = int(not Registration.objects.filter(email=person["email"]).exists())
    outcome.reason_shown = response.status_code == 201
    world.mended()
    world.sweep()
    outcome.duplicated = max(0, Registration.objects.filter(email=person["email"]).count() - 1)
    outcome.reconciled = len(mail.outbox) == 1


OPERATIONS = {
    "customer create": customer_create,
    "customer update": customer_update,
    "meeting schedule": meeting_schedule,
    "meeting edit": meeting_edit,
    "meeting cancel": meeting_cancel,
    "meeting start": meeting_start,
    "status polling": status_poll,
    "registration and mail": registration,
}


SCENARIOS = [
    pytest.param(label, operation, fault, id=f"{label}-{operation}-{fault}")
    for label, vendor in SERVERS.items()
    for operation in vendor.operations or [o for o in OPERATIONS if o not in ON_START]
    for fault in vendor.faults or FAULTS
]


@pytest.mark.parametrize(("server", "operation", "fault"), SCENARIOS)
def test_nothing_is_lost_or_duplicated(
    server, operation, fault, fake_tm, settings, tmp_path, django_capture_on_commit_callbacks,
    reliability_rows,
):  # fmt: skip
    settings.POLL_ENDED_AFTER = 2
    settings.VAR_DIR = tmp_path  # the poll round's file lock, away from other runs
    outcome = Outcome(operation, fault, server)
    with running(server, fake_tm, settings) as served:
        world = World(served, settings, django_capture_on_commit_callbacks)
        try:
            OPERATIONS[operation](world, fault, outcome)
            outcome.orphaned = served.orphaned()
        finally:
            reliability_rows.append(outcome)
    assert outcome.lost == 0, outcome
    assert outcome.duplicated == 0, outcome
    assert outcome.orphaned == 0 or server == "TurboMeeting", outcome  # its reserved IDs
    assert outcome.reason_shown, outcome
    assert outcome.reconciled, outcome


def test_a_mail_server_that_is_down_costs_no_registration_and_no_mail(
    fake_tm, settings, django_capture_on_commit_callbacks, reliability_rows
):
    """The registration is kept and the person told; the confirmation goes out, once, when
    the mail server is back (the sweep queues what never went)."""
    from django.core import mail

    from tests.reliability.processes import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 1
    world = World(TurboMeeting(fake_tm, settings), settings, django_capture_on_commit_callbacks)
    host = world.host("Mail down")
    start = timezone.now() + dt.timedelta(days=2)
    webinar = world.run(lambda: webinar_create(
        host=host, title="Mail down", starts_at=start, ends_at=start + dt.timedelta(hours=1),
        status=Webinar.Status.PUBLISHED,
    ))  # fmt: skip
    person = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@mail-down.example"}
    response = world.run(lambda: Client().post(f"/w/{webinar.slug}/register", person))
    registration = Registration.objects.filter(email=person["email"]).first()
    outcome = Outcome("registration and mail", "mail server down")
    outcome.lost = int(registration is None)
    outcome.reason_shown = (
        response.status_code == 201 and "on its way" in response.json()["message"]
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    later = timezone.now() + dt.timedelta(hours=1)
    for _ in range(2):  # the sweep runs every few minutes; a second run sends nothing
        world.run(lambda: mails_requeue_due(now=later))
    outcome.duplicated = max(0, len(mail.outbox) - 1)
    outcome.reconciled = len(mail.outbox) == 1 and mail.outbox[0].to == [person["email"]]
    reliability_rows.append(outcome)
    assert outcome.ok, outcome
