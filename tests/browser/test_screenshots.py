"""What people see, at a desktop's and a phone's width: the pages the README shows.

``make screenshots`` runs this with SCREENSHOTS_DIR=docs/screenshots and
commits nothing by itself; in ``make test`` the pictures go to a temporary
folder, and the test still checks that each page fits its width: no page is
wider than the screen, no table is wider than its page, no word or ID is
broken across lines inside a table cell or a meeting of the published list,
and nothing runs out of its box (under a button next to it).
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from meetings.models import LiveState
from meetings.selectors import publishing
from portal.accounts.services import customer_create, customer_push, customer_update, host_create
from tests.factories import MeetingFactory
from tests.webinars.factories import QuestionFactory, RegistrationFactory
from webinars.models import Registration, Webinar
from webinars.services.webinars import webinar_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "screenshot-password"
WIDTHS = {"desktop": 1280, "phone": 390}
LONG_TOPIC = (
    "Quarterly customer call: roadmap, pricing and the move of every enterprise account "
    "to Acme Cloud"
)
ADDRESS_TOPIC = "Slides: https://www.acme.example/events/2027/quarterly-customer-call/slides"


@pytest.fixture
def folder(tmp_path) -> Path:
    chosen = os.environ.get("SCREENSHOTS_DIR")
    return Path(chosen) if chosen else tmp_path


@pytest.fixture
def shown(fake_tm, live_server, other_site, settings):
    settings.PORTAL_URL = settings.SITE_URL = live_server.url
    customer = customer_push(
        customer_id=customer_create(
            name="Acme Corporation",
            slug="acme",
            contact_email="it@acme.example",
            time_zone="Europe/Berlin",
        ).pk
    )
    customer_update(customer=customer, embed_origins=other_site.origin)
    host = host_create(
        customer=customer,
        email="ada@acme.example",
        password=PASSWORD,
        first_name="Ada",
        last_name="Host",
        is_administrator=True,
    )
    start = (timezone.now() + dt.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    MeetingFactory(
        host=host,
        topic="Support hour",
        is_published=True,
        server_meeting_id="4219111755",
        starts_at=timezone.now() - dt.timedelta(minutes=10),
        ends_at=timezone.now() + dt.timedelta(minutes=50),
        live_state=LiveState.LIVE,
        attendees=12,
    )
    for offset, topic in [(0, "Product demo"), (26, LONG_TOPIC), (28, ADDRESS_TOPIC)]:
        MeetingFactory(
            host=host,
            topic=topic,
            is_published=True,
            server_meeting_id=f"42191{offset:05d}",
            starts_at=start + dt.timedelta(hours=offset),
            ends_at=start + dt.timedelta(hours=offset + 1),
        )
    webinar = webinar_create(
        host=host,
        title="What's new in Acme 2027",
        description="An hour with the product team: **what ships**, what changes, and your "
        "questions answered live.",
        speakers="Grace Hopper, VP Product\nAlan Turing, Chief Architect",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=100,
        status=Webinar.Status.PUBLISHED,
    )
    QuestionFactory(webinar=webinar, label="Your role")
    RegistrationFactory(
        webinar=webinar,
        first_name="Jürgen",
        last_name="Groß",
        email="juergen.gross@grossmann-maschinenbau.example",
        organisation="Großmann Maschinenbau",
    )
    for first, last in [("Linus", "Byte"), ("Marie", "Curie")]:
        RegistrationFactory(webinar=webinar, first_name=first, last_name=last)
    RegistrationFactory(
        webinar=webinar, first_name="Niels", last_name="Bohr", status=Registration.Status.PENDING
    )
    return {"webinar": webinar, "meetings": publishing(customer)}


def sign_in(page, live_server):
    page.goto(f"{live_server.url}/dashboard/login/")
    page.get_by_label("Email").fill("ada@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/**")


def customer_page(title: str, embed: str) -> str:
    return (
        "<!doctype html><meta name=viewport content='width=device-width'>"
        f"<title>{title}</title><h1 style='font-family:sans-serif'>{title}</h1>{embed}"
    )


@pytest.mark.parametrize("device", WIDTHS)
def test_the_pages_people_see(page, shown, live_server, other_site, folder, device):
    width = WIDTHS[device]
    page.set_viewport_size({"width": width, "height": 900})
    webinar = shown["webinar"]
    webinar_embed = (
        f'<iframe data-portal-embed src="{live_server.url}/w/{webinar.slug}/embed/" '
        'title="Register" style="width:100%;border:0" height="700"></iframe>'
        f'<script src="{live_server.url}/static/portal/embed.js" async></script>'
    )
    shots = {
        "webinar-page": (f"{live_server.url}/w/{webinar.slug}/", None),
        "embed-on-another-site": (other_site.url, customer_page("Acme events", webinar_embed)),
        "meetings-page": (f"{live_server.url}/p/acme/meetings/", None),
        "meetings-embed": (
            other_site.url,
            customer_page("Acme meetings", shown["meetings"]["snippet"]),
        ),
    }
    for name, (url, html) in shots.items():
        if html:
            other_site.html = html
        page.goto(url)
        page.wait_for_load_state("networkidle")
        save(page, folder, name, device)
    sign_in(page, live_server)
    for name, url in {
        "dashboard-meetings": f"{live_server.url}/dashboard/",
        "dashboard-webinars": f"{live_server.url}/dashboard/webinars/",
        "registrations": f"{live_server.url}/dashboard/webinars/{webinar.pk}/registrations/",
    }.items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        save(page, folder, name, device)


# Words (and IDs) that a table cell, or a meeting of the published list, shows on more than
# one line (a line may end after a hyphen or a dash) although they would fit on one line of
# the page; boxes whose content runs out of them; tables wider than what holds them; rows
# whose cells' borders do not line up.
LAYOUT = """() => {
  const broken = [], spilling = [], wide = [], ragged = [];
  const ruler = document.createElement("canvas").getContext("2d");
  function fitsALine(word, node) {
    const table = node.parentElement.closest("table");
    const room = table ? table.parentElement : node.parentElement.closest("p, div");
    ruler.font = getComputedStyle(node.parentElement).font;
    return ruler.measureText(word).width <= room.clientWidth;
  }
  for (const box of document.querySelectorAll("td, th, ul.meetings > li")) {
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/[^\\s\\-–]+[\\-–]?/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
          .map(r => Math.round(r.bottom)));
        if (lines.size > 1 && fitsALine(word[0], node)) broken.push(word[0]);
      }
    }
  }
  for (const box of document.querySelectorAll("td, th, ul.meetings > li > *, .card")) {
    if (getComputedStyle(box).overflowX === "visible" && box.scrollWidth > box.clientWidth + 1)
      spilling.push(box.textContent.trim().slice(0, 40));
  }
  for (const table of document.querySelectorAll("table")) {
    if (table.getBoundingClientRect().width > table.parentElement.clientWidth + 1)
      wide.push(table.id);
  }
  for (const row of document.querySelectorAll("tr")) {
    if (getComputedStyle(row).display !== "table-row") continue;
    const bottoms = new Set([...row.children]
      .map(cell => Math.round(cell.getBoundingClientRect().bottom)));
    if (bottoms.size > 1) ragged.push(row.textContent.trim().slice(0, 40));
  }
  const page = document.documentElement.scrollWidth, width = window.innerWidth;
  return {page, width, broken, spilling, wide, ragged};
}"""


def save(page, folder: Path, name: str, device: str) -> None:
    frames = [page] + [frame for frame in page.frames if frame != page.main_frame]
    for frame in frames:
        layout = frame.evaluate(LAYOUT)
        where = f"{name} ({frame.url}) at the {device}'s width"
        assert layout["page"] <= layout["width"] + 1, f"{where} is {layout['page']} px wide"
        assert not layout["broken"], f"{where} breaks words: {layout['broken']}"
        assert not layout["spilling"], f"{where} has content out of its box: {layout['spilling']}"
        assert not layout["wide"], f"{where} has tables wider than the page: {layout['wide']}"
        assert not layout["ragged"], f"{where} has cells out of line: {layout['ragged']}"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{device}.png"), full_page=True)
