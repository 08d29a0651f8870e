"""What the webinar pages say before anyone acts: seats held, full or closed, "are you sure?",
and dashboard forms whose errors and hints sit with their fields."""

import datetime as dt
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.webinars.factories import QuestionFactory, RegistrationFactory, WebinarFactory
from webinars import selectors
from webinars.models import Question, Registration, Webinar
from webinars.services.registrations import registration_approve
from webinars.services.webinars import webinar_cancel

pytestmark = pytest.mark.django_db

S = Registration.Status
PERSON = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}


def text(response) -> str:
    """The page as a reader sees it: tags out, whitespace collapsed, entities decoded."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(body).split())


@pytest.fixture
def full(webinar):
    """Three seats, all held by registrations awaiting approval; one person waits."""
    webinar.capacity, webinar.approval = 3, Webinar.Approval.MANUAL
    webinar.save()
    pending = RegistrationFactory.create_batch(3, webinar=webinar, status=S.PENDING)
    waiting = RegistrationFactory(
        webinar=webinar,
        first_name="Kurt",
        last_name="Gödel",
        status=S.WAITLISTED,
        waitlisted_at=timezone.now(),
    )
    return webinar, pending, waiting


# --- 1. seats held, and approving when none is free ---------------------------------------


def test_seats_held_by_pending_approvals_are_explained(signed_in, full):
    webinar, _, _ = full
    counts = selectors.webinar_counts(webinar)
    assert (counts["held"], counts["free"], counts["full"], counts["raise_to"]) == (3, 0, True, 4)
    for url in (
        f"/dashboard/webinars/{webinar.pk}/",
        f"/dashboard/webinars/{webinar.pk}/registrations/",
    ):
        page = text(signed_in.get(url))
        assert "3 of 3 seats held : 0 confirmed, 3 awaiting approval; 1 on the waiting list" in page
        assert "raise the capacity" in page


def test_approving_from_a_full_waiting_list_says_why_and_offers_a_seat(
    signed_in, full, commit, mailoutbox
):
    webinar, pending, waiting = full
    registrations = f"/dashboard/webinars/{webinar.pk}/registrations/"
    confirm = f"{registrations}{waiting.pk}/approve/confirm/"
    # The list's Approve button for someone waiting leads to the explanation, not a silent failure.
    assert f'action="{confirm}"' in signed_in.get(registrations).content.decode()

    # Posting anyway (say, from a page loaded before the seats went) explains it too.
    response = signed_in.post(f"{registrations}{waiting.pk}/approve/", {"next": registrations})
    assert response.status_code == 302 and response.url.startswith(confirm)
    page = text(signed_in.get(response.url))
    assert "No seat is free" in page
    assert "3 of 3 seats held: 0 confirmed, 3 awaiting approval" in page
    assert "Raise capacity to 4 and approve" in page
    assert f'href="/dashboard/webinars/{webinar.pk}/edit/#id_capacity"' in (
        signed_in.get(response.url).content.decode()
    )
    assert Registration.objects.get(pk=waiting.pk).status == S.WAITLISTED

    with commit():
        done = signed_in.post(
            f"{registrations}{waiting.pk}/approve/",
            {"raise_capacity": "1", "next": registrations},
            follow=True,
        )
    assert "capacity raised to 4" in text(done)
    webinar.refresh_from_db()
    assert webinar.capacity == 4
    assert Registration.objects.get(pk=waiting.pk).status == S.CONFIRMED
    assert {r.status for r in Registration.objects.filter(pk__in=[p.pk for p in pending])} == {
        S.PENDING
    }
    assert [m.to for m in mailoutbox] == [[waiting.email]]


def test_the_service_names_who_holds_the_seats(full):
    webinar, _, waiting = full
    with pytest.raises(ValidationError) as refused:
        registration_approve(registration=waiting)
    assert refused.value.code == "full"
    assert "3 of 3 seats are held (0 confirmed, 3 awaiting approval)" in refused.value.messages[0]


# --- 2. the public page says what is possible before the form ------------------------------


def test_a_full_webinar_offers_its_waiting_list_before_the_form(client, full):
    webinar, _, _ = full
    page = client.get(f"/w/{webinar.slug}/").content.decode()
    notice = page.index("Full — join the waiting list")
    assert notice < page.index('id="registration-form"')
    assert '<button type="submit">Join the waiting list</button>' in page
    assert "<h2>Register</h2>" not in page


def test_a_full_webinar_without_a_waiting_list_shows_no_form(client, full):
    webinar, _, _ = full
    webinar.waiting_list = False
    webinar.save()
    page = client.get(f"/w/{webinar.slug}/").content.decode()
    assert "Fully booked." in page and 'id="registration-form"' not in page


def test_an_open_webinar_names_its_organiser_and_registers(client, host):
    host.user.first_name, host.user.last_name = "Ada", "Lovelace"
    host.user.save()
    webinar = WebinarFactory(host=host, capacity=10)
    page = client.get(f"/w/{webinar.slug}/").content.decode()
    assert f"Organised by {host.customer.name} · hosted by Ada Lovelace" in page
    assert "<h2>Register</h2>" in page and '<button type="submit">Register</button>' in page
    assert "Full" not in page

    host.user.first_name = host.user.last_name = ""
    host.user.save()
    page = client.get(f"/w/{webinar.slug}/").content.decode()
    assert f"Organised by {host.customer.name}</p>" in page and "hosted by" not in page


def test_a_cancelled_webinar_shows_no_register_heading_or_form(client, webinar):
    webinar_cancel(webinar=webinar, message="")
    page = client.get(f"/w/{webinar.slug}/").content.decode()
    assert "This webinar has been cancelled." in page
    assert "Register" not in page and 'id="registration-form"' not in page


def test_closed_and_over_say_so_before_anything_else(client, host):
    closed = WebinarFactory(host=host, registration_closes_at=timezone.now())
    page = text(client.get(f"/w/{closed.slug}/"))
    assert "Registration closed." in page and "Register " not in page
    start = timezone.now() - dt.timedelta(hours=3)
    over = WebinarFactory(host=host, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    page = text(client.get(f"/w/{over.slug}/"))
    assert "This webinar is over." in page


# --- 3. destructive actions ask first -----------------------------------------------------


def test_cancelling_a_webinar_asks_first(signed_in, webinar, commit, mailoutbox):
    RegistrationFactory(webinar=webinar, email="seated@example.com")
    confirm = f"/dashboard/webinars/{webinar.pk}/cancel/confirm/"
    assert (
        f'action="{confirm}"'
        in signed_in.get(f"/dashboard/webinars/{webinar.pk}/").content.decode()
    )
    page = signed_in.get(confirm)
    body = page.content.decode()
    assert "Cancel “Rocket science 101”?" in body
    assert "1 person is registered" in text(page)
    assert f'action="/dashboard/webinars/{webinar.pk}/cancel/"' in body
    assert ">Cancel webinar</button>" in body and ">Keep it</a>" in body
    webinar.refresh_from_db()
    assert webinar.cancelled_at is None  # asking changes nothing
    assert signed_in.post(confirm).status_code == 405  # only the real endpoint acts

    with commit():
        signed_in.post(f"/dashboard/webinars/{webinar.pk}/cancel/", {"message": "Sorry"})
    webinar.refresh_from_db()
    assert webinar.cancelled_at is not None and len(mailoutbox) == 1
    # Asking again about a cancelled webinar goes back to it.
    assert signed_in.get(confirm).status_code == 302


@pytest.mark.parametrize(
    ("action", "button", "status"),
    [("cancel", "Cancel registration", S.CANCELLED), ("reject", "Reject", S.REJECTED)],
)
def test_cancelling_or_rejecting_a_registration_asks_first(
    signed_in, webinar, commit, action, button, status
):
    ada = RegistrationFactory(webinar=webinar, first_name="Ada", last_name="Lovelace")
    registrations = f"/dashboard/webinars/{webinar.pk}/registrations/"
    confirm = f"{registrations}{ada.pk}/{action}/confirm/"
    listing = signed_in.get(registrations, {"q": "ada"}).content.decode()
    assert f'action="{confirm}"' in listing
    page = signed_in.get(confirm, {"next": f"{registrations}?q=ada"})
    body = page.content.decode()
    assert "Lovelace" in body and f">{button}</button>" in body
    assert f'href="{registrations}?q=ada"' in body  # "Keep it" goes back where the host was
    assert f'value="{registrations}?q=ada"' in body
    if action == "reject":
        assert 'name="message"' in body and "Message to the registrant" in body
    assert Registration.objects.get(pk=ada.pk).status == S.CONFIRMED

    with commit():
        done = signed_in.post(
            f"{registrations}{ada.pk}/{action}/", {"next": f"{registrations}?q=ada"}
        )
    assert done.url == f"{registrations}?q=ada"
    assert Registration.objects.get(pk=ada.pk).status == status


def test_confirmation_pages_only_send_back_to_the_registrations(signed_in, webinar):
    ada = RegistrationFactory(webinar=webinar)
    page = signed_in.get(
        f"/dashboard/webinars/{webinar.pk}/registrations/{ada.pk}/cancel/confirm/",
        {"next": "https://evil.example/"},
    ).content.decode()
    assert "evil.example" not in page
    base = f"/dashboard/webinars/{webinar.pk}/registrations/{ada.pk}"
    assert signed_in.get(f"{base}/resend/confirm/").status_code == 404
    other = RegistrationFactory(webinar=WebinarFactory())
    assert (
        signed_in.get(
            f"/dashboard/webinars/{other.webinar.pk}/registrations/{other.pk}/cancel/confirm/"
        ).status_code
        == 404
    )


def test_removing_a_question_asks_first(signed_in, webinar):
    role = QuestionFactory(
        webinar=webinar,
        label="Role",
        answer_type=Question.AnswerType.SINGLE_CHOICE,
        choices="Dev\nOps",
    )
    QuestionFactory(webinar=webinar, label="Stack", depends_on=role, depends_on_value="Dev")
    questions = f"/dashboard/webinars/{webinar.pk}/questions/"
    confirm = f"{questions}{role.pk}/delete/confirm/"
    assert f'action="{confirm}"' in signed_in.get(questions).content.decode()
    page = text(signed_in.get(confirm))
    assert "Remove the question “Role”?" in page and "Nobody has answered it yet" in page
    assert "“Stack” will always be asked" in page
    assert Question.objects.filter(pk=role.pk).exists()
    signed_in.post(f"{questions}{role.pk}/delete/")
    assert not Question.objects.filter(pk=role.pk).exists()


# --- 4. dashboard forms ---------------------------------------------------------------------


def test_webinar_form_errors_sit_under_their_fields_and_are_summed_up(signed_in):
    response = signed_in.post(
        "/dashboard/webinars/new/",
        {"title": "", "starts_at": "2031-03-10T15:00", "ends_at": "2031-03-10T14:00"},
    )
    body = response.content.decode()
    summary = body.index('id="error-summary"')
    assert summary < body.index('id="id_title"')  # at the top, before the first field
    assert '<a href="#id_title"><strong>Title</strong> This field is required.</a>' in body
    assert (
        '<a href="#id_ends_at"><strong>Ends</strong> The webinar must end after it starts.</a>'
        in body
    )
    field = body[body.index('id="id_ends_at-field"') :]
    field = field[: field.index("</div>")]
    assert 'id="id_ends_at"' in field
    assert '<p class="field-error" id="id_ends_at_error">Ends: The webinar must end' in field
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_ends_at_error"' in field


def test_webinar_form_hints_are_escaped_and_inputs_usable(signed_in):
    body = signed_in.get("/dashboard/webinars/new/").content.decode()
    assert "/w/&lt;address&gt;/" in body and "<address>" not in body
    capacity = re.search(r"<input[^>]*name=\"capacity\"[^>]*>", body).group(0)
    assert 'type="number"' in capacity and 'min="1"' in capacity and 'step="1"' in capacity
    assert 'aria-describedby="id_capacity_helptext"' in capacity
    # A checkbox sits inside its label, before the text.
    assert re.search(r'<label for="id_waiting_list"><input type="checkbox"[^>]*> <span>', body)
    # Radio buttons are a group with a legend.
    assert "<legend>Approval</legend>" in body
    assert "as_p" not in body and "<p><label" not in body


def test_question_form_uses_the_same_fields(signed_in, webinar):
    response = signed_in.post(
        f"/dashboard/webinars/{webinar.pk}/questions/",
        {"label": "Pick", "answer_type": "single_choice"},
    )
    body = response.content.decode()
    assert 'id="error-summary"' in body
    assert (
        '<a href="#id_choices"><strong>Options</strong> Give at least one option, one per line.</a>'
        in body
    )
    assert '<label for="id_required"><input type="checkbox"' in body


def test_dates_on_the_webinar_page_read_alike(signed_in, host):
    start = dt.datetime(2031, 10, 14, 15, 0, tzinfo=dt.UTC)
    webinar = WebinarFactory(
        host=host,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        registration_closes_at=start - dt.timedelta(hours=1),
    )
    page = text(signed_in.get(f"/dashboard/webinars/{webinar.pk}/"))
    # The customer's zone (Europe/Berlin), one format for the webinar and its registration.
    assert "Tuesday, 14 October 2031, 17:00–18:00 (Europe/Berlin)" in page
    assert "(closes Tuesday, 14 October 2031, 16:00)" in page


def test_long_words_wrap_in_the_dashboard():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static/portal/portal.css").read_text()
    assert "overflow-wrap: anywhere" in css
