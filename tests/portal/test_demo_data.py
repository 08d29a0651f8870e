import pytest
from django.core.management import CommandError, call_command

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
    import importlib
    from contextlib import ExitStack

    from conferencing.base import backend_class, backend_names
    from conferencing.fakes.server import serve

    # Every backend but the one the environment's server (fake_tm) is of.
    names = [name for name in backend_names() if name != "turbomeeting"]
    with ExitStack() as stack:
        fakes = {name: importlib.import_module(backend_class(name).fake).Fake() for name in names}
        ports = {name: stack.enter_context(serve(fake)).port for name, fake in fakes.items()}
        options = [f"--fake={name}:{port}" for name, port in ports.items()]
        call_command("demo_data", *options)
        call_command("demo_data", *options)  # again: nothing new

    backends = dict(Customer.objects.values_list("slug", "server__backend"))
    assert backends == {"acme": "turbomeeting"} | {name: name for name in names}
    assert {"trueconf", "openmeetings", "webex"} <= set(names)
    for name in names:
        assert Host.objects.get(user__username=f"host@{name}.example").customer.slug == name
    on_their_servers = Meeting.objects.filter(customer__slug__in=["trueconf", "openmeetings"])
    assert on_their_servers.count() == 2
    assert set(on_their_servers.values_list("sync_state", flat=True)) == {SyncState.SYNCED}
    assert len(fakes["trueconf"].conferences) == 1 and len(fakes["openmeetings"].rooms) == 1


def test_a_fake_is_named_by_backend_and_port():
    with pytest.raises(CommandError, match="zoomish"):
        call_command("demo_data", "--fake=zoomish:8999")


def test_make_runs_banner_shows_the_public_feeds_and_how_to_sign_in_to_webex():
    from portal import devrun

    served = devrun.fakes()
    on_their_own = {name: port for name, (_module, port) in served.items()}
    text = devrun.banner(served, on_their_own)
    assert f"{devrun.PORTAL}/p/acme/meetings/" in text and ".json" in text
    assert "sign in to Webex as demo-host / demo-password" in text
    assert f"{devrun.PORTAL}/dashboard/" in text and "host@webex.example" in text


@pytest.mark.django_db(transaction=True)
def test_two_turbomeeting_servers_each_sign_in_their_demo_customers_host(
    fake_tm, live_server, settings
):
    """`make run` serves the TurboMeeting fake twice: as the environment's server, and on
    its own (``--own``: its DEMO values), which the demo data adds as a second server."""
    from conferencing.fakes import turbomeeting
    from conferencing.fakes.server import serve
    from portal.accounts.models import MeetingServer

    settings.PORTAL_URL = live_server.url
    second = turbomeeting.Fake()
    with serve(second) as running:
        call_command("demo_data", f"--fake=turbomeeting:{running.port}")
        environment = MeetingServer.objects.get(backend="turbomeeting", from_environment=True)
        own = MeetingServer.objects.get(backend="turbomeeting", from_environment=False)
        fake_tm.portal_auth_url = f"{live_server.url}/tm/auth"
        second.portal_auth_url = f"{live_server.url}/tm/servers/{own.pk}/auth"
        acme = fake_tm.sign_in("host@acme.example", "host-demo-password")
        other = second.sign_in("host@turbomeeting.example", "host-demo-password")

    theirs, ours = own.credentials(), environment.credentials()
    assert theirs["service_company_uid"] != ours["service_company_uid"]
    assert theirs["password_encoding"] == "fernet" and theirs["password_key"]
    assert Customer.objects.get(slug="turbomeeting").server == own
    for signed_in in (acme, other):
        assert signed_in.auth.ok, signed_in.auth.reason
        assert signed_in.meetings.ok, signed_in.meetings.reason
    topics = [m["MeetingTopic"] for m in other.meetings.meetings]
    assert topics == ["Demo customer (turbomeeting): weekly call"]


def test_make_run_serves_the_turbomeeting_fake_a_second_time_and_lists_it():
    from portal import devrun

    served = devrun.fakes()
    module, port = served["turbomeeting"]
    second = devrun.own_port("turbomeeting", module)
    assert second != port and second not in {p for _m, p in served.values()}
    text = devrun.banner(served, {"turbomeeting": second})
    assert "Fake turbomeeting (one more server" in text and f"127.0.0.1:{second}" in text
    assert "host@turbomeeting.example" in text
