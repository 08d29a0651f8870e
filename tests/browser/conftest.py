"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright, against a live portal.

Pages from "other sites" are served by a tiny WSGI app on another loopback
origin, so embeds are tested across origins as customers use them.
"""

import os
import shutil
from pathlib import Path

import pytest

from conferencing.fakes.server import serve

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Block third-party cookies, as Safari does by default: embeds must not need them.
    "--test-third-party-cookie-phaseout",
]


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI must run the browser tests, but {CHROMIUM} is missing")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not installed (apt-get install chromium)")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def chromium(django_db_setup):  # the test database first: Playwright then runs a loop
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, while
    # the tests' own ORM calls (and the database flush after each) stay
    # synchronous: tell Django so, for the browser modules only.
    patch = pytest.MonkeyPatch()
    patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    patch.undo()


# What Chromium prints when the Content-Security-Policy stops one of our own scripts.
SCRIPT_BLOCKED = ("Refused to execute", "Refused to load the script", "Refused to evaluate")


@pytest.fixture
def page(chromium):
    """A page in a fresh context; the test fails if the portal's CSP blocked a script on it
    (a frame refused by frame-ancestors is a different message, and some tests want it)."""
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text)
            if message.type == "error" and message.text.startswith(SCRIPT_BLOCKED)
            else None
        ),
    )
    yield page
    context.close()
    assert not blocked, f"the Content-Security-Policy blocked a script: {blocked}"


class OtherSite:
    """A customer's web page on another origin, with whatever HTML a test gives it."""

    def __init__(self) -> None:
        self.html = "<!doctype html><title>empty</title>"

    def __call__(self, environ, start_response):
        body = self.html.encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]


@pytest.fixture
def other_site():
    site = OtherSite()
    with serve(site, host="127.0.0.1") as server:
        site.url = server.url
        site.origin = server.url.rstrip("/")
        yield site
