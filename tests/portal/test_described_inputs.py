"""Every input's hint and error are tied to it: each id an input or group names in
aria-describedby is on the page, on every form, blank and after a failed submit.
Django's own wiring (``BoundField.aria_describedby``: ``<id>_helptext``, ``<id>_error``)
does it; the templates render the hint and error under those ids."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.factories import HostFactory
from tests.webinars.factories import QuestionFactory, WebinarFactory

pytestmark = pytest.mark.django_db


class Described(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[tuple[str, str]] = []  # (element, id it names)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for named in (attrs.get("aria-describedby") or "").split():
            self.described.append((f"<{tag} name={attrs.get('name')!r}>", named))


def dangling(html: str) -> list[tuple[str, str]]:
    parser = Described()
    parser.feed(html)
    assert parser.described, "the page has no described input: the check would prove nothing"
    return [(element, named) for element, named in parser.described if named not in parser.ids]


@pytest.fixture
def signed_in(client):
    host = HostFactory(is_administrator=True)
    client.force_login(host.user)
    client.host = host
    return client


@pytest.mark.parametrize(
    "path,invalid",
    [
        ("/dashboard/meetings/new/", {"topic": "", "starts_at": "not a time"}),
        ("/dashboard/webinars/new/", {"title": "", "starts_at": "2031-03-10T15:00"}),
        ("/dashboard/password_change/", {"old_password": "wrong", "new_password1": "x"}),
    ],
)
def test_dashboard_forms_name_only_hints_and_errors_that_are_there(signed_in, path, invalid):
    blank = signed_in.get(path)
    assert blank.status_code == 200
    assert dangling(blank.content.decode()) == []
    failed = signed_in.post(path, invalid)
    assert failed.status_code == 200 and b'aria-invalid="true"' in failed.content
    assert dangling(failed.content.decode()) == []


def test_a_webinars_question_form_names_only_what_is_there(signed_in):
    webinar = WebinarFactory(host=signed_in.host)
    path = f"/dashboard/webinars/{webinar.pk}/questions/"
    assert dangling(signed_in.get(path).content.decode()) == []
    failed = signed_in.post(path, {"label": "", "answer_type": "single_choice", "choices": ""})
    assert failed.status_code == 200
    assert dangling(failed.content.decode()) == []


def test_the_public_registration_form_names_only_what_is_there(client):
    webinar = WebinarFactory(title="Rockets")
    QuestionFactory(webinar=webinar, label="Company", help_text="As on your badge")
    for path in (f"/w/{webinar.slug}/", f"/w/{webinar.slug}/embed/"):
        assert dangling(client.get(path).content.decode()) == []
    failed = client.post(f"/w/{webinar.slug}/", {"email": "not an address"})
    assert failed.status_code == 400 and b'aria-invalid="true"' in failed.content
    assert dangling(failed.content.decode()) == []
