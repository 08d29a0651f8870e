"""POST /w/<slug>/register: the endpoint custom pages post to."""

import json

import pytest
from django.test import Client

from tests.webinars.conftest import ORIGIN
from tests.webinars.factories import QuestionFactory, WebinarFactory
from webinars.models import Question, Registration, Webinar

pytestmark = pytest.mark.django_db

PERSON = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}


@pytest.fixture
def api():
    """No cookies, CSRF checks on: what a page on another site is."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def topics(webinar):
    return QuestionFactory(
        webinar=webinar,
        label="Topics",
        answer_type=Question.AnswerType.MULTIPLE_CHOICE,
        choices="Security\nPricing\nRoadmap",
        required=True,
    )


def url(webinar):
    return f"/w/{webinar.slug}/register"


def test_form_encoded(api, webinar, topics, commit, mailoutbox):
    with commit():
        response = api.post(
            url(webinar),
            PERSON | {topics.field_name: ["Security", "Roadmap"]},
            HTTP_ORIGIN=ORIGIN,
            HTTP_REFERER=f"{ORIGIN}/webinars/launch",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "confirmed" and body["created"] is True
    assert "personal join link" in body["message"]
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "origin" in response["Vary"].lower()
    assert not response.cookies
    registration = Registration.objects.get()
    assert registration.answers == {str(topics.pk): ["Security", "Roadmap"]}
    assert registration.channel == Registration.Channel.CUSTOM
    assert registration.source_url == f"{ORIGIN}/webinars/launch"
    assert len(mailoutbox) == 1

    again = api.post(url(webinar), PERSON | {topics.field_name: "Pricing"}, HTTP_ORIGIN=ORIGIN)
    assert again.status_code == 200
    assert again.json()["created"] is False and "already registered" in again.json()["message"]
    assert again.json()["status"] == "already_registered"  # its state is not disclosed
    assert "confirmed" not in again.json()["message"]


def test_json(api, webinar, topics):
    day = QuestionFactory(webinar=webinar, label="Day", answer_type=Question.AnswerType.DATE)
    agree = QuestionFactory(
        webinar=webinar, label="Agree", answer_type=Question.AnswerType.CHECKBOX
    )
    payload = PERSON | {
        topics.field_name: ["Pricing"],
        "answers": {str(day.pk): "2031-02-03", str(agree.pk): True},
        "source_url": f"{ORIGIN}/custom",
    }
    response = api.post(
        url(webinar), json.dumps(payload), content_type="application/json", HTTP_ORIGIN=ORIGIN
    )
    assert response.status_code == 201, response.content
    registration = Registration.objects.get()
    assert registration.answers == {
        str(topics.pk): ["Pricing"],
        str(day.pk): "2031-02-03",
        str(agree.pk): True,
    }
    assert registration.source_url == f"{ORIGIN}/custom"


def test_errors_have_a_reason_and_per_field_messages(api, webinar, topics):
    response = api.post(
        url(webinar),
        json.dumps({"first_name": "G", "email": "nope", topics.field_name: ["Unknown"]}),
        content_type="application/json",
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["reason"] == "Some fields need your attention." and body["code"] == "invalid"
    assert body["errors"]["email"] == ["Enter a valid email address."]
    assert body["errors"]["last_name"] == ["This field is required."]
    assert "Unknown" in body["errors"][topics.field_name][0]
    assert response["Access-Control-Allow-Origin"] == ORIGIN  # scripts can read the errors


def test_closed_full_and_unknown(api, host):
    closed = WebinarFactory(
        host=host, status=Webinar.Status.PUBLISHED, capacity=1, waiting_list=False
    )
    assert api.post(url(closed), PERSON).status_code == 201
    response = api.post(url(closed), PERSON | {"email": "two@example.com"})
    assert response.status_code == 400
    assert response.json() == {
        "reason": "This webinar is fully booked.",
        "code": "full",
        "errors": {"non_field_errors": ["This webinar is fully booked."]},
    }
    draft = WebinarFactory(host=host, status=Webinar.Status.DRAFT)
    assert api.post(url(draft), PERSON).json()["code"] == "not_found"
    missing = api.post("/w/nothing-here/register", PERSON)
    assert missing.status_code == 404 and missing.json()["reason"] == "No such webinar."


def test_other_origins_are_refused(api, webinar):
    response = api.post(url(webinar), PERSON, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response
    assert not Registration.objects.exists()
    # Servers (no Origin) and the portal's own pages may post.
    assert api.post(url(webinar), PERSON, HTTP_ORIGIN="http://testserver").status_code == 201


def test_cors_preflight(api, webinar):
    response = api.options(
        url(webinar),
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "content-type" in response["Access-Control-Allow-Headers"]
    assert response["Access-Control-Max-Age"] == "600"
    refused = api.options(
        url(webinar), HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in refused
    # Only this endpoint answers other origins: not the page, not the API.
    for other in (f"/w/{webinar.slug}/", "/api/v1/webinars/"):
        page = api.options(other, HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
        assert "Access-Control-Allow-Origin" not in page


def test_honeypot_and_rate_limit(api, webinar, settings):
    settings.WEBINAR_RATE_PER_IP = "1/600"
    bot = api.post(url(webinar), PERSON | {"website": "spam"})
    assert bot.status_code == 400 and bot.json()["code"] == "bot"
    assert bot.json()["errors"]["website"] == ["Leave this field empty."]
    limited = api.post(url(webinar), PERSON)
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited" and int(limited["Retry-After"]) > 0
    assert not Registration.objects.exists()


def test_a_plain_html_form_gets_a_page_or_its_redirect(api, webinar):
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = api.post(url(webinar), PERSON, HTTP_ACCEPT=browser_accept, HTTP_ORIGIN=ORIGIN)
    assert page.status_code == 201 and page["Content-Type"].startswith("text/html")
    assert "You are registered" in page.content.decode()

    errors = api.post(
        url(webinar),
        {"email": "bad"},
        HTTP_ACCEPT=browser_accept,
        HTTP_ORIGIN=ORIGIN,
        HTTP_REFERER=f"{ORIGIN}/form",
    )
    assert errors.status_code == 400
    text = errors.content.decode()
    assert "Some fields need your attention." in text and "Enter a valid email address." in text
    assert f'href="{ORIGIN}/form"' in text

    redirect = api.post(
        url(webinar),
        PERSON | {"email": "r@example.com", "success_url": f"{ORIGIN}/thanks?x=1"},
        HTTP_ACCEPT=browser_accept,
        HTTP_ORIGIN=ORIGIN,
    )
    assert redirect.status_code == 303
    assert redirect["Location"] == f"{ORIGIN}/thanks?x=1&registration=confirmed"
    elsewhere = api.post(
        url(webinar),
        PERSON | {"email": "s@example.com", "success_url": "https://evil.example/"},
        HTTP_ACCEPT=browser_accept,
    )
    assert elsewhere.status_code == 201  # not an open redirect


def test_in_the_openapi_schema(admin_client):
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = schema.json()["paths"]
    operation = paths["/w/{slug}/register"]["post"]
    assert operation["operationId"] == "webinar_public_register"
    assert {"201", "200", "400", "403", "404", "429"} <= set(operation["responses"])
    assert "application/x-www-form-urlencoded" in operation["requestBody"]["content"]


def test_a_deleted_customers_webinars_are_gone(api, webinar):
    from django.utils import timezone

    webinar.customer.deleted_at = timezone.now()
    webinar.customer.save(update_fields=["deleted_at"])
    response = api.post(url(webinar), PERSON, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 404


def test_one_address_gets_only_so_many_mails(api, host, settings, mailoutbox, commit):
    """The form must not become a way to fill a stranger's inbox."""
    settings.WEBINAR_RATE_PER_RECIPIENT = "2/3600"
    webinars = [WebinarFactory(host=host, customer=host.customer) for _ in range(3)]
    victim = PERSON | {"email": "Victim@Example.com"}
    with commit():
        assert [api.post(url(w), victim).status_code for w in webinars[:2]] == [201, 201]
        refused = api.post(url(webinars[2]), victim | {"email": "victim@example.com"})
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert "registered too often" in refused.json()["reason"]
    assert len(mailoutbox) == 2
    other = api.post(url(webinars[2]), PERSON)  # another address is not held back
    assert other.status_code == 201


def test_a_mail_does_not_open_with_text_the_visitor_typed(api, webinar, mailoutbox, commit):
    with commit():
        api.post(url(webinar), PERSON | {"first_name": "WIN A PRIZE at evil.example"})
    (mail,) = mailoutbox
    assert mail.body.startswith("Hello,\n")
    assert "evil.example" not in mail.body.split("\n\n")[0]
