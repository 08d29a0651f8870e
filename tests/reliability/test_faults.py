"""Every operation that reaches the meeting server, under every way the server can fail.

Each scenario runs one operation while the fake server (real HTTP) is broken
one way, checks that the portal kept the object and told the person why,
then mends the server, lets the retry sweep and (where the outcome was in
doubt) an operator act, and counts what was lost locally and what was
duplicated on the server. Both must be 0. ``make reliability`` writes the
table to docs/RELIABILITY.md; ``make test`` runs the same scenarios.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from meetings import polling, selectors
from meetings import services as meetings
from meetings.models import LiveState, Meeting
from portal.accounts import services as accounts
from portal.accounts.models import Customer, Host, SyncState
from tests.conftest import PARTNER_ID
from webinars import services as webinars
from webinars.models import Registration, Webinar

pytestmark = pytest.mark.django_db

# The portal reads for 0.5 s (tests/conftest.py fake_tm); these answer later.
FAULTS = {
    "down": {"mode": "down"},  # 503 to everything
    "slow": {"mode": "slow", "delay": 1.5},  # gives up before the server does anything
    "late": {"mode": "late", "delay": 1.5},  # the server acts, the answer comes too late
    "reset": {"mode": "reset"},  # the server acts, the connection drops mid-answer
    "garbage": {"mode": "garbage"},  # HTML where XML was promised
    "refused": {"partner_id": "not-our-partner-id"},  # Status FAILED with a reason
}


@dataclass
class Outcome:
    operation: str
    fault: str
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


class World:
    """The fake server, the portal's settings and the commit hook, for one scenario."""

    def __init__(self, fake, settings, commit) -> None:
        self.fake, self.settings, self.commit = fake, settings, commit

    def broken(self, fault: str) -> None:
        spec = FAULTS[fault]
        self.fake.mode = spec.get("mode", "ok")
        self.fake.delay = spec.get("delay", 0)
        self.settings.TM_SERVICE_COMPANY_UID = spec.get("partner_id", PARTNER_ID)

    def mended(self) -> None:
        self.fake.mode = "ok"
        self.settings.TM_SERVICE_COMPANY_UID = PARTNER_ID

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
                customer=c, company_uid=f[0] if f else ""
            ))  # fmt: skip

    def accounts_named(self, name: str) -> int:
        return sum(a.company_name == name for a in self.fake.accounts.values())

    def meetings_titled(self, topic: str) -> int:
        return sum(m.topic == topic for m in self.fake.meetings.values())

    def customer(self, name: str) -> Customer:
        return self.run(lambda: accounts.customer_create(name=name, contact_email="it@x.example"))

    def host(self, name: str) -> Host:
        """A host of a customer that is on the server (made while the server is well)."""
        customer = self.customer(name)
        customer.refresh_from_db()
        assert customer.sync_state == SyncState.SYNCED, customer.sync_error
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
    outcome.reconciled = (
        customer.sync_state == SyncState.SYNCED
        and world.fake.accounts[customer.company_uid].company_name == name
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
        and world.fake.accounts[customer.company_uid].company_name == after
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
    meeting = Meeting.objects.get(topic=topic)
    outcome.duplicated = max(0, world.meetings_titled(topic) - 1)
    outcome.orphaned = len(world.fake.reserved)
    on_server = world.fake.meetings.get(meeting.server_meeting_id)
    outcome.reconciled = meeting.sync_state == SyncState.SYNCED and (
        on_server is not None and on_server.topic == topic and on_server.start == meeting.starts_at
    )


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
    on_server = world.fake.meetings[meeting.server_meeting_id]
    outcome.reconciled = meeting.sync_state == SyncState.SYNCED and (
        on_server.topic == after and on_server.start == later["starts_at"]
    )


def meeting_cancel(world: World, fault: str, outcome: Outcome) -> None:
    """TurboMeeting learns of a cancellation from the host's list (/tm/meetings), not a call."""
    host = world.host(f"Cancelling under {fault}")
    topic = f"Cancelled under {fault}"
    meeting = world.run(lambda: meetings.meeting_schedule(host=host, topic=topic, **_times()))
    world.broken(fault)
    world.run(lambda: meetings.meeting_cancel(meeting=meeting))
    meeting.refresh_from_db()
    outcome.lost = int(meeting.cancelled_at is None)
    world.mended()
    world.sweep()
    outcome.duplicated = max(0, world.meetings_titled(topic) - 1)
    outcome.reconciled = meeting.pk not in {m.pk for m in selectors.scheduled_meetings(host)}


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
    world.fake.set_live(meeting.server_meeting_id, attendees=6)
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
    world.fake.set_live(meeting.server_meeting_id, attendees=9)
    polling.poll_round()
    meeting.refresh_from_db()
    outcome.reconciled = meeting.live_state == LiveState.LIVE and meeting.attendees == 9


def registration(world: World, fault: str, outcome: Outcome) -> None:
    """Registering (and its mail) never waits for the meeting server."""
    from django.core import mail

    host = world.host(f"Registering under {fault}")
    start = timezone.now() + dt.timedelta(days=2)
    webinar = world.run(lambda: webinars.webinar_create(
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
    "status polling": status_poll,
    "registration and mail": registration,
}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_nothing_is_lost_or_duplicated(
    operation, fault, fake_tm, settings, tmp_path, django_capture_on_commit_callbacks,
    reliability_rows,
):  # fmt: skip
    settings.POLL_ENDED_AFTER = 2
    settings.VAR_DIR = tmp_path  # the poll round's file lock, away from other runs
    outcome = Outcome(operation, fault)
    world = World(fake_tm, settings, django_capture_on_commit_callbacks)
    try:
        OPERATIONS[operation](world, fault, outcome)
    finally:
        reliability_rows.append(outcome)
    assert outcome.lost == 0, outcome
    assert outcome.duplicated == 0, outcome
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
    world = World(fake_tm, settings, django_capture_on_commit_callbacks)
    host = world.host("Mail down")
    start = timezone.now() + dt.timedelta(days=2)
    webinar = world.run(lambda: webinars.webinar_create(
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
        world.run(lambda: webinars.mails_requeue_due(now=later))
    outcome.duplicated = max(0, len(mail.outbox) - 1)
    outcome.reconciled = len(mail.outbox) == 1 and mail.outbox[0].to == [person["email"]]
    reliability_rows.append(outcome)
    assert outcome.ok, outcome
