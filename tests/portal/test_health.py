import pytest
from django.core.cache import cache

from tests.factories import CustomerFactory, server_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _a_customer_on_the_environments_server(fake_tm):
    """The fake TurboMeeting is the environment's server; a customer on it makes it used."""
    CustomerFactory()


def test_healthy_when_everything_answers(client, fake_tm):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {
        "database": {"status": "up"},
        "broker": {"status": "up"},
        "meeting_server": {"status": "up", "servers": 1, "unused": 0},
    }


@pytest.mark.parametrize("mode", ["down", "slow"])
def test_unhealthy_when_the_meeting_server_is_not(client, fake_tm, mode):
    fake_tm.mode = mode
    fake_tm.delay = 2
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["meeting_server"]["status"] == "down"
    assert body["checks"]["database"] == {"status": "up"}


def test_a_liveness_probe_can_ask_for_the_database_only(client, fake_tm):
    fake_tm.mode = "down"
    response = client.get("/healthz?check=database")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": {"status": "up"}}


def test_every_configured_meeting_server_is_asked_and_the_one_down_is_logged(
    client, fake_tm, caplog
):
    from conferencing.fakes.server import serve
    from conferencing.fakes.trueconf import FakeTrueConf

    fake = FakeTrueConf()
    with serve(fake) as running:
        server = server_for(fake, running.url, backend="trueconf", name="Tokyo TrueConf")
        CustomerFactory(server=server)
        assert client.get("/healthz").status_code == 200
        fake.mode = "down"
        cache.clear()  # the answers remembered for SERVER_HEALTH_SECONDS expire
        response = client.get("/healthz")
    assert response.status_code == 503
    error = response.json()["checks"]["meeting_server"]["error"]
    assert error == "RuntimeError: 1 of 2 meeting servers did not answer"
    assert "Tokyo" not in response.content.decode()  # names and addresses stay in the log
    assert "Tokyo TrueConf did not answer: ServerUnavailable" in caplog.text


def test_anonymous_requests_do_not_each_call_the_meeting_servers(client, fake_tm, settings):
    settings.SERVER_HEALTH_SECONDS = 30
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    assert len(fake_tm.requests) == 1  # one ping; the next is due in 30 seconds
    fake_tm.mode = "down"
    assert client.get("/healthz").status_code == 200  # still the remembered answer
    cache.clear()
    assert client.get("/healthz").status_code == 503
    asked = len(fake_tm.requests)
    assert client.get("/healthz").status_code == 503
    assert len(fake_tm.requests) == asked > 1  # a failure is remembered as well


def test_a_configured_server_no_customer_uses_is_listed_as_unused_not_asked(client, fake_tm):
    """Nothing depends on it yet: it being down must not take the portal out of rotation."""
    from portal.accounts.models import MeetingServer

    MeetingServer.objects.create(
        backend="turbomeeting", name="Being set up", base_url="http://127.0.0.1:9"
    )
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["meeting_server"] == {
        "status": "up",
        "servers": 1,
        "unused": 1,
    }
