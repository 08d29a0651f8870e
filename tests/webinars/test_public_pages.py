"""The built-in page /w/<slug>/ and the embeddable form /w/<slug>/embed/."""

import re

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from tests.conftest import csp
from tests.webinars.conftest import ORIGIN
from tests.webinars.factories import QuestionFactory, WebinarFactory
from webinars import protection
from webinars.models import Question, Registration, Webinar

pytestmark = pytest.mark.django_db

PERSON = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}


@pytest.fixture
def questions(webinar):
    role = QuestionFactory(
        webinar=webinar,
        label="Your role",
        answer_type=Question.AnswerType.SINGLE_CHOICE,
        choices="Developer\nManager",
        required=True,
    )
    stack = QuestionFactory(
        webinar=webinar,
        label="Your stack",
        answer_type=Question.AnswerType.MULTIPLE_CHOICE,
        choices="Python\nGo\nRust",
        required=True,
        depends_on=role,
        depends_on_value="Developer",
    )
    day = QuestionFactory(
        webinar=webinar, label="Preferred day", answer_type=Question.AnswerType.DATE
    )
    news = QuestionFactory(
        webinar=webinar, label="Send me news", answer_type=Question.AnswerType.CHECKBOX
    )
    return {"role": role, "stack": stack, "day": day, "news": news}


def embed_token(client, webinar):
    page = client.get(f"/w/{webinar.slug}/embed/").content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


# --- the built-in page ---------------------------------------------------------------------


def test_page_shows_the_webinar_safely(client, host):
    webinar = WebinarFactory(
        host=host,
        title="<Security> & you",
        description=(
            "**Bold** <script>alert(1)</script> [x](javascript:alert(1)) <b onclick=x>b</b>"
        ),
        speakers="Ada <Lovelace>\nAlan Turing",
    )
    response = client.get(f"/w/{webinar.slug}/")
    page = response.content.decode()
    assert response.status_code == 200 and response["X-Frame-Options"] == "DENY"
    assert "&lt;Security&gt; &amp; you" in page and "<Security>" not in page
    assert "<strong>Bold</strong>" in page
    assert "<script>alert" not in page and "javascript:" not in page and "onclick" not in page
    assert "Ada &lt;Lovelace&gt;" in page
    assert "(Europe/Berlin)" in page


def test_register_on_the_page(client, webinar, questions, commit, mailoutbox):
    q = questions
    with commit():
        response = client.post(
            f"/w/{webinar.slug}/",
            PERSON
            | {
                q["role"].field_name: "Developer",
                q["stack"].field_name: ["Python", "Rust"],
                q["day"].field_name: "2031-01-02",
                q["news"].field_name: "on",
                "source_url": "https://www.customer.example/events",
            },
        )
    assert response.status_code == 201, response.content.decode()
    assert "You are registered" in response.content.decode()
    registration = Registration.objects.get()
    assert registration.answers == {
        str(q["role"].pk): "Developer",
        str(q["stack"].pk): ["Python", "Rust"],
        str(q["day"].pk): "2031-01-02",
        str(q["news"].pk): True,
    }
    assert registration.channel == Registration.Channel.PAGE
    assert registration.source_url == "https://www.customer.example/events"
    assert len(mailoutbox) == 1

    again = client.post(f"/w/{webinar.slug}/", PERSON | {q["role"].field_name: "Manager"})
    assert again.status_code == 200 and "already registered" in again.content.decode()


def test_dependent_question_only_when_it_applies(client, webinar, questions):
    q = questions
    # A manager is not asked about the stack: a sent answer is dropped, not required.
    response = client.post(
        f"/w/{webinar.slug}/",
        PERSON | {q["role"].field_name: "Manager", q["stack"].field_name: "Go"},
    )
    assert response.status_code == 201
    assert Registration.objects.get().answers == {
        str(q["role"].pk): "Manager",
        str(q["news"].pk): False,
    }
    # A developer must answer it.
    response = client.post(
        f"/w/{webinar.slug}/",
        PERSON | {"email": "dev@example.com", q["role"].field_name: "Developer"},
    )
    assert response.status_code == 400
    assert q["stack"].field_name in response.context["form"].errors


def test_errors_are_tied_to_their_fields(client, webinar, questions):
    response = client.post(
        f"/w/{webinar.slug}/",
        {"first_name": "", "last_name": "Hopper", "email": "not-an-email", "phone": "call me"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-summary" role="alert" tabindex="-1"' in page
    email_input = re.search(r"<input[^>]*name=\"email\"[^>]*>", page).group(0)
    assert 'aria-invalid="true"' in email_input
    assert 'aria-describedby="reg-email_error"' in email_input
    assert '<p class="field-error" id="reg-email_error">' in page
    assert '<label for="reg-email">' in page
    assert '<a href="#reg-first_name">' in page  # the summary links to the field
    role = questions["role"]
    assert f'<legend id="reg-{role.field_name}-legend">Your role' in page
    assert f'id="reg-{role.field_name}_error"' in page
    assert "Enter a phone number" in page
    assert not Registration.objects.exists()


def test_honeypot(client, webinar):
    response = client.post(f"/w/{webinar.slug}/", PERSON | {"website": "http://spam.example"})
    assert response.status_code == 400
    assert "filled in automatically" in response.content.decode()
    assert not Registration.objects.exists()


def test_page_needs_csrf(host, webinar):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/w/{webinar.slug}/", PERSON).status_code == 403


def test_rate_limit_per_ip(client, webinar, settings):
    settings.WEBINAR_RATE_PER_IP = "2/600"
    for n in range(2):
        client.post(f"/w/{webinar.slug}/", PERSON | {"email": f"n{n}@example.com"})
    response = client.post(f"/w/{webinar.slug}/", PERSON | {"email": "third@example.com"})
    assert response.status_code == 429
    assert "Too many registrations from your network" in response.content.decode()
    other_ip = client.post(
        f"/w/{webinar.slug}/", PERSON | {"email": "fourth@example.com"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other_ip.status_code == 201
    assert Registration.objects.count() == 3


def test_rate_limit_per_webinar(client, webinar, host, settings):
    settings.WEBINAR_RATE_PER_WEBINAR = "2/60"
    for n in range(2):
        client.post(
            f"/w/{webinar.slug}/",
            PERSON | {"email": f"n{n}@example.com"},
            REMOTE_ADDR=f"10.0.0.{n}",
        )
    response = client.post(f"/w/{webinar.slug}/", PERSON, REMOTE_ADDR="10.0.0.7")
    assert (
        response.status_code == 429 and "Many people are registering" in response.content.decode()
    )
    other = WebinarFactory(host=host)
    assert client.post(f"/w/{other.slug}/", PERSON, REMOTE_ADDR="10.0.0.8").status_code == 201


def test_drafts_are_hidden_except_as_a_preview_for_hosts(client, host):
    draft = WebinarFactory(host=host, status=Webinar.Status.DRAFT)
    assert client.get(f"/w/{draft.slug}/").status_code == 404
    assert client.get(f"/w/{draft.slug}/embed/").status_code == 404
    client.force_login(host.user)
    page = client.get(f"/w/{draft.slug}/").content.decode()
    assert "Preview of a draft" in page and 'id="registration-form"' not in page
    assert client.get("/w/no-such-webinar/").status_code == 404


def test_closed_registration_shows_why(client, host):
    webinar = WebinarFactory(host=host, registration_closes_at=timezone.now())
    page = client.get(f"/w/{webinar.slug}/").content.decode()
    assert "Registration for this webinar is closed." in page
    assert 'id="registration-form"' not in page
    assert client.post(f"/w/{webinar.slug}/", PERSON).status_code == 400


# --- the embedded form ------------------------------------------------------------------------


def test_embed_is_framable_only_by_the_customers_origins(client, webinar):
    response = client.get(f"/w/{webinar.slug}/embed/", HTTP_REFERER=f"{ORIGIN}/events/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert csp(response)["frame-ancestors"] == f"'self' {ORIGIN} https://other.customer.example"
    assert csp(response)["script-src"] == "'self'"
    assert not response.cookies  # no CSRF cookie, no session
    page = response.content.decode()
    assert "csrfmiddlewaretoken" not in page
    assert f'name="source_url" value="{ORIGIN}/events/"' in page
    # every other page stays unframable
    assert client.get(f"/w/{webinar.slug}/")["X-Frame-Options"] == "DENY"


def test_embed_post_needs_no_cookie(webinar, questions, commit, mailoutbox):
    cookieless = Client(enforce_csrf_checks=True)
    token = embed_token(cookieless, webinar)
    cookieless.cookies.clear()
    with commit():
        response = cookieless.post(
            f"/w/{webinar.slug}/embed/",
            PERSON
            | {
                "form_token": token,
                questions["role"].field_name: "Manager",
                "source_url": f"{ORIGIN}/events/",
            },
        )
    assert response.status_code == 201, response.content.decode()
    assert not response.cookies
    assert "X-Frame-Options" not in response
    assert csp(response)["frame-ancestors"].startswith(f"'self' {ORIGIN}")
    registration = Registration.objects.get()
    assert registration.channel == Registration.Channel.EMBED
    assert registration.source_url == f"{ORIGIN}/events/"
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("make_token", "message"),
    [
        (lambda w, t: t[:-3] + "xyz", "could not be verified"),
        (lambda w, t: "", "missing its security token"),
        (lambda w, t: protection.form_token(w.pk + 1000), "belongs to another webinar"),
        (
            lambda w, t: signing.dumps({"w": w.pk}, salt="another purpose"),
            "could not be verified",
        ),
    ],
)
def test_embed_refuses_bad_tokens(webinar, questions, make_token, message):
    client = Client()
    token = make_token(webinar, embed_token(client, webinar))
    response = client.post(
        f"/w/{webinar.slug}/embed/",
        PERSON | {"form_token": token, questions["role"].field_name: "Manager"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'value="grace@example.com"' in page  # what was typed is kept
    assert "X-Frame-Options" not in response
    assert not Registration.objects.exists()


def test_embed_refuses_an_expired_token_with_a_fresh_one(webinar, settings, monkeypatch):
    client = Client()
    token = embed_token(client, webinar)
    settings.WEBINAR_FORM_TOKEN_MAX_AGE = 60
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 120)
    response = client.post(f"/w/{webinar.slug}/embed/", PERSON | {"form_token": token})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This form has expired" in page
    fresh = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    assert fresh != token
    response = client.post(f"/w/{webinar.slug}/embed/", PERSON | {"form_token": fresh})
    assert response.status_code == 201


def test_the_error_summary_reads_well_when_a_label_is_a_question_or_a_sentence(client, host):
    webinar = WebinarFactory(host=host, consent_text="I agree to be recorded in this webinar.")
    QuestionFactory(webinar=webinar, label="What is your role?", required=True)
    response = client.post(f"/w/{webinar.slug}/", PERSON | {"email": "ada@example.com"})
    assert response.status_code == 400
    summary = response.content.decode().split('id="error-summary"')[1].split("</div>")[0]
    assert "<strong>What is your role?</strong> This question needs an answer." in summary
    assert "<strong>I agree to be recorded in this webinar.</strong> Please agree" in summary
    assert "?:" not in summary and ".:" not in summary
