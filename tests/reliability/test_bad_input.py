"""Bad input through every way in: a clear 4xx, or carried intact and safely; never a 500.

Each test is what a careless integrator, a prankster or an attacker would
send: markup and control characters in a topic, spreadsheet formulas in a
name, over-long fields, bodies that are not UTF-8, hostile XML from a
"meeting server", times that do not exist, and mangled callbacks.
"""

import csv
import io
import json
import time
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET
from django.test import Client
from django.utils.html import escape
from icalendar import Calendar
from lxml import etree
from openpyxl import load_workbook

from conferencing.base import BadServerResponse
from conferencing.fakes.server import serve
from conferencing.turbomeeting import TurboMeeting
from conferencing.turbomeeting.returns import parse_return
from meetings.models import Meeting
from tests.conftest import PARTNER_ID
from tests.factories import CustomerFactory, HostFactory, MeetingFactory
from tests.webinars.factories import WebinarFactory
from webinars.models import Registration

pytestmark = pytest.mark.django_db

XSD = Path(__file__).parents[2] / "meetings/static/meetings/published-meetings.xsd"
ORIGIN = "https://www.customer.example"
PERSON = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}
TOPICS = {
    "markup": "<script>alert('x')</script> & \"Q&A\" <b>bold</b>",
    "cdata end": "end of ]]> and <![CDATA[ start",
    "line break": "Line one\r\nline two",
    "right to left": "\u202eمرحبا بالعالم שלום עולם",
    "emoji": "Launch 🚀👩🏽‍💻🇩🇪",
    "ical escapes": r"Q3; budget, plans \ files on C:\NAS",
}
FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)"]


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.WEBINAR_RATE_PER_IP = "1000/600"
    settings.WEBINAR_RATE_PER_WEBINAR = "1000/60"
    settings.TM_SERVICE_COMPANY_UID = PARTNER_ID


@pytest.fixture
def host():
    customer = CustomerFactory(slug="acme", name="Acme", embed_origins=ORIGIN)
    return HostFactory(customer=customer)  # the customer's zone is Europe/Berlin


@pytest.fixture
def dashboard(client, host):
    client.force_login(host.user)
    return client


@pytest.fixture
def webinar(host):
    return WebinarFactory(host=host, title="Rocket science 101")


def register(webinar, data, **extra):
    return Client().post(f"/w/{webinar.slug}/register", data, HTTP_ORIGIN=ORIGIN, **extra)


def feed(client, fmt):
    response = client.get(f"/p/acme/meetings.{fmt}")
    assert response.status_code == 200
    return response.content


def as_line_breaks(text):
    """The topic as XML (1.0 §2.11: parsers read CR LF as LF) and iCalendar (RFC 5545
    §3.3.11: one escaped line break, no CR) can carry it; JSON must keep it exactly."""
    return text.replace("\r\n", "\n")


# --- 1. a topic carried intact through every published format ---------------------------------


def topic_cases():
    return [pytest.param(t, id=n) for n, t in TOPICS.items()]


@pytest.mark.parametrize("topic", topic_cases())
def test_xml_feed_carries_a_hostile_topic_and_stays_valid(client, host, topic):
    """A host types markup, `]]>`, a line break, RTL text or emoji as a topic and publishes it."""
    MeetingFactory(host=host, topic=topic, is_published=True)
    body = feed(client, "xml")
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(etree.fromstring(body))
    assert SafeET.fromstring(body).find("meeting").findtext("topic") == as_line_breaks(topic)


@pytest.mark.parametrize("topic", topic_cases())
def test_ical_feed_carries_a_hostile_topic(client, host, topic):
    """A calendar subscriber must see the topic, not a broken or altered event."""
    MeetingFactory(host=host, topic=topic, is_published=True)
    (event,) = Calendar.from_ical(feed(client, "ics")).walk("VEVENT")
    assert str(event["SUMMARY"]) == as_line_breaks(topic)


@pytest.mark.parametrize("topic", topic_cases())
def test_rss_feed_carries_a_hostile_topic(client, host, topic):
    """A feed reader gets well-formed RSS whose item title is the topic."""
    MeetingFactory(host=host, topic=topic, is_published=True)
    (item,) = SafeET.fromstring(feed(client, "rss")).find("channel").findall("item")
    assert item.findtext("title") == as_line_breaks(topic)


@pytest.mark.parametrize("topic", topic_cases())
def test_json_feed_carries_a_hostile_topic_exactly(client, host, topic):
    """A script on another site reads the topic byte for byte, CR included."""
    MeetingFactory(host=host, topic=topic, is_published=True)
    assert json.loads(feed(client, "json"))["meetings"][0]["topic"] == topic


@pytest.mark.parametrize("topic", topic_cases())
def test_html_page_shows_a_hostile_topic_escaped(client, host, topic):
    """The embeddable page is on the customer's site: a topic must never become markup."""
    MeetingFactory(host=host, topic=topic, is_published=True)
    page = client.get("/p/acme/meetings/").content.decode()
    assert escape(topic) in page
    assert "<script>alert" not in page and "<b>bold" not in page  # the page's own script has src=


# --- 2. names in the host's exports -----------------------------------------------------------


def export(dashboard, webinar, fmt):
    response = dashboard.get(f"/dashboard/webinars/{webinar.pk}/registrations.{fmt}")
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def xlsx_rows(content):
    header, *rows = load_workbook(io.BytesIO(content)).active.iter_rows()
    names = [cell.value for cell in header]
    return [dict(zip(names, row, strict=True)) for row in rows]


def csv_rows(content):
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_a_right_to_left_name_with_emoji_survives_registration_and_export(dashboard, webinar):
    """Someone registers as "<RLO>محمد" "כהן 🎉": the host's spreadsheets show exactly that."""
    person = {"first_name": "\u202eمحمد", "last_name": "כהן 🎉", "email": "m@example.com"}
    assert register(webinar, person).status_code == 201
    stored = Registration.objects.get()
    name = [person["first_name"], person["last_name"]]
    assert [stored.first_name, stored.last_name] == name
    (row,) = xlsx_rows(export(dashboard, webinar, "xlsx"))
    assert [row["First name"].value, row["Last name"].value] == name
    (line,) = csv_rows(export(dashboard, webinar, "csv"))
    assert [line["First name"], line["Last name"]] == name


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_as_a_name_is_kept_but_never_runs_in_an_export(dashboard, webinar, formula):
    """An attacker registers with a formula as first name, hoping the host opens the export."""
    assert register(webinar, PERSON | {"first_name": formula}).status_code == 201
    assert Registration.objects.get().first_name == formula  # the record keeps what was typed
    (row,) = xlsx_rows(export(dashboard, webinar, "xlsx"))
    cell = row["First name"]
    # Text with the quote-prefix style: the value is what was typed, and it never runs.
    assert cell.data_type == "s" and cell.quotePrefix
    assert cell.value == formula
    (line,) = csv_rows(export(dashboard, webinar, "csv"))
    assert line["First name"] == "'" + formula


# --- 3. over-long fields ----------------------------------------------------------------------

LONG = {
    "first name of 10,000 characters": ("first_name", "G" * 10_000),
    "email of 300 characters": ("email", "a" * 288 + "@example.com"),
}


@pytest.mark.parametrize("encoding", ["form", "json"])
@pytest.mark.parametrize(("field", "value"), LONG.values(), ids=LONG.keys())
def test_over_long_fields_on_the_public_endpoint_are_refused(webinar, encoding, field, value):
    """A script posts an enormous field to the custom-page endpoint."""
    data = PERSON | {field: value}
    if encoding == "json":
        response = register(webinar, json.dumps(data), content_type="application/json")
    else:
        response = register(webinar, data)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and response.json()["errors"][field]
    assert not Registration.objects.exists()


def meeting_form(**fields):
    return {
        "kind": "0",
        "topic": "Board meeting",
        "starts_at": "2031-03-10T09:00",
        "ends_at": "2031-03-10T10:00",
    } | fields


@pytest.mark.parametrize(
    ("field", "value"),
    [("topic", "T" * 10_000), ("password", "p" * 1_000), ("call_number", "1" * 500)],
)
def test_over_long_fields_on_the_meeting_form_are_refused(dashboard, field, value):
    """A host (or a forged post) sends a field far beyond what the form allows."""
    response = dashboard.post("/dashboard/meetings/new/", meeting_form(**{field: value}))
    assert response.status_code in (200, 400)
    assert field in response.context["form"].errors
    assert not Meeting.objects.exists()


# --- 4. bodies that are not UTF-8 -------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"first_name=\xff\xfeGr\xe2ce&last_name=Hopper&email=grace%40example.com",
        b"first_name=%FF%FEGr%E2ce&last_name=Hopper&email=grace%40example.com",
    ],
    ids=["raw bytes", "percent-encoded bytes"],
)
def test_a_form_body_that_is_not_utf8_is_refused(webinar, body):
    """A page in Latin-1 (or a fuzzer) posts a form whose name is not UTF-8."""
    response = register(webinar, body, content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["reason"]
    assert not Registration.objects.exists()


def test_a_multipart_body_that_is_not_utf8_is_refused_like_a_form(webinar):
    """The same Latin-1 name posted as multipart/form-data (curl -F, a FormData)."""
    parts = [(b"first_name", b"Gr\xe2ce"), (b"last_name", b"Hopper"), (b"email", b"g@example.com")]
    body = b"".join(
        b'--B\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % part for part in parts
    )
    response = register(
        webinar, body + b"--B--\r\n", content_type="multipart/form-data; boundary=B"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "parse_error" and "UTF-8" in response.json()["reason"]
    assert not Registration.objects.exists()


def test_a_json_body_that_is_not_utf8_is_refused(webinar):
    """A client sends JSON encoded in Latin-1."""
    body = json.dumps(PERSON | {"first_name": "Gr\xe2ce"}, ensure_ascii=False).encode("latin-1")
    response = register(webinar, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "parse_error" and response.json()["reason"]
    assert not Registration.objects.exists()


# --- 5. hostile XML from the meeting server ---------------------------------------------------

LOLS = "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(2, 10)
)  # lol9 is 10**9 "lol"s
ANSWERS = {
    "billion laughs": f'<!DOCTYPE r [<!ENTITY lol1 "lol">{LOLS}]>'
    "<__Return__><__Status__>&lol9;</__Status__></__Return__>",
    "external file entity": '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<__Return__><__Status__>&x;</__Status__></__Return__>",
    "external http entity": '<!DOCTYPE r [<!ENTITY x SYSTEM "http://{host}/evil.dtd">]>'
    "<__Return__><__Status__>&x;</__Status__></__Return__>",
    "external DTD": '<!DOCTYPE __Return__ SYSTEM "http://{host}/evil.dtd">'
    "<__Return__><__Status__>SUCCEED</__Status__><__IsActive__>Y</__IsActive__></__Return__>",
}


@pytest.mark.parametrize("answer", ANSWERS.values(), ids=ANSWERS.keys())
def test_the_client_refuses_entities_from_a_hostile_server(answer):
    """A compromised or spoofed meeting server answers with entity tricks over real HTTP."""
    asked = []

    def app(environ, start_response):
        asked.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [answer.replace("{host}", environ["HTTP_HOST"]).encode()]

    with serve(app) as server:
        client = TurboMeeting(server.url, service_company_uid=PARTNER_ID, read_timeout=2)
        started = time.monotonic()
        with pytest.raises(BadServerResponse) as refused:
            client.meeting_status("123456")
        client.close()
    assert time.monotonic() - started < 2
    assert "lollollol" not in str(refused.value) and "root:" not in str(refused.value)
    assert asked and not any(path.endswith(".dtd") for path in asked)  # nothing fetched


# --- 6. times that do not exist, or exist twice -----------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [("2031-03-30T02:30", "2031-03-30T03:30"), ("2031-10-26T02:30", "2031-10-26T03:30")],
    ids=["spring-forward gap", "autumn overlap"],
)
def test_a_start_in_a_dst_change_gets_a_field_error(dashboard, start, end):
    """A Berlin host schedules at 02:30 on a night the clocks change.

    What the portal does: in the gap the time does not exist, in the overlap
    it exists twice; either way the form is shown again with an error on
    "Starts" saying so (Django's DateTimeField refuses ambiguous and
    non-existent local times), and nothing is stored or sent.
    """
    response = dashboard.post(
        "/dashboard/meetings/new/", meeting_form(starts_at=start, ends_at=end)
    )
    assert response.status_code == 200
    (message,) = response.context["form"].errors["starts_at"]
    assert "Europe/Berlin" in message and "ambiguous" in message
    assert not Meeting.objects.exists()


# --- 7. mangled callbacks from the meeting server ---------------------------------------------

CALLBACKS = [
    pytest.param(f"email={'a' * 4988}%40example.com&password=x", id="email of 5,000 characters"),
    pytest.param("email=host%00%40customer.example&password=pw%00d", id="NUL bytes"),
    pytest.param("email=%E0%A4%A%ZZ%40x&password=%C3%28%", id="invalid percent-encoding"),
    pytest.param("email=%FF%FE%40x&password=%80", id="bytes that are not UTF-8"),
]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("query", CALLBACKS)
def test_a_mangled_sign_in_callback_is_answered_failed(client, method, query):
    """/tm/auth receives garbage from the allowed caller: the spec's FAILED answer, never a 500."""
    HostFactory(user__email="host@customer.example")
    query = f"service_company_uid={PARTNER_ID}&{query}"
    if method == "get":
        response = client.get(f"/tm/auth?{query}", REMOTE_ADDR="127.0.0.1")
    else:
        response = client.post(
            "/tm/auth", query, content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR="127.0.0.1",
        )  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    reply = parse_return(response.content)
    assert reply.status == "FAILED" and reply.reason


@pytest.mark.parametrize(
    "username", ["a" * 5000 + "@example.com", "host\x00@customer.example"], ids=["long", "NUL"]
)
def test_a_mangled_username_on_the_token_endpoint_is_a_400(username):
    """The same garbage at the API's sign-in: refused with a reason, counted, never a 500."""
    response = Client().post(
        "/api/v1/auth/token/",
        {"username": username, "password": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["reason"]
