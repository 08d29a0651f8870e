import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET
from django.utils import timezone
from icalendar import Calendar
from lxml import etree

from meetings import polling
from meetings.feeds import FORMATS
from meetings.feeds.listing import HTML_PAGE_SIZE
from meetings.feeds.record import (
    SCHEMA_VERSION,
    PublishedMeetingSerializer,
    PublishedMeetingsSerializer,
    PublishedRecordingSerializer,
)
from meetings.models import LiveState, Meeting
from portal.accounts.models import Customer, publication_changed
from portal.framing import frame_ancestors
from tests.conftest import csp, environment_server_follows_settings
from tests.factories import CustomerFactory, HostFactory, MeetingFactory, put_on_fake_server

pytestmark = pytest.mark.django_db

XSD = Path(__file__).parents[2] / "meetings/static/meetings/published-meetings.xsd"
ORIGINS = "https://www.acme.example\nhttps://intranet.acme.example:8443/"
# 2030-07-01 13:00 UTC is 15:00 CEST in the customer's zone (Europe/Berlin).
SUMMER = dt.datetime(2030, 7, 1, 13, 0, tzinfo=dt.UTC)


@pytest.fixture
def host():
    customer = CustomerFactory(slug="acme", name="Acme", embed_origins=ORIGINS)
    return HostFactory(customer=customer)


def publish(host, **fields):
    return MeetingFactory(host=host, is_published=True, **fields)


def at(start, **duration):
    return {"starts_at": start, "ends_at": start + dt.timedelta(**(duration or {"hours": 1}))}


def url(fmt="html", slug="acme"):
    return f"/p/{slug}/meetings/" if fmt == "html" else f"/p/{slug}/meetings.{fmt}"


def topics_in_json(client):
    return [m["topic"] for m in client.get(url("json")).json()["meetings"]]


# --- what is listed ------------------------------------------------------------


def test_only_published_upcoming_meetings_of_the_customer_are_listed(client, host):
    now = timezone.now()
    publish(host, topic="Published")
    overrun = at(now - dt.timedelta(hours=2), minutes=115)
    publish(host, topic="Live, overrunning", live_state=LiveState.LIVE, **overrun)
    publish(host, topic="Recurring", starts_at=None, ends_at=None, is_recurring=True)
    publish(
        host,
        topic="Recurring, last session ended",
        starts_at=None,
        ends_at=None,
        is_recurring=True,
        live_state=LiveState.ENDED,
    )
    MeetingFactory(host=host, topic="Not published")
    publish(host, topic="Cancelled", cancelled_at=now)
    publish(host, topic="Ended by the server", live_state=LiveState.ENDED)
    publish(host, topic="Over", **at(now - dt.timedelta(hours=2)))
    publish(HostFactory(), topic="Other customer")

    assert topics_in_json(client) == [
        "Live, overrunning",
        "Published",
        "Recurring",
        "Recurring, last session ended",
    ]
    page = client.get(url()).content.decode()
    assert "Recurring meeting" in page
    for hidden in ("Not published", "Cancelled", "Ended by the server", "Over", "Other customer"):
        assert hidden not in page


@pytest.mark.parametrize("fmt", ["html", "xml", "ics", "rss", "json"])
def test_a_deleted_or_unknown_customer_is_not_found(client, host, fmt):
    assert client.get(url(fmt, slug="nobody")).status_code == 404
    host.customer.deleted_at = timezone.now()
    host.customer.save()
    assert client.get(url(fmt)).status_code == 404


@pytest.mark.parametrize(
    "path", ["/p/acme/meetings.pdf", "/p/acme/meetings.html", "/p/acme/meetings.xmlx"]
)
def test_unknown_formats_are_not_found(client, host, path):
    assert client.get(path).status_code == 404


def test_feeds_are_read_only(client, host):
    assert client.post(url("json")).status_code == 405


# --- HTML ----------------------------------------------------------------------


def test_page_shows_time_in_the_customer_zone_live_state_and_join_link(client, host, settings):
    settings.TM_SERVER_URL = "https://meet.example"
    environment_server_follows_settings()
    meeting = publish(
        host,
        topic="Quarterly review",
        live_state=LiveState.LIVE,
        attendees=7,
        server_meeting_id="424242",
        **at(SUMMER),
    )
    meeting.password = "pw-1234"
    meeting.save()

    response = client.get(url())
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert "Quarterly review" in page
    assert "Mon 1 Jul 2030, 15:00–16:00 CEST" in page
    assert (
        '<time class="when" datetime="2030-07-01T13:00:00Z" data-end="2030-07-01T14:00:00Z">'
        in page
    )
    assert "Live now · 7 attending" in page
    # The password stays out of public links: Join asks for it on the portal.
    assert f'href="http://testserver/p/acme/meetings/{meeting.pk}/join/" target="_blank"' in page
    assert "pw-1234" not in page
    assert 'data-zone="Europe/Berlin"' in page and " hidden>" in page  # no JS, no switch
    assert "webcal://testserver/p/acme/meetings.ics" in page


def test_the_host_may_put_the_password_in_public_links(client, host, settings):
    settings.TM_SERVER_URL = "https://meet.example"
    environment_server_follows_settings()
    meeting = publish(host, server_meeting_id="424242", password_in_public_links=True)
    meeting.password = "pw-1234"
    meeting.save()
    link = (
        "https://meet.example/as/wapi/goto_downloader?role=attendee&name=&"
        "meeting_id=424242&password=pw-1234&sumbit=submit"
    )
    assert client.get(url("json")).json()["meetings"][0]["join_url"] == link
    assert (
        f'href="{link.replace("&", "&amp;")}" target="_blank"' in client.get(url()).content.decode()
    )
    meeting.password = ""  # nothing to protect: the server's link at once
    meeting.password_in_public_links = False
    meeting.save()
    assert client.get(url("json")).json()["meetings"][0]["join_url"] == link.replace("pw-1234", "")


def test_page_says_so_when_nothing_is_published(client, host):
    assert "No meetings are scheduled right now." in client.get(url()).content.decode()


def test_accent_and_compact_theme_the_page(client, host):
    page = client.get(url(), {"accent": "#FF6600", "compact": "1"}).content.decode()
    assert "--accent: #ff6600;" in page
    assert "Subscribe in your calendar" not in page  # compact drops the footer
    assert "--accent: #0a0;" in client.get(url(), {"accent": "0a0"}).content.decode()


@pytest.mark.parametrize(
    "accent", ["red;}</style><script>alert(1)</script>", "red", "#12345", "url(x)"]
)
def test_an_invalid_accent_is_ignored(client, host, accent):
    page = client.get(url(), {"accent": accent}).content.decode()
    assert "--accent: #1a73e8;" in page
    assert "alert(1)" not in page and "red" not in page


# --- framing and CORS ----------------------------------------------------------


def test_page_can_be_framed_only_by_the_customer_origins(client, host):
    response = client.get(url())
    assert csp(response)["frame-ancestors"] == (
        "'self' https://www.acme.example https://intranet.acme.example:8443"
    )
    assert csp(response)["script-src"] == "'self'"  # and the rest of the policy
    assert "X-Frame-Options" not in response


def test_not_modified_page_keeps_the_framing_rules(client, host):
    etag = client.get(url())["ETag"]
    response = client.get(url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert csp(response)["frame-ancestors"].startswith("'self' https://www.acme.example")
    assert "X-Frame-Options" not in response


def test_other_pages_are_not_frameable(client, host, fake_tm):
    assert client.get("/healthz")["X-Frame-Options"] == "DENY"
    feed = client.get(url("xml"))
    assert feed["X-Frame-Options"] == "DENY"
    assert csp(feed)["frame-ancestors"] == "'none'"


def test_only_plain_origins_reach_the_policy():
    directive = frame_ancestors(["https://ok.example", "https://x.example; script-src *", "'none'"])
    assert directive == "frame-ancestors 'self' https://ok.example"


def test_json_is_open_to_scripts_on_other_sites(client, host):
    response = client.get(url("json"), HTTP_ORIGIN="https://elsewhere.example")
    assert response["Access-Control-Allow-Origin"] == "https://elsewhere.example"
    assert "origin" in response["Vary"].lower()
    assert response["Content-Type"] == "application/json"
    xml = client.get(url("xml"), HTTP_ORIGIN="https://elsewhere.example")
    assert "Access-Control-Allow-Origin" not in xml  # only JSON is for scripts


# --- XML and JSON --------------------------------------------------------------


def test_xml_follows_the_published_schema(client, host):
    publish(host, topic="Fish & <chips>\x07", live_state=LiveState.LIVE, attendees=3, **at(SUMMER))
    publish(host, topic="Weekly", starts_at=None, ends_at=None, is_recurring=True)

    response = client.get(url("xml"))
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.fromstring(response.content)
    schema.assertValid(document)
    assert document.attrib == {
        "version": "1",
        "customer": "acme",
        "name": "Acme",
        "time_zone": "Europe/Berlin",
    }
    first, weekly = document.findall("meeting")
    assert first.findtext("topic") == "Fish & <chips>"
    assert first.findtext("starts_at") == "2030-07-01T13:00:00Z"
    assert (first.findtext("is_live"), first.findtext("attendees")) == ("true", "3")
    assert weekly.find("starts_at") is None and weekly.findtext("is_recurring") == "true"


def test_the_schema_rejects_what_it_should(host):
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    no_topic = b'<published_meetings version="1" customer="a" name="A" time_zone="UTC"><meeting>'
    no_topic += b"<id>1</id><uid>u</uid><meeting_id>1</meeting_id></meeting></published_meetings>"
    assert not schema.validate(etree.fromstring(no_topic))


def test_json_has_the_xml_fields(client, host):
    publish(host, **at(SUMMER))
    publish(host, starts_at=None, ends_at=None, is_recurring=True)

    data = json.loads(client.get(url("json")).content)
    document = etree.fromstring(client.get(url("xml")).content)
    lists = ("meetings", "recordings")
    assert {k: v for k, v in data.items() if k not in lists} == dict(document.attrib)
    for record, element in zip(data["meetings"], document.findall("meeting"), strict=True):
        as_text = {
            k: ("true" if v else "false") if isinstance(v, bool) else str(v)
            for k, v in record.items()
            if v is not None
        }
        assert as_text == {child.tag: child.text or "" for child in element}
    assert data["meetings"][1]["starts_at"] is None
    assert isinstance(data["meetings"][0]["id"], int)


# --- iCalendar -----------------------------------------------------------------


def test_ics_has_one_event_per_timed_meeting_without_passwords(client, host):
    meeting = publish(host, topic="Launch", server_meeting_id="777001", **at(SUMMER))
    meeting.password = "do-not-leak-9f3"
    meeting.save()
    publish(host, topic="Weekly", starts_at=None, ends_at=None, is_recurring=True)

    response = client.get(url("ics"))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"do-not-leak-9f3" not in response.content
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Acme: meetings"
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Launch"
    assert event.decoded("DTSTART") == SUMMER
    assert event.decoded("DTEND") == SUMMER + dt.timedelta(hours=1)
    assert b"DTSTART:20300701T130000Z" in response.content
    # Its password is kept out of public links: the calendar leads to the page asking for it.
    assert str(event["URL"]).endswith(f"/p/acme/meetings/{meeting.pk}/join/")
    assert (
        str(event["UID"]) == f"meeting-{meeting.pk}@localhost"
    )  # SITE_URL's host, not the request's
    assert "Meeting ID: 777001" in str(event["DESCRIPTION"])  # TurboMeeting asks for it
    meeting.password_in_public_links = True  # the host's choice, as the other feeds follow it
    meeting.save()
    (event,) = Calendar.from_ical(client.get(url("ics")).content).walk("VEVENT")
    assert "meeting_id=777001&password=do-not-leak-9f3" in str(event["URL"])


def test_ics_names_an_organizer_as_a_published_calendar_must(client, host, settings):
    """RFC 5546 §3.2.1: a PUBLISH's VEVENT has an ORGANIZER (libical's iTIP check warns)."""
    settings.DEFAULT_FROM_EMAIL = "meetings@partner.example"
    publish(host, topic="Launch", **at(SUMMER))
    calendar = Calendar.from_ical(client.get(url("ics")).content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:meetings@partner.example"
    assert event["ORGANIZER"].params["CN"] == "Acme"  # the customer, no host's own address
    assert "ATTENDEE" not in event  # a PUBLISH names none
    Customer.objects.filter(pk=host.customer_id).update(name='Acme "Labs";\n\x01 Berlin')
    publication_changed([host.customer_id])
    (event,) = Calendar.from_ical(client.get(url("ics")).content).walk("VEVENT")
    assert event["ORGANIZER"].params["CN"] == 'Acme "Labs"; Berlin'  # one line, quoted


def test_ics_of_a_customer_without_meetings_is_still_a_calendar(client, host):
    """RFC 5545 §3.6: a calendar holds at least one component; the customer's zone is it."""
    host.customer.time_zone = "Europe/Berlin"
    host.customer.save()
    calendar = Calendar.from_ical(client.get(url("ics")).content)
    assert calendar.walk("VEVENT") == []
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == str(calendar["X-WR-TIMEZONE"]) == "Europe/Berlin"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_the_xsd_is_served_as_xml(settings):
    from django.test import Client

    settings.WHITENOISE_USE_FINDERS = True  # as `make run` serves it; collectstatic in production
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/meetings/published-meetings.xsd")
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "application/xml"
    assert b"<xs:schema" in b"".join(response.streaming_content)


def test_ics_uid_is_stable_across_edits(client, host):
    meeting = publish(host, topic="Before")
    before = Calendar.from_ical(client.get(url("ics")).content).walk("VEVENT")[0]
    meeting.topic = "After"
    meeting.starts_at += dt.timedelta(days=1)
    meeting.ends_at += dt.timedelta(days=1)
    meeting.save()
    after = Calendar.from_ical(client.get(url("ics")).content).walk("VEVENT")[0]
    assert str(after["SUMMARY"]) == "After"
    assert after["UID"] == before["UID"]


# --- the HTML page, a page at a time ----------------------------------------------


def publish_series(host, count):
    """``count`` meetings an hour apart, topics "Session 001"... in the order listed."""
    return [
        publish(host, topic=f"Session {n:03d}", **at(SUMMER + dt.timedelta(hours=n)))
        for n in range(1, count + 1)
    ]


def shown(response) -> list[str]:
    return re.findall(r'<p class="topic">(Session \d+)</p>', response.content.decode())


def link(response, rel: str) -> str | None:
    """Where the page's rel="next" or rel="prev" link leads, if it has one."""
    found = re.search(rf'<a href="([^"]*)" rel="{rel}">', response.content.decode())
    return html.unescape(found[1]) if found else None


def test_the_page_shows_one_page_of_meetings_and_leads_to_the_later_ones(client, host):
    publish_series(host, HTML_PAGE_SIZE + 3)
    first = client.get(url())
    assert shown(first) == [f"Session {n:03d}" for n in range(1, HTML_PAGE_SIZE + 1)]
    text = first.content.decode()
    assert '<nav class="pages" aria-label="Pages of meetings">' in text
    assert "Page 1 of 2" in text
    assert link(first, "next") == "/p/acme/meetings/?page=2"
    assert ">Later meetings</a>" in text
    assert link(first, "prev") is None and "Earlier meetings" not in text
    assert "target=" not in re.search(r"<nav.*?</nav>", text, re.S)[0]  # stays in the frame

    second = client.get(link(first, "next"))
    assert shown(second) == ["Session 051", "Session 052", "Session 053"]
    assert "Page 2 of 2" in second.content.decode()
    assert link(second, "prev") == "/p/acme/meetings/"  # the first page's own address
    assert link(second, "next") is None
    assert second["ETag"] != first["ETag"]
    for same in ("1", "01", ""):
        assert client.get(url(), {"page": same})["ETag"] == first["ETag"]


@pytest.mark.parametrize(
    ("language", "first_page", "earlier"),
    [
        ("de", ("Seiten der Meetings", "Seite 1 von 2", "Spätere Meetings"), "Frühere Meetings"),
        (
            "fr",
            ("Pages des réunions", "Page 1 sur 2", "Réunions suivantes"),
            "Réunions précédentes",
        ),
        (
            "es",
            ("Páginas de reuniones", "Página 1 de 2", "Reuniones posteriores"),
            "Reuniones anteriores",
        ),
    ],
)
def test_the_page_links_speak_the_visitors_language(client, host, language, first_page, earlier):
    publish_series(host, HTML_PAGE_SIZE + 1)
    page = client.get(url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert all(text in page for text in first_page)
    second = client.get(url(), {"page": "2"}, HTTP_ACCEPT_LANGUAGE=language)
    assert earlier in second.content.decode()


def test_a_list_that_fits_on_one_page_has_no_page_links(client, host):
    publish_series(host, HTML_PAGE_SIZE)
    response = client.get(url())
    assert len(shown(response)) == HTML_PAGE_SIZE
    assert "<nav" not in response.content.decode()


def test_the_page_links_keep_the_theme_and_nothing_else(client, host):
    publish_series(host, 2 * HTML_PAGE_SIZE + 1)
    query = {"accent": "#FF6600", "compact": "1", "page": "2", "utm_source": "<x>"}
    middle = client.get(url(), query)
    assert "--accent: #ff6600;" in middle.content.decode()
    assert link(middle, "prev") == "/p/acme/meetings/?accent=ff6600&compact=1"
    assert link(middle, "next") == "/p/acme/meetings/?accent=ff6600&compact=1&page=3"
    last = client.get(link(middle, "next"))
    assert shown(last) == [f"Session {2 * HTML_PAGE_SIZE + 1:03d}"]
    assert "--accent: #ff6600;" in last.content.decode()


@pytest.mark.parametrize("page", ["3", "0", "-1", "two", "1.5"])
def test_a_page_that_is_not_there_is_not_found(client, host, page):
    """As Django's paginated views answer: past the last page, or not a page number."""
    publish_series(host, HTML_PAGE_SIZE + 1)
    assert client.get(url(), {"page": page}).status_code == 404


@pytest.mark.parametrize(
    ("language", "gone", "first"),
    [
        ("en", "This page of the list is gone", "See the first page"),
        ("de", "Diese Seite der Liste gibt es nicht mehr", "Zur ersten Seite"),
    ],
)
def test_a_page_past_the_last_says_so_inside_the_customers_frame(
    client, host, language, gone, first
):
    """A link to page 3 was right when it was shown; meetings have ended since. The visitor
    reads why in the frame (not the browser's refusal to frame a bare 404) and goes back."""
    publish_series(host, HTML_PAGE_SIZE + 1)
    query = {"page": "3", "accent": "#FF6600"}
    response = client.get(url(), query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    text = response.content.decode()
    assert gone in text and f'<a href="/p/acme/meetings/?accent=ff6600">{first}</a>' in text
    assert "X-Frame-Options" not in response
    assert "https://www.acme.example" in csp(response)["frame-ancestors"]
    assert "ETag" not in response


def test_an_empty_list_has_its_first_page_only(client, host):
    assert client.get(url(), {"page": "1"}).status_code == 200
    assert client.get(url(), {"page": "2"}).status_code == 404


def test_a_later_page_moves_its_etag_when_its_meetings_change(client, host):
    *_, last = publish_series(host, HTML_PAGE_SIZE + 1)
    etag = client.get(url(), {"page": "2"})["ETag"]
    assert client.get(url(), {"page": "2"}, HTTP_IF_NONE_MATCH=etag).status_code == 304
    last.topic = "Session 999"
    last.save()
    changed = client.get(url(), {"page": "2"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and shown(changed) == ["Session 999"]


def test_the_feeds_still_list_every_meeting(client, host):
    """Calendar clients, feed readers and programs get the whole list; ?page= is not theirs.
    An RSS item links to the page of the HTML list that shows it."""
    meetings = publish_series(host, HTML_PAGE_SIZE + 1)
    for page in ("", "2", "junk"):
        assert len(client.get(url("json"), {"page": page}).json()["meetings"]) == len(meetings)
    items = SafeET.fromstring(client.get(url("rss")).content).find("channel").findall("item")
    links = [item.findtext("link") for item in items]
    assert links[0] == f"http://testserver/p/acme/meetings/#meeting-{meetings[0].pk}"
    assert links[-1] == f"http://testserver/p/acme/meetings/?page=2#meeting-{meetings[-1].pk}"


# --- RSS -----------------------------------------------------------------------


def test_rss_lists_the_meetings(client, host):
    meeting = publish(host, topic="Webinar", **at(SUMMER))
    response = client.get(url("rss"))
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    channel = SafeET.fromstring(response.content).find("channel")
    assert channel.findtext("title") == "Acme: meetings"
    assert channel.findtext("link") == "http://testserver/p/acme/meetings/"
    (item,) = channel.findall("item")
    assert item.findtext("title") == "Webinar"
    assert item.findtext("link") == f"http://testserver/p/acme/meetings/#meeting-{meeting.pk}"
    assert item.findtext("guid") == meeting.calendar_uid
    assert "15:00–16:00 CEST" in item.findtext("description")


# --- conditional GET and caching -------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "xml", "ics", "rss", "json"])
def test_revalidation_answers_304_until_something_changes(client, host, fmt):
    meeting = publish(host)
    first = client.get(url(fmt))
    assert first["Cache-Control"] == "public, no-cache"
    etag, last_modified = first["ETag"], first["Last-Modified"]

    again = client.get(url(fmt), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert client.get(url(fmt), HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304

    meeting.topic = "Moved to Thursday"
    meeting.save()
    changed = client.get(url(fmt), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert b"Moved to Thursday" in changed.content


@pytest.fixture
def unkept(settings):
    """No snapshot is kept: every request sees writes that bypass signals."""
    settings.FEED_VERSION_SECONDS = 0


@pytest.fixture
def on_fake_server(fake_tm, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the poller's lock file

    def register(meeting):
        return put_on_fake_server(fake_tm, meeting)

    return register


def test_a_poll_changes_the_page_and_its_etag(client, host, fake_tm, on_fake_server):
    """The poller writes the live fields with a new publication version: no waiting."""
    meeting = on_fake_server(publish(host, **at(timezone.now() + dt.timedelta(minutes=5))))
    fake_tm.set_live(meeting.server_meeting_id, attendees=4)
    polling.poll_round()
    first = client.get(url())
    assert "Live now · 4 attending" in first.content.decode()

    fake_tm.set_live(meeting.server_meeting_id, attendees=6)
    polling.poll_round()
    response = client.get(url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert "Live now · 6 attending" in response.content.decode()


def test_writes_show_with_a_new_publication_version(client, host):
    """Kept snapshots last FEED_VERSION_SECONDS, or until a writer says what changed."""
    meeting = publish(host, live_state=LiveState.LIVE, attendees=1)
    etag = client.get(url())["ETag"]
    Meeting.objects.filter(pk=meeting.pk).update(attendees=9)  # says nothing
    assert client.get(url(), HTTP_IF_NONE_MATCH=etag).status_code == 304

    publication_changed([host.customer_id])
    assert "Live now · 9 attending" in client.get(url(), HTTP_IF_NONE_MATCH=etag).content.decode()


def test_meetings_trading_attendees_in_one_poll_make_a_new_version(
    client, host, fake_tm, on_fake_server
):
    """No sum of the live fields names the list: the poller says a shown field changed."""
    soon = at(timezone.now() + dt.timedelta(minutes=5))
    a, b = (on_fake_server(publish(host, **soon)) for _ in range(2))
    fake_tm.set_live(a.server_meeting_id, attendees=2)
    fake_tm.set_live(b.server_meeting_id, attendees=5)
    polling.poll_round()
    etag = client.get(url())["ETag"]
    fake_tm.set_live(a.server_meeting_id, attendees=5)
    fake_tm.set_live(b.server_meeting_id, attendees=2)
    polling.poll_round()
    assert client.get(url(), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_cancelling_moves_last_modified_forward(client, host):
    """Clients that send only If-Modified-Since must see a meeting leave the list."""
    publish(host, topic="Stays")
    meeting = publish(host, topic="To cancel")
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Meeting.objects.update(updated_at=an_hour_ago)
    Customer.objects.update(updated_at=an_hour_ago)
    last_modified = client.get(url("ics"))["Last-Modified"]
    meeting.cancelled_at = timezone.now()
    meeting.save()
    response = client.get(url("ics"), HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 200 and b"To cancel" not in response.content


def test_a_meeting_that_ends_drops_out_and_changes_the_etag(client, host, unkept):
    now = timezone.now()
    meeting = publish(host, topic="Soon over", **at(now - dt.timedelta(minutes=30)))
    etag = client.get(url("json"))["ETag"]
    Meeting.objects.filter(pk=meeting.pk).update(ends_at=now - dt.timedelta(seconds=1))
    response = client.get(url("json"), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response.json()["meetings"] == []


def test_options_and_customer_edits_make_their_own_versions(client, host):
    plain = client.get(url())["ETag"]
    assert client.get(url(), {"compact": "1"})["ETag"] != plain
    host.customer.name = "Acme Corp"
    host.customer.save()
    assert client.get(url())["ETag"] != plain


@pytest.mark.parametrize(
    ("fmt", "page"), [("html", 1), ("html", 2), ("xml", 1), ("ics", 1), ("rss", 1), ("json", 1)]
)
def test_query_count_does_not_grow_with_the_meetings(
    client, host, fmt, page, django_assert_max_num_queries
):
    """Customer, version, list (for the HTML page: its count, then one page) and published
    recordings on a miss; nothing while the snapshot is kept, on any page."""
    query = {"page": page} if page > 1 else {}
    before = (page - 1) * HTML_PAGE_SIZE  # the meetings on the pages before
    for count in (3, 30):
        Meeting.objects.all().delete()
        for _ in range(before + count):
            publish(host, live_state=LiveState.LIVE, attendees=1)
        with django_assert_max_num_queries(5 if fmt == "html" else 4):
            response = client.get(url(fmt), query)
        assert response.status_code == 200
        with django_assert_max_num_queries(0):
            assert client.get(url(fmt), query).content == response.content
        with django_assert_max_num_queries(0):
            revalidated = client.get(url(fmt), query, HTTP_IF_NONE_MATCH=response["ETag"])
            assert revalidated.status_code == 304


def test_renaming_the_customer_moves_the_address_at_once(client, host):
    assert client.get(url()).status_code == 200
    host.customer.slug = "acme-corp"
    host.customer.save()
    assert client.get(url()).status_code == 404
    assert client.get(url(slug="acme-corp")).status_code == 200


def test_a_meeting_the_server_does_not_know_yet_is_listed_without_a_link(client, host):
    publish(host, topic="Pending", server_meeting_id="", **at(SUMMER))
    assert "Join link coming soon" in client.get(url()).content.decode()
    document = etree.fromstring(client.get(url("xml")).content)
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(document)
    assert document.find("meeting/join_url") is None
    (event,) = Calendar.from_ical(client.get(url("ics")).content).walk("VEVENT")
    assert "URL" not in event


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "QUERY"])
def test_feeds_answer_other_methods_with_405(client, host, method):
    response = client.generic(method, url("json"))
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"


# --- one record: JSON, XML, the schema and the version ---------------------------


def _live(m):
    m.live_state = LiveState.SCHEDULED if m.is_live else LiveState.LIVE


def _silent(m):
    """The server stops answering about the live meeting (the poller's mark)."""
    m.last_seen_active_at = m.server_silent_since = dt.datetime(2026, 7, 1, 12, 5, tzinfo=dt.UTC)


def _password(m):
    m.password = "another-pw"


def _recurring(m):
    m.is_recurring, m.starts_at, m.ends_at = True, None, None


#: How to change what each field of the record shows, through an ordinary save.
MEETING_CHANGES = {
    "topic": lambda m: setattr(m, "topic", "Another topic"),
    "meeting_id": lambda m: setattr(m, "server_meeting_id", "909090"),
    "is_recurring": _recurring,
    "starts_at": lambda m: setattr(m, "starts_at", m.starts_at - dt.timedelta(hours=1)),
    "ends_at": lambda m: setattr(m, "ends_at", m.ends_at + dt.timedelta(hours=1)),
    "is_live": _live,
    "attendees": lambda m: setattr(m, "attendees", m.attendees + 1),
    "live_seen_at": _silent,
    "join_url": _password,
}
CUSTOMER_CHANGES = {
    "customer": ("slug", "acme-corp"),
    "name": ("name", "Acme Corp"),
    "time_zone": ("time_zone", "America/New_York"),
    # Shown by the page only: its language and who may frame it.
    "language": ("language", "fr"),
    "embed_origins": ("embed_origins", "https://www.acme-corp.example"),
}
UNCHANGING = {"id", "uid", "version"}  # the primary key, and the shape's version


def test_every_field_of_the_record_has_a_change_below():
    meeting_fields = set(PublishedMeetingSerializer().fields)
    header_fields = set(PublishedMeetingsSerializer().fields) - {"meetings", "recordings"}
    assert meeting_fields | header_fields == {*MEETING_CHANGES, *CUSTOMER_CHANGES, *UNCHANGING} - {
        "language",
        "embed_origins",
    }


@pytest.mark.parametrize("field", sorted(MEETING_CHANGES))
@pytest.mark.parametrize("fmt", ["json", "html"])
def test_changing_what_a_meeting_shows_moves_the_etag(client, host, field, fmt):
    meeting = publish(
        host,
        server_meeting_id="424242",
        password_in_public_links=True,
        live_state=LiveState.LIVE,
        attendees=3,
        **at(SUMMER),
    )
    meeting.password = "pw-1234"
    meeting.save()
    [before] = client.get(url("json")).json()["meetings"]
    etag = client.get(url(fmt))["ETag"]

    MEETING_CHANGES[field](meeting)
    meeting.save()

    [after] = client.get(url("json")).json()["meetings"]
    assert after[field] != before[field]  # the change shows...
    assert client.get(url(fmt), HTTP_IF_NONE_MATCH=etag).status_code == 200  # ...and is sent


@pytest.mark.parametrize("field", sorted(CUSTOMER_CHANGES))
@pytest.mark.parametrize("fmt", ["json", "html"])
def test_changing_what_the_customer_shows_moves_the_etag(client, host, field, fmt):
    publish(host)
    etag = client.get(url(fmt))["ETag"]
    name, value = CUSTOMER_CHANGES[field]
    setattr(host.customer, name, value)
    host.customer.save()
    response = client.get(url(fmt, slug=host.customer.slug), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag


def test_the_xsd_declares_the_records_fields():
    """Same names, order, optionality and types as the serializer the feeds write."""
    ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
    xsd = etree.parse(str(XSD))
    types = {
        "IntegerField": {"xs:positiveInteger", "xs:nonNegativeInteger"},
        "CharField": {"xs:string"},
        "BooleanField": {"xs:boolean"},
        "DateTimeField": {"UtcDateTime"},
        "URLField": {"xs:anyURI"},
    }
    for complex_type, serializer in (
        ("Meeting", PublishedMeetingSerializer()),
        ("Recording", PublishedRecordingSerializer()),
    ):
        declared = [
            (e.get("name"), e.get("minOccurs", "1") == "0", e.get("type"))
            for e in xsd.findall(
                f"xs:complexType[@name='{complex_type}']/xs:sequence/xs:element", ns
            )
        ]
        fields = serializer.fields
        assert [name for name, _, _ in declared] == list(fields)
        for name, optional, xsd_type in declared:
            field = fields[name]
            assert optional == field.allow_null, name
            assert xsd_type in types[type(field).__name__], name
            if xsd_type == "xs:positiveInteger":
                assert field.min_value == 1
            if xsd_type == "xs:nonNegativeInteger":
                assert field.min_value == 0

    root = xsd.find("xs:element[@name='published_meetings']/xs:complexType", ns)
    attributes = [
        (a.get("name"), a.get("use"), a.get("type")) for a in root.findall("xs:attribute", ns)
    ]
    lists = ("meetings", "recordings")
    header = [n for n, f in PublishedMeetingsSerializer().fields.items() if n not in lists]
    assert attributes == [(name, "required", "xs:string") for name in header]
    assert root.find("xs:attribute[@name='version']", ns).get("fixed") == SCHEMA_VERSION


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cors_follows_the_format(client, host, fmt):
    cls = FORMATS[fmt]
    response = client.get(url(cls.extension), HTTP_ORIGIN="https://elsewhere.example")
    assert response.status_code == 200
    allowed = response.get("Access-Control-Allow-Origin")
    assert allowed == ("https://elsewhere.example" if cls.cors == "*" else None)
