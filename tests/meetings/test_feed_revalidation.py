"""A script on another site keeps the JSON feed and revalidates it: its preflight may send
If-None-Match (and If-Modified-Since), and it may read the ETag it has to send back."""

import pytest

from tests.factories import CustomerFactory, HostFactory, MeetingFactory

pytestmark = pytest.mark.django_db

ELSEWHERE = "https://elsewhere.example"
FEED = "/p/acme/meetings.json"


@pytest.fixture
def published():
    host = HostFactory(customer=CustomerFactory(slug="acme", name="Acme"))
    return MeetingFactory(host=host, is_published=True, topic="Open day")


def listed(header: str) -> set[str]:
    return {name.strip().lower() for name in header.split(",") if name.strip()}


@pytest.mark.parametrize("header", ["if-none-match", "if-modified-since"])
def test_the_preflight_allows_the_conditional_headers(client, published, header):
    preflight = client.options(
        FEED,
        HTTP_ORIGIN=ELSEWHERE,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=header,
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == ELSEWHERE
    assert header in listed(preflight["Access-Control-Allow-Headers"])


def test_a_script_reads_the_etag_and_gets_304_with_it(client, published):
    first = client.get(FEED, HTTP_ORIGIN=ELSEWHERE)
    assert first.status_code == 200
    assert "etag" in listed(first["Access-Control-Expose-Headers"])
    again = client.get(FEED, HTTP_ORIGIN=ELSEWHERE, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == ELSEWHERE
    assert "etag" in listed(again["Access-Control-Expose-Headers"])


def test_formats_not_for_scripts_stay_closed(client, published):
    preflight = client.options(
        "/p/acme/meetings.xml",
        HTTP_ORIGIN=ELSEWHERE,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert "Access-Control-Allow-Origin" not in preflight
    assert "Access-Control-Expose-Headers" not in client.get(
        "/p/acme/meetings.xml", HTTP_ORIGIN=ELSEWHERE
    )
