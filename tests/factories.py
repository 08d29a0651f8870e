import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from meetings.models import Meeting
from portal.accounts import services
from portal.accounts.models import Customer, Host, MeetingServer, SyncState
from vendors.turbomeeting.models import CustomerProfile


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Customer {n}")
    slug = factory.Sequence(lambda n: f"customer-{n}")
    contact_email = factory.Sequence(lambda n: f"contact{n}@customer.example")
    time_zone = "Europe/Berlin"
    sync_state = SyncState.SYNCED
    # The environment's server (the TM_* settings; the fake_tm fixture points it at a fake).
    server = factory.LazyFunction(lambda: MeetingServer.objects.get(from_environment=True))
    # Its account on the (TurboMeeting) server: that vendor's profile of the customer.
    turbomeeting = factory.RelatedFactory(
        "tests.factories.TurboMeetingAccountFactory",
        factory_related_name="customer",
        company_uid=factory.SelfAttribute("..company_uid"),
        number_of_meeting_rooms=factory.SelfAttribute("..number_of_meeting_rooms"),
        participants_per_room=factory.SelfAttribute("..participants_per_room"),
    )

    class Params:
        company_uid = factory.Sequence(lambda n: f"uid-{n:04d}")
        number_of_meeting_rooms = 2
        participants_per_room = 25


class TurboMeetingAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerProfile


def company_uid(customer: Customer) -> str:
    """The ID of the customer's account on its TurboMeeting server, as stored now."""
    found = CustomerProfile.objects.filter(customer_id=customer.pk)
    return found.values_list("company_uid", flat=True).first() or ""


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"host{n}@customer.example")
    username = factory.LazyAttribute(lambda u: u.email.lower())
    first_name = "Ada"
    last_name = "Lovelace"
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class HostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Host

    user = factory.SubFactory(UserFactory)
    customer = factory.SubFactory(CustomerFactory)
    phone = "+1 555 0100"
    user_group = "Sales"


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    host = factory.SubFactory(HostFactory)
    customer = factory.LazyAttribute(lambda m: m.host.customer)
    topic = factory.Sequence(lambda n: f"Meeting {n}")
    server_meeting_id = factory.Sequence(lambda n: f"{100000 + n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=1))
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + dt.timedelta(hours=1))
    sync_state = SyncState.SYNCED


def put_on_fake_server(fake, meeting):
    """The fake server holds ``meeting`` as if the portal had scheduled it there."""
    from conferencing.fakes.turbomeeting import FakeMeeting

    fake.meetings[meeting.server_meeting_id] = FakeMeeting(
        meeting_id=meeting.server_meeting_id,
        host_email=meeting.host.user.email,
        topic=meeting.topic,
        meeting_type=meeting.kind,
        start=meeting.starts_at,
        end=meeting.ends_at,
        is_recurring=meeting.is_recurring,
    )
    return meeting


def server_for(fake, url: str, *, backend: str, name: str) -> MeetingServer:
    """A meeting server of ``backend`` answering at ``url`` (a fake serving there), saved
    through the services with the fake's own credentials."""
    return services.server_save(
        server=MeetingServer(),
        backend=backend,
        name=name,
        base_url=url,
        credentials=fake.backend_options(),
    )
