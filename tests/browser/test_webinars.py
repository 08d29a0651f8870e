"""Visitors register through a form embedded on another site; the host exports the list."""

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from portal.accounts.services import customer_create, customer_push, customer_update, host_create
from portal.exports.models import ExportJob
from portal.exports.tasks import export_run
from webinars.models import Registration, Webinar
from webinars.services.questions import question_create
from webinars.services.webinars import webinar_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "webinar-host-password"


@pytest.fixture
def webinar(fake_tm, live_server, other_site, settings):
    settings.PORTAL_URL = settings.SITE_URL = live_server.url
    customer = customer_push(
        customer_id=customer_create(
            name="Webinar Co",
            slug="webinar-co",
            contact_email="it@webinar.example",
            time_zone="UTC",
        ).pk
    )
    customer = customer_update(customer=customer, embed_origins=other_site.origin)
    host = host_create(customer=customer, email="host@webinar.example", password=PASSWORD)
    start = timezone.now() + dt.timedelta(days=3)
    webinar = webinar_create(
        host=host,
        title="Zero trust in practice",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=1,
        waiting_list=True,
        status=Webinar.Status.PUBLISHED,
    )
    question_create(webinar=webinar, label="Company size", answer_type="short_text", required=True)
    other_site.html = (
        "<!doctype html><title>Events</title><h1>Register below</h1>"
        f'<iframe id="form" src="{live_server.url}/w/{webinar.slug}/embed/"'
        ' width="600" height="900"></iframe>'
    )
    return webinar


def register(page, other_site, *, first, last, email):
    page.goto(other_site.url)
    form = page.frame_locator("#form")
    form.get_by_label("First name").fill(first)
    form.get_by_label("Last name").fill(last)
    form.get_by_label("Email").fill(email)
    form.get_by_label("Company size").fill("=1+1")  # a formula, to be neutralised in exports
    form.get_by_role("button", name="Register").click()
    return form.locator("#result")


def sign_in(page, live_server):
    page.goto(f"{live_server.url}/dashboard/login/")
    page.get_by_label("Email").fill("host@webinar.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/**")


def test_embedded_registration_mail_export_and_waiting_list(page, webinar, other_site, live_server):
    result = register(page, other_site, first="Ada", last="Lovelace", email="ada@visitor.example")
    result.wait_for()
    assert result.get_attribute("data-status") == "confirmed"
    assert "You are registered" in result.inner_text()
    # The embed never needed a cookie: none reached the portal's frame.
    assert page.context.cookies(live_server.url) == []

    confirmation = mail.outbox[-1]
    assert confirmation.to == ["ada@visitor.example"]
    body = confirmation.body
    # The portal's personal link, without the meeting's password; it asks her name.
    [join] = re.findall(r"https?://\S+/join/\S+", body)
    assert webinar.meeting.server_meeting_id in body and webinar.meeting.password not in body
    page.goto(join)
    expect(page.get_by_label("Your name")).to_have_value("Ada Lovelace")
    assert any(name.endswith(".ics") for name, *_ in confirmation.attachments)

    # The webinar is full now: the next visitor waits.
    waiting = register(page, other_site, first="Bob", last="Byte", email="bob@visitor.example")
    waiting.wait_for()
    assert waiting.get_attribute("data-status") == "waitlisted"
    assert "waiting list" in waiting.inner_text()

    # The host signs in, exports to Excel, and cancels Ada's registration.
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/dashboard/webinars/{webinar.pk}/registrations/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").click()
    sheet = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    ada_cells = next(
        dict(zip(header, row, strict=True))
        for row in rows[1:]
        if "ada@visitor.example" in [cell.value for cell in row]
    )
    ada = {key: cell.value for key, cell in ada_cells.items()}
    assert (ada["First name"], ada["Last name"]) == ("Ada", "Lovelace")
    # As typed, and text that never runs: the cell's quote-prefix style.
    assert ada["Company size"] == "=1+1" and ada_cells["Company size"].quotePrefix
    registered_at = next(value for key, value in ada.items() if "egistered" in str(key))
    assert isinstance(registered_at, dt.datetime)

    page.get_by_role("button", name="Cancel the registration of Ada Lovelace").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel registration").click()  # sure
    expect(page.locator(".messages")).to_contain_text("cancelled")
    statuses = dict(Registration.objects.values_list("email", "status"))
    assert statuses == {"ada@visitor.example": "cancelled", "bob@visitor.example": "confirmed"}
    assert mail.outbox[-1].to == ["bob@visitor.example"]
    # Her personal link went with her seat.
    assert page.goto(join).status == 404


def test_a_background_export_shows_its_progress_and_then_its_download(page, webinar, live_server):
    for n in range(3):
        Registration.objects.create(
            webinar=webinar,
            status=Registration.Status.CONFIRMED,
            first_name=f"Person{n}",
            last_name="Example",
            email=f"person{n}@visitor.example",
            answers={},
        )
    # As the export button leaves it for a worker (with eager tasks it would be
    # done before its page opens): queued, and the worker is played below.
    export = ExportJob.objects.create(
        exporter="registrations", target=webinar, format="xlsx", rows_total=3
    )
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/dashboard/exports/{export.uid}/")
    state = page.get_by_role("status")
    expect(state).to_have_text("Queued: 0 of 3 rows.")
    expect(page.locator("#export-download")).to_be_hidden()
    expect(page.locator("#export-reload")).to_be_hidden()  # the script keeps the page current

    export_run(export.pk)  # the worker's turn

    expect(state).to_have_text("Ready: 3 rows.")
    expect(page.locator("#export-progress")).to_have_attribute("value", "100")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    emails = sorted(row[4] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert emails == [f"person{n}@visitor.example" for n in range(3)]


def test_the_host_sees_who_pressed_join_on_the_webinar_page(
    page, webinar, other_site, live_server, settings
):
    # Room under the rate limits whatever ran before (without Redis their counts live in a
    # database table that a live server's flush does not empty).
    settings.WEBINAR_RATE_PER_IP = settings.WEBINAR_RATE_PER_WEBINAR = "1000/600"
    settings.WEBINAR_RATE_PER_RECIPIENT = "1000/600"
    register(page, other_site, first="Ada", last="Lovelace", email="ada@visitor.example").wait_for()
    [join] = re.findall(r"https?://\S+/join/\S+", mail.outbox[-1].body)
    register(page, other_site, first="Bob", last="Byte", email="bob@visitor.example").wait_for()
    # Ada follows her personal link and presses Join: the portal sends her to the server.
    page.goto(join)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading")).to_contain_text("Joining meeting")

    sign_in(page, live_server)
    page.goto(f"{live_server.url}/dashboard/webinars/{webinar.pk}/")
    attendance = page.locator("#attendance")
    expect(attendance.get_by_role("heading", name="Attendance")).to_be_visible()
    expect(attendance).to_contain_text("1 registered")
    expect(attendance).to_contain_text("1 waiting")
    expect(page.locator("#attendance-joined")).to_have_text(
        "People who pressed Join on their personal link: 1"
    )
    row = attendance.get_by_role("row", name=re.compile("ada@visitor.example"))
    expect(row).to_contain_text("Ada Lovelace")
    expect(row.get_by_role("cell").last).to_have_text("1")
    expect(attendance).not_to_contain_text("bob@visitor.example")  # he never joined
