"""Languages: the browser picks one, the customer can fix one; mails follow the registrant."""

import datetime as dt

import pytest
from django.utils import translation
from icalendar import Calendar

from meetings.timespan import timespan
from tests.factories import CustomerFactory, HostFactory, MeetingFactory
from tests.webinars.factories import WebinarFactory
from webinars import mail
from webinars.models import Registration

pytestmark = pytest.mark.django_db

# Wednesday 14 October 2026, 13:00 UTC: 15:00 CEST in Berlin.
START = dt.datetime(2026, 10, 14, 13, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A view activates a language for the thread; leave none behind for other tests."""
    yield
    translation.activate("en")


@pytest.fixture
def berlin_webinar(host):
    host.customer.time_zone = "Europe/Berlin"
    host.customer.save()
    return WebinarFactory(
        host=host,
        title="Rocket science 101",
        starts_at=START + dt.timedelta(days=3650),  # 2036-10-11, a Saturday
        ends_at=START + dt.timedelta(days=3650, hours=1),
    )


def page(client, webinar, language, suffix=""):
    return client.get(f"/w/{webinar.slug}/{suffix}", HTTP_ACCEPT_LANGUAGE=language)


def test_the_browser_language_picks_the_public_page_and_its_dates(client, berlin_webinar):
    english = page(client, berlin_webinar, "en-GB,en;q=0.9").content.decode()
    assert "<h2>Register</h2>" in english and "Saturday, 11 October 2036" in english

    german = page(client, berlin_webinar, "de-DE,de;q=0.9,en;q=0.5")
    body = german.content.decode()
    assert german["Content-Language"] == "de"
    assert "Accept-Language" in german["Vary"]
    assert '<html lang="de">' in body
    assert "<h2>Anmelden</h2>" in body and "Vorname" in body
    assert "Samstag, 11. Oktober 2036" in body

    french = page(client, berlin_webinar, "fr").content.decode()
    assert "S’inscrire" in french and "samedi 11 octobre 2036" in french


def test_an_unsupported_browser_language_gets_english(client, berlin_webinar):
    body = page(client, berlin_webinar, "ja,zh;q=0.8").content.decode()
    assert '<html lang="en">' in body and "<h2>Register</h2>" in body


def test_the_customers_fixed_language_overrides_the_browser(client, berlin_webinar):
    customer = berlin_webinar.customer
    customer.language = "es"
    customer.save()
    response = page(client, berlin_webinar, "de")
    body = response.content.decode()
    assert response["Content-Language"] == "es"
    assert "<h2>Inscribirse</h2>" in body and "sábado, 11 de octubre de 2036" in body
    embed = page(client, berlin_webinar, "de", "embed/").content.decode()
    assert "Inscribirse" in embed and "Anmelden" not in embed


def test_refusals_and_form_errors_are_translated(client, berlin_webinar):
    response = client.post(
        f"/w/{berlin_webinar.slug}/", {"first_name": "", "email": "x"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Einige Felder brauchen Ihre Aufmerksamkeit." in body
    berlin_webinar.capacity = 0
    berlin_webinar.waiting_list = False
    berlin_webinar.save()
    refused = client.post(
        f"/w/{berlin_webinar.slug}/register",
        {"first_name": "Ada", "last_name": "L", "email": "ada@example.com"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert refused.status_code == 400, refused.content
    assert refused.json()["reason"] in {
        "Ce webinaire est complet.",
        "Les inscriptions à ce webinaire sont closes.",
    }


def test_a_registrant_gets_mail_and_calendar_in_the_language_they_registered_in(
    client, berlin_webinar, commit, mailoutbox
):
    with commit():
        response = client.post(
            f"/w/{berlin_webinar.slug}/",
            {"first_name": "Marie", "last_name": "Curie", "email": "marie@example.com"},
            HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9",
        )
    assert response.status_code == 201, response.content.decode()
    assert "Vous êtes inscrit·e." in response.content.decode()
    registration = Registration.objects.get()
    assert registration.language == "fr"
    translation.activate("de")  # whatever the worker's language: the registrant's wins
    (message,) = mailoutbox
    assert message.subject == "Vous êtes inscrit·e : Rocket science 101"
    assert message.body.startswith("Bonjour,")
    assert "samedi 11 octobre 2036" in message.body
    assert "Annuler votre inscription :" in message.body
    rebuilt = mail.build(registration, "reminder")
    assert rebuilt.subject == "Commence bientôt : Rocket science 101"
    ((_, content, _),) = rebuilt.attachments
    event = next(iter(Calendar.from_ical(content).walk("VEVENT")))
    assert "Annuler votre inscription : " in str(event["description"])


def test_a_registration_without_a_language_gets_english_mail(berlin_webinar, mailoutbox):
    registration = Registration.objects.create(
        webinar=berlin_webinar, status="confirmed", first_name="A", last_name="B",
        email="a@example.com",
    )  # fmt: skip
    translation.activate("es")
    message = mail.build(registration, "confirmation")
    assert message.subject == "You are registered: Rocket science 101"
    assert message.body.startswith("Hello,")


def test_the_cancel_page_follows_the_browser(client, berlin_webinar):
    registration = Registration.objects.create(
        webinar=berlin_webinar, status="confirmed", first_name="A", last_name="B",
        email="a@example.com", language="fr",
    )  # fmt: skip
    token = mail.cancel_token(registration)
    body = page(client, berlin_webinar, "es", f"cancel/{token}/").content.decode()
    assert "Cancelar mi inscripción" in body


# --- the published meetings list -------------------------------------------------------------


@pytest.fixture
def acme():
    customer = CustomerFactory(slug="acme", name="Acme", time_zone="Europe/Berlin")
    host = HostFactory(customer=customer)
    MeetingFactory(
        host=host,
        topic="Quarterly review",
        is_published=True,
        starts_at=START + dt.timedelta(days=3650),
        ends_at=START + dt.timedelta(days=3650, hours=1),
    )
    return customer


def test_the_meetings_list_is_cached_per_language_and_varies_with_it(client, acme):
    german = client.get("/p/acme/meetings/", HTTP_ACCEPT_LANGUAGE="de")
    english = client.get("/p/acme/meetings/", HTTP_ACCEPT_LANGUAGE="en")
    german_again = client.get("/p/acme/meetings/", HTTP_ACCEPT_LANGUAGE="de")
    assert "Bevorstehende Meetings" in german.content.decode()
    assert "Sa, 11. Okt 2036" in german.content.decode()
    assert "Upcoming meetings" in english.content.decode()
    assert "Sat 11 Oct 2036" in english.content.decode()
    assert "Bevorstehende" not in english.content.decode()
    assert german_again.content == german.content
    for response in (german, english):
        assert "Accept-Language" in response["Vary"]
    assert german["ETag"] != english["ETag"]
    assert german_again["ETag"] == german["ETag"]
    # A cached copy is revalidated per language: the German ETag is no match for English.
    revalidated = client.get(
        "/p/acme/meetings/", HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=german["ETag"]
    )
    assert revalidated.status_code == 200 and b"Upcoming meetings" in revalidated.content


def test_the_meetings_list_speaks_the_customers_fixed_language(client, acme):
    acme.language = "fr"
    acme.save()
    body = client.get("/p/acme/meetings/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Réunions à venir" in body and "Bevorstehende" not in body


def test_the_data_feeds_stay_english(client, acme):
    german = client.get("/p/acme/meetings.json", HTTP_ACCEPT_LANGUAGE="de")
    english = client.get("/p/acme/meetings.json", HTTP_ACCEPT_LANGUAGE="en")
    assert german.content == english.content and german["ETag"] == english["ETag"]


def test_timespan_names_days_and_months_in_the_active_language():
    import zoneinfo

    zone = zoneinfo.ZoneInfo("Europe/Berlin")
    end = START + dt.timedelta(hours=1)
    assert timespan(START, end, zone) == "Wed 14 Oct 2026, 15:00–16:00 CEST"
    with translation.override("de"):
        assert timespan(START, end, zone) == "Mi, 14. Okt 2026, 15:00–16:00 CEST"
    with translation.override("es"):
        assert timespan(START, end, zone, long=True).startswith(
            "miércoles, 14 de octubre de 2026, 15:00"
        )
    with translation.override("de"):
        assert timespan(START, end, zone, long=True).startswith("Mittwoch, 14. Oktober 2026, 15:00")
    with translation.override("fr"):
        assert timespan(START, end, zone, long=True).startswith("mercredi 14 octobre 2026, 15:00")


def test_the_dashboard_stays_english_for_a_host_who_chose_english_in_a_german_browser(client):
    from tests.factories import HostFactory

    host = HostFactory(language="en")
    client.force_login(host.user)
    page = client.post(
        "/dashboard/meetings/new/", {"topic": ""}, HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert "This field is required." in page and "Dieses Feld" not in page


@pytest.mark.parametrize(
    "language,heading",
    [("de", "Angemeldet"), ("fr", "Inscription confirmée"), ("es", "Inscripción confirmada")],
)
def test_the_result_heading_is_in_the_page_language(client, berlin_webinar, language, heading):
    response = client.post(
        f"/w/{berlin_webinar.slug}/",
        {"first_name": "Ada", "last_name": "L", "email": f"ada.{language}@example.com"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 201
    assert f"<strong>{heading}</strong>" in response.content.decode()


def test_waiting_and_awaiting_approval_headings_are_translated(client, berlin_webinar):
    berlin_webinar.approval = berlin_webinar.Approval.MANUAL
    berlin_webinar.save()
    response = client.post(
        f"/w/{berlin_webinar.slug}/",
        {"first_name": "Ada", "last_name": "L", "email": "ada@example.com"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert "<strong>Wartet auf Freigabe</strong>" in response.content.decode()
    berlin_webinar.capacity, berlin_webinar.waiting_list = 1, True
    berlin_webinar.save()
    response = client.post(
        f"/w/{berlin_webinar.slug}/",
        {"first_name": "Bo", "last_name": "L", "email": "bo@example.com"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert "<strong>En la lista de espera</strong>" in response.content.decode()


def test_phone_form_token_and_rate_limit_messages_are_translated(client, berlin_webinar, settings):
    from tests.webinars.factories import QuestionFactory
    from webinars.models import Question

    phone = QuestionFactory(
        webinar=berlin_webinar, label="Phone", answer_type=Question.AnswerType.PHONE
    )
    person = {"first_name": "Ada", "last_name": "L", "email": "ada@example.com"}
    wrong_phone = client.post(
        f"/w/{berlin_webinar.slug}/",
        person | {phone.field_name: "call me"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert "Geben Sie eine Telefonnummer ein" in wrong_phone.content.decode()
    no_token = client.post(f"/w/{berlin_webinar.slug}/embed/", person, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Il manque au formulaire son jeton de sécurité." in no_token.content.decode()
    settings.WEBINAR_RATE_PER_IP = "1/600"
    client.post(f"/w/{berlin_webinar.slug}/", person, HTTP_ACCEPT_LANGUAGE="es")
    limited = client.post(f"/w/{berlin_webinar.slug}/", person, HTTP_ACCEPT_LANGUAGE="es")
    assert limited.status_code == 429
    body = limited.content.decode()
    # "un minuto" in a window's last minute, "N minutos" before it
    assert "Demasiadas inscripciones desde su red." in body and "minuto" in body


def test_the_meetings_page_gives_its_script_the_words_in_the_page_language(client):
    customer = CustomerFactory(slug="berlin", time_zone="Europe/Berlin")
    body = client.get("/p/berlin/meetings/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'data-show-zone="In der Zeit von Europe/Berlin anzeigen"' in body
    assert customer.slug == "berlin"
