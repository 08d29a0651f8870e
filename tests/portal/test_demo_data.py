import pytest
from django.core.management import call_command

from meetings.models import Meeting
from portal.accounts.models import Customer, Host, SyncState


@pytest.mark.django_db(transaction=True)
def test_demo_data_is_complete_and_idempotent(fake_tm, django_user_model):
    call_command("demo_data")
    call_command("demo_data")
    customer = Customer.objects.get()
    assert customer.slug == "acme" and customer.sync_state == SyncState.SYNCED
    assert Host.objects.get().user.check_password("host-demo-password")
    assert django_user_model.objects.get(username="admin").is_superuser
    assert Meeting.objects.count() == 3
    assert set(Meeting.objects.values_list("sync_state", flat=True)) == {SyncState.SYNCED}
    assert len(fake_tm.meetings) == 3


@pytest.mark.django_db(transaction=True)
def test_with_the_other_fakes_there_is_a_customer_on_each_kind_of_server(fake_tm):
    from contextlib import ExitStack
    from urllib.parse import urlsplit

    from conferencing.fakes.openmeetings import FakeOpenMeetings
    from conferencing.fakes.server import serve
    from conferencing.fakes.trueconf import FakeTrueConf
    from conferencing.fakes.webex import FakeWebex

    with ExitStack() as stack:
        fakes = {backend: cls() for backend, cls in [("trueconf", FakeTrueConf),
                 ("openmeetings", FakeOpenMeetings), ("webex", FakeWebex)]}  # fmt: skip
        ports = {
            backend: urlsplit(stack.enter_context(serve(fake)).url).port
            for backend, fake in fakes.items()
        }  # noqa: E501
        options = {f"fake_{backend}_port": port for backend, port in ports.items()}
        call_command("demo_data", **options)
        call_command("demo_data", **options)  # again: nothing new

    backends = dict(Customer.objects.values_list("slug", "server__backend"))
    assert backends == {"acme": "turbomeeting", "globex": "trueconf", "initech": "openmeetings",
                     "umbrella": "webex"}  # fmt: skip
    for slug in ("globex", "initech", "umbrella"):
        assert Host.objects.get(user__username=f"host@{slug}.example").customer.slug == slug
    on_their_servers = Meeting.objects.filter(customer__slug__in=["globex", "initech"])
    assert on_their_servers.count() == 2
    assert set(on_their_servers.values_list("sync_state", flat=True)) == {SyncState.SYNCED}
    assert len(fakes["trueconf"].conferences) == 1 and len(fakes["openmeetings"].rooms) == 1
