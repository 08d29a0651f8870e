"""What one public registration costs in SQL, and that the cached webinar follows every change."""

import re
import time
from types import SimpleNamespace

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.webinars.factories import QuestionFactory, WebinarFactory
from webinars import protection
from webinars.models import Question, Registration
from webinars.services.questions import question_move, question_update
from webinars.services.webinars import webinar_cancel

pytestmark = pytest.mark.django_db

PERSON = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def statements(captured: CaptureQueriesContext) -> list[str]:
    """The statements that did work: transaction control aside (tests run inside one), and
    the rate limits' counters (in the database when there is no Redis: settings.CACHES)."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if not TRANSACTION_CONTROL.match(q["sql"]) and "portal_limits" not in q["sql"]
    ]


def embed_token(client, webinar) -> str:
    page = client.get(f"/w/{webinar.slug}/embed/").content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def asked(webinar):
    return QuestionFactory(webinar=webinar, label="Your company", position=1)


def test_a_registration_takes_four_statements_with_the_webinar_cached(client, webinar, asked):
    """The webinar, its customer and its questions come from the cache; what is left is the
    seat count under the webinar's row lock and the row itself."""
    token = embed_token(client, webinar)  # the form page puts the webinar in the cache
    body = PERSON | {"form_token": token, asked.field_name: "Acme"}
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/w/{webinar.slug}/embed/", body)
    assert response.status_code == 201, response.content.decode()
    done = statements(captured)
    assert len(done) == 4, "\n".join(done)
    lock, seats, insert, webhooks = done
    assert "webinars_webinar" in lock
    assert "FOR UPDATE" in lock or connection.vendor == "sqlite"  # SQLite: IMMEDIATE instead
    assert "COUNT(" in seats.upper() and "webinars_registration" in seats
    assert insert.upper().startswith("INSERT INTO") and "webinars_registration" in insert
    assert "webhooks_endpoint" in webhooks
    assert Registration.objects.get().answers == {str(asked.pk): "Acme"}


def test_the_form_page_reads_nothing_once_cached(client, webinar, asked):
    client.get(f"/w/{webinar.slug}/embed/")
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/w/{webinar.slug}/embed/").content.decode()
    assert "Your company" in page
    assert not statements(captured), statements(captured)


def test_a_changed_question_shows_at_once_on_the_form(client, webinar, asked):
    assert "Your company" in client.get(f"/w/{webinar.slug}/embed/").content.decode()
    question_update(question=asked, label="Your employer")
    page = client.get(f"/w/{webinar.slug}/embed/").content.decode()
    assert "Your employer" in page and "Your company" not in page


def test_reordered_questions_show_at_once(client, webinar, asked):
    """question_move writes with bulk_update, which sends no signal."""
    QuestionFactory(webinar=webinar, label="Your favourite colour", position=2)
    page = client.get(f"/w/{webinar.slug}/").content.decode()
    assert page.index("Your company") < page.index("Your favourite colour")
    question_move(question=asked, direction="down")
    page = client.get(f"/w/{webinar.slug}/").content.decode()
    assert page.index("Your favourite colour") < page.index("Your company")


def test_a_cancelled_webinar_shows_at_once(client, webinar, asked):
    """webinar_cancel claims the webinar with an update(), which sends no signal."""
    assert 'id="registration-form"' in client.get(f"/w/{webinar.slug}/").content.decode()
    webinar_cancel(webinar=webinar, message="")
    page = client.get(f"/w/{webinar.slug}/").content.decode()
    assert 'id="registration-form"' not in page and "cancelled" in page


def test_a_new_customer_name_and_host_name_show_at_once(client, webinar):
    assert "Organised by" in client.get(f"/w/{webinar.slug}/").content.decode()
    webinar.customer.name = "Umbrella Corporation"
    webinar.customer.save()
    webinar.host.user.first_name, webinar.host.user.last_name = "Ada", "Lovelace"
    webinar.host.user.save()
    page = client.get(f"/w/{webinar.slug}/").content.decode()
    assert "Umbrella Corporation" in page and "Ada Lovelace" in page


def test_another_webinar_at_a_freed_address_is_not_the_old_one(client, host, webinar):
    slug = webinar.slug
    client.get(f"/w/{slug}/")
    webinar.slug = f"{slug}-old"
    webinar.save()
    WebinarFactory(host=host, slug=slug, title="Quantum gardening")
    assert "Quantum gardening" in client.get(f"/w/{slug}/").content.decode()
    assert Question.objects.count() == 0


# --- the rate limits ----------------------------------------------------------------------


@pytest.mark.skipif(not settings.REDIS_URL, reason="counted in Redis only when REDIS_URL is set")
def test_the_three_rate_limits_take_one_redis_round_trip(rf, webinar, monkeypatch):
    protection._redis().ping()  # the connection's own handshake is not a round trip per check
    sent = []
    original = redis.connection.Connection.send_packed_command

    def send(connection, command, *args, **kwargs):
        sent.append(command)
        return original(connection, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", send)
    request = rf.post("/", REMOTE_ADDR="10.1.2.3")
    protection.check_rate_limits(request, webinar.pk, recipient="ada@example.com")
    assert len(sent) == 1


@pytest.mark.skipif(not settings.REDIS_URL, reason="counted in Redis only when REDIS_URL is set")
def test_every_counter_expires_even_when_a_window_ends_during_the_check(
    rf, webinar, settings, monkeypatch
):
    """A refused submission's recipient count is taken back in the window it was counted in:
    a clock that ticks past a window's end mid-check left a counter below zero that never
    expired (and locked the address out of the next window it matched)."""
    settings.WEBINAR_RATE_PER_IP = "0/600"
    settings.WEBINAR_RATE_PER_RECIPIENT = "5/600"
    window_end = (int(time.time()) // 600 + 1) * 600
    ticks = iter(range(window_end - 1, window_end + 100))
    monkeypatch.setattr(protection, "time", SimpleNamespace(time=lambda: next(ticks)))
    request = rf.post("/", REMOTE_ADDR="10.7.7.7")
    assert protection.check_rate_limits(request, webinar.pk, recipient="ada@example.com")
    store = redis.Redis.from_url(settings.REDIS_URL)
    counters = list(store.scan_iter("*rl:webinars:recipient:*"))
    assert counters
    assert all(store.ttl(key) > 0 for key in counters)
    assert all(int(store.get(key)) == 0 for key in counters)


def test_a_submission_over_the_ip_limit_does_not_count_against_its_recipient(
    client, webinar, settings
):
    settings.WEBINAR_RATE_PER_IP = "1/600"
    settings.WEBINAR_RATE_PER_RECIPIENT = "1/3600"
    assert (
        client.post(f"/w/{webinar.slug}/", PERSON | {"email": "a@example.com"}).status_code == 201
    )
    for _ in range(3):  # refused per IP: ada's address is not counted
        refused = client.post(f"/w/{webinar.slug}/", PERSON | {"email": "ada@example.com"})
        assert "Too many registrations from your network" in refused.content.decode()
    other_ip = client.post(
        f"/w/{webinar.slug}/", PERSON | {"email": "ada@example.com"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other_ip.status_code == 201


def test_invalid_submissions_count_per_ip_but_not_per_recipient(client, webinar, settings):
    settings.WEBINAR_RATE_PER_IP = "2/600"
    settings.WEBINAR_RATE_PER_RECIPIENT = "1/3600"
    invalid = PERSON | {"email": "ada@example.com", "first_name": ""}
    assert client.post(f"/w/{webinar.slug}/", invalid).status_code == 400
    assert (
        client.post(f"/w/{webinar.slug}/", PERSON | {"email": "ada@example.com"}).status_code == 201
    )
    refused = client.post(f"/w/{webinar.slug}/", PERSON | {"email": "b@example.com"})
    assert refused.status_code == 429
