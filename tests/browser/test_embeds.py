"""Embeds size themselves to their content on a customer's page, and only the portal's frame can
ask for a size; without the script, the snippet's fixed height stays."""

import datetime as dt
import html
import re
import time

import pytest
from django.test import Client
from django.utils import timezone

from conferencing.fakes.server import serve
from meetings import selectors
from meetings.feeds.listing import HTML_PAGE_SIZE
from portal.accounts.services import customer_create, customer_update
from tests.browser.conftest import OtherSite
from tests.factories import HostFactory, MeetingFactory
from webinars.models import Question, Webinar
from webinars.services.questions import question_create
from webinars.services.webinars import webinar_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEBINAR_FALLBACK = 672  # 42rem, the webinar snippet's fixed height
LIST_FALLBACK = 480  # the meetings snippet's


@pytest.fixture
def customer(live_server, other_site, settings):
    settings.PORTAL_URL = settings.SITE_URL = live_server.url
    customer = customer_create(
        name="Embed Co", slug="embed-co", contact_email="it@embed.example", time_zone="UTC"
    )
    return customer_update(customer=customer, embed_origins=other_site.origin)


@pytest.fixture
def host(customer):
    return HostFactory(customer=customer, is_administrator=True)


@pytest.fixture
def webinar(host):
    start = timezone.now() + dt.timedelta(days=3)
    webinar = webinar_create(
        host=host,
        title="Zero trust in practice",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        status=Webinar.Status.PUBLISHED,
    )
    question_create(webinar=webinar, label="Team name", required=True)
    question_create(webinar=webinar, label="Company size", required=True)
    question_create(webinar=webinar, label="Your role", answer_type=Question.AnswerType.LONG_TEXT)
    interpreter = question_create(
        webinar=webinar, label="I need an interpreter", answer_type=Question.AnswerType.CHECKBOX
    )
    question_create(
        webinar=webinar,
        label="Which language?",
        answer_type=Question.AnswerType.LONG_TEXT,
        depends_on=interpreter,
        depends_on_value="yes",
    )
    return webinar


@pytest.fixture
def meetings(host):
    start = timezone.now() + dt.timedelta(days=1)
    for n in range(12):
        MeetingFactory(
            host=host,
            topic=f"Product briefing number {n + 1}, with questions and answers",
            is_published=True,
            starts_at=start + dt.timedelta(days=n),
            ends_at=start + dt.timedelta(days=n, hours=1),
        )


def webinar_snippet(host, webinar, live_server) -> str:
    """The snippet exactly as the webinar's dashboard page gives it to copy."""
    client = Client()
    client.force_login(host.user)
    page = client.get(
        f"/dashboard/webinars/{webinar.pk}/", HTTP_HOST=live_server.url.split("://", 1)[1]
    ).content.decode()
    return html.unescape(re.search(r'<pre[^>]*id="embed-snippet">(.*?)</pre>', page, re.S)[1])


def customer_page(snippet: str, extra: str = "") -> str:
    """A customer's page: a heading, the pasted snippet (given an id for the test), more text."""
    snippet = snippet.replace("<iframe ", '<iframe id="embed" ', 1)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Our events</title></head><body><h1>Our events</h1>"
        f"{snippet}<p>More about us below the embed.</p>{extra}</body></html>"
    )


def without_script(snippet: str) -> str:
    return re.sub(r"<script[^>]*></script>", "", snippet)


def heights(page) -> tuple[int, int, int]:
    """The iframe's inner height, and the framed document's scroll height and content height."""
    outer = page.eval_on_selector("#embed", "e => e.clientHeight")
    frame = page.locator("#embed").element_handle().content_frame()
    scroll, content = frame.evaluate(
        "[document.documentElement.scrollHeight,"
        " Math.ceil(document.documentElement.getBoundingClientRect().height)]"
    )
    return outer, scroll, content


def fitted(page, timeout: float = 10) -> int:
    """Wait until the iframe is as tall as its content, no nested scrollbar; its height."""
    deadline = time.monotonic() + timeout
    previous = None
    while True:
        now = heights(page)
        outer, scroll, content = now
        if outer >= scroll - 2 and abs(outer - content) <= 2 and now == previous:
            return outer
        if time.monotonic() > deadline:
            raise AssertionError(f"not fitted: iframe {outer}, scroll {scroll}, content {content}")
        previous = now
        page.wait_for_timeout(150)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_webinar_form_fits_its_content_through_a_whole_registration(
    page, webinar, host, live_server, other_site, width
):
    page.set_viewport_size({"width": width, "height": 800})
    other_site.html = customer_page(webinar_snippet(host, webinar, live_server))
    page.goto(other_site.url)
    form = page.frame_locator("#embed")
    form.get_by_label("First name").wait_for()
    initial = fitted(page)
    assert initial > WEBINAR_FALLBACK  # it grew: no scrollbar inside the frame

    # A conditional question appears, and the frame makes room for it.
    form.get_by_label("I need an interpreter").check()
    form.get_by_label("Which language?").wait_for()
    with_question = fitted(page)
    assert with_question > initial

    # A submit with errors: the summary and the messages fit too.
    form.get_by_label("First name").fill("Ada")
    form.get_by_role("button", name="Register").click()
    form.locator("#error-summary").wait_for()
    with_errors = fitted(page)
    assert with_errors > with_question

    # Success: a shorter page, and the frame shrinks to it.
    form.get_by_label("Last name").fill("Lovelace")
    form.get_by_label("Email").fill("ada@visitor.example")
    form.get_by_label("Team name").fill("Analytical Engines")
    form.get_by_label("Company size").fill("12")
    form.get_by_label("Which language?").fill("Italian")
    form.get_by_role("button", name="Register").click()
    form.locator("#result").wait_for()
    done = fitted(page)
    assert done < with_errors


def test_the_frame_follows_the_window_from_wide_to_narrow_and_back(
    page, webinar, host, live_server, other_site
):
    other_site.html = customer_page(webinar_snippet(host, webinar, live_server))
    page.goto(other_site.url)
    page.frame_locator("#embed").get_by_label("First name").wait_for()
    wide = fitted(page)
    page.set_viewport_size({"width": 390, "height": 800})
    narrow = fitted(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    assert narrow > wide and fitted(page) == wide


@pytest.mark.parametrize("width", [1280, 390])
def test_the_published_meetings_fit_their_content(page, customer, meetings, other_site, width):
    page.set_viewport_size({"width": width, "height": 800})
    other_site.html = customer_page(selectors.publishing(customer)["snippet"])
    page.goto(other_site.url)
    page.frame_locator("#embed").get_by_text("Product briefing number 12,").wait_for()
    assert fitted(page) > LIST_FALLBACK  # no longer cut off at 480 px


def test_a_visitor_pages_through_the_meetings_inside_the_frame(page, customer, host, other_site):
    """Past one page, "Later meetings" shows the next ones in the frame, sized to them, and the
    customer's page stays where it is (test_accessibility checks both pages with axe)."""
    start = timezone.now() + dt.timedelta(days=1)
    briefings = [
        MeetingFactory(
            host=host,
            topic=f"Briefing {n:03d}",
            is_published=True,
            starts_at=start + dt.timedelta(hours=n),
            ends_at=start + dt.timedelta(hours=n + 1),
        )
        for n in range(1, HTML_PAGE_SIZE + 4)
    ]
    later_ones = briefings[HTML_PAGE_SIZE:]
    other_site.html = customer_page(selectors.publishing(customer)["snippet"])
    page.goto(other_site.url)
    frame = page.frame_locator("#embed")
    last_of_first = f"Briefing {HTML_PAGE_SIZE:03d}"
    frame.get_by_text(last_of_first, exact=True).wait_for()
    assert frame.get_by_text(f"Briefing {HTML_PAGE_SIZE + 1:03d}", exact=True).count() == 0
    pages = frame.get_by_role("navigation", name="Pages of meetings")
    assert pages.get_by_role("link", name="Earlier meetings").count() == 0
    framed = page.locator("#embed").element_handle().content_frame()

    pages.get_by_role("link", name="Later meetings").click()
    frame.get_by_text(f"Briefing {HTML_PAGE_SIZE + 3:03d}", exact=True).wait_for()
    assert framed.url.endswith("/p/embed-co/meetings/?page=2")
    assert page.url.rstrip("/") == other_site.origin  # only the frame moved
    assert frame.get_by_text("Briefing 001", exact=True).count() == 0
    assert pages.get_by_role("link", name="Later meetings").count() == 0
    assert "Page 2 of 2" in pages.inner_text()
    fitted(page)  # the frame takes the shorter page's height

    pages.get_by_role("link", name="Earlier meetings").click()
    frame.get_by_text(last_of_first, exact=True).wait_for()
    assert page.url.rstrip("/") == other_site.origin

    # The last three are taken off the list while the visitor reads the first page: the
    # link they hold leads past the last page, and they read why in the frame.
    for later in later_ones:
        later.is_published = False
        later.save()
    pages.get_by_role("link", name="Later meetings").click()
    frame.get_by_text("This page of the list is gone").wait_for()
    frame.get_by_role("link", name="See the first page").click()
    frame.get_by_text(last_of_first, exact=True).wait_for()
    assert frame.get_by_role("navigation", name="Pages of meetings").count() == 0
    assert page.url.rstrip("/") == other_site.origin


def test_without_the_script_the_snippets_keep_their_fixed_height(
    page, customer, meetings, webinar, host, live_server, other_site
):
    other_site.html = customer_page(without_script(selectors.publishing(customer)["snippet"]))
    page.goto(other_site.url)
    page.frame_locator("#embed").get_by_text("Product briefing number 1,").wait_for()
    page.wait_for_timeout(500)
    outer, scroll, _ = heights(page)
    assert outer == LIST_FALLBACK and scroll > outer  # the list scrolls inside, as it always did

    other_site.html = customer_page(without_script(webinar_snippet(host, webinar, live_server)))
    page.goto(other_site.url)
    form = page.frame_locator("#embed")
    form.get_by_label("First name").wait_for()
    page.wait_for_timeout(500)
    assert heights(page)[0] == WEBINAR_FALLBACK
    form.get_by_role("button", name="Register").click()  # it still works, errors and all
    form.locator("#error-summary").wait_for()
    assert heights(page)[0] == WEBINAR_FALLBACK


# Another site's frame on the customer's page, posting "resize" messages to its parent.
FORGER = """<!doctype html><title>ad</title><script>
window.sent = 0;
setInterval(function () {
  window.parent.postMessage({type: "portal:resize", height: 3000}, "*");
  window.sent++;
}, 50);
</script>"""


def other_frames(advertiser: str, portal_page: str) -> str:
    """Frames and scripts on the customer's page that must not move the embed."""
    return (
        # An ad: another origin, another window.
        f'<iframe id="ad" src="{advertiser}/" width="300" height="100"></iframe>'
        # A frame marked like an embed, but not from the portal.
        f'<iframe id="fake" data-portal-embed src="{advertiser}/x" height="100"></iframe>'
        # A frame given the portal's address, then sent elsewhere (its source is right, its
        # origin is not).
        f'<iframe id="hijacked" data-portal-embed src="{portal_page}" height="100"></iframe>'
        # The portal's own page in a frame that is not marked: the right origin from a window
        # that is not the embed's.
        f'<iframe id="unmarked" src="{portal_page}" width="300" height="100"></iframe>'
        "<script>"
        f'document.getElementById("hijacked").contentWindow.location = "{advertiser}/hijacked";'
        # The customer's page itself, posting to its own window.
        "setInterval(function () {"
        ' window.postMessage({type: "portal:resize", height: 7}, "*"); }, 50);'
        "</script>"
    )


def test_messages_from_anyone_but_the_embeds_own_frame_change_nothing(
    page, customer, meetings, other_site, live_server
):
    forger = OtherSite()
    forger.html = FORGER
    with serve(forger, host="127.0.0.1") as advertiser:
        assert advertiser.url.rstrip("/") != other_site.origin
        list_url = f"{live_server.url}/p/embed-co/meetings/"
        other_site.html = customer_page(
            selectors.publishing(customer)["snippet"], other_frames(advertiser.url, list_url)
        )
        page.goto(other_site.url)
        page.frame_locator("#embed").get_by_text("Product briefing number 12,").wait_for()
        page.frame_locator("#unmarked").get_by_text("Product briefing number 12,").wait_for()
        fitted_height = fitted(page)
        # The unmarked portal frame grows taller, and says so to its parent.
        page.eval_on_selector("#unmarked", "e => { e.width = 200; }")
        page.wait_for_timeout(1000)
        ad = page.locator("#ad").element_handle().content_frame()
        hijacked = page.locator("#hijacked").element_handle().content_frame()
        hijacked.wait_for_url(f"{advertiser.url.rstrip('/')}/hijacked")  # sent elsewhere first
        for sender in (ad, hijacked):  # both have been sending for a while
            sender.wait_for_function("() => (window.sent || 0) > 5")
        assert heights(page)[0] == fitted_height
        for other in ("#fake", "#hijacked", "#unmarked", "#ad"):
            assert page.eval_on_selector(other, "e => e.clientHeight") == 100, other


def test_opened_directly_the_embeds_say_what_they_are_for(
    page, customer, meetings, webinar, live_server, other_site
):
    page.goto(f"{live_server.url}/w/{webinar.slug}/embed/")
    notice = page.locator("#embed-notice")
    assert notice.is_visible()
    assert "made to be shown inside Embed Co’s website" in notice.inner_text()
    assert notice.get_by_role("link", name=other_site.origin).is_visible()
    notice.get_by_role("link", name="the webinar’s own page").click()
    page.wait_for_url(f"{live_server.url}/w/{webinar.slug}/")

    page.goto(f"{live_server.url}/p/embed-co/meetings/")
    assert page.locator("#embed-notice").is_visible()

    # In the customer's frame, no such note.
    other_site.html = customer_page(selectors.publishing(customer)["snippet"])
    page.goto(other_site.url)
    frame = page.frame_locator("#embed")
    frame.get_by_text("Product briefing number 1,").wait_for()
    assert frame.locator("#embed-notice").is_hidden()
