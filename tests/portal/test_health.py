import pytest

pytestmark = pytest.mark.django_db


def test_healthy_when_everything_answers(client, fake_tm):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {
        "database": {"status": "up"},
        "broker": {"status": "up"},
        "meeting_server": {"status": "up"},
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
