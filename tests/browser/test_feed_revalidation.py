"""A script on a customer's page keeps the JSON feed and asks again with its ETag, as a
page that refreshes its list of meetings does: Chromium sends the preflight, and the
script sees the ETag and the 304."""

import pytest

from portal.accounts.services import customer_create
from tests.factories import HostFactory, MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REVALIDATE = """async (feed) => {
    const first = await fetch(feed, {cache: "no-store"});
    const etag = first.headers.get("ETag");
    const meetings = (await first.json()).meetings.map((m) => m.topic);
    const again = await fetch(feed, {cache: "no-store", headers: {"If-None-Match": etag}});
    return {status: first.status, etag, meetings, again: again.status};
}"""


def test_a_page_on_another_site_revalidates_the_json_feed(page, live_server, other_site):
    customer = customer_create(
        name="Feed Co", slug="feed-co", contact_email="it@feed.example", time_zone="UTC"
    )
    MeetingFactory(host=HostFactory(customer=customer), is_published=True, topic="Open day")
    other_site.html = "<!doctype html><title>Our events</title><h1>Events</h1>"
    page.goto(other_site.url)
    assert other_site.origin != live_server.url  # another origin: CORS applies

    seen = page.evaluate(REVALIDATE, f"{live_server.url}/p/feed-co/meetings.json")

    assert seen["status"] == 200 and seen["meetings"] == ["Open day"]
    assert seen["etag"] and seen["etag"].startswith('"')
    assert seen["again"] == 304
