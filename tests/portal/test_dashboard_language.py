"""The dashboard speaks the host's language (or the browser's); the API and the admin stay
English; and nothing on the dashboard is left out of the translation."""

from __future__ import annotations

import ast
import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core import signing
from django.template.base import Lexer, TokenType
from django.utils import timezone, translation
from django.utils.functional import Promise

from conferencing.base import ServerUnavailable, backend_class, for_host
from conferencing.fakes.server import serve
from conferencing.fakes.webex import FakeWebex
from meetings.dashboard.on_server import SERVER_ANSWER_SALT
from meetings.forms import JoinForm, MeetingForm
from meetings.services import meeting_schedule
from portal.accounts.models import MeetingServer
from portal.accounts.services import customer_create, customer_push
from portal.accounts.views import LanguageForm, SignInForm
from portal.webhooks import services as webhooks
from portal.webhooks.forms import EndpointForm
from portal.webhooks.models import Delivery
from tests.factories import CustomerFactory, HostFactory, MeetingFactory
from tests.portal.webhooks.receiver import Receiver
from tests.webinars.factories import WebinarFactory
from webinars.forms.host import QuestionForm, RegistrationFilterForm, RejectForm, WebinarForm

TEMPLATES = Path(settings.BASE_DIR) / "templates"
DASHBOARD_TEMPLATES = sorted(
    [
        TEMPLATES / "base.html",
        *(TEMPLATES / "accounts").glob("*.html"),
        *(TEMPLATES / "charts").glob("*.html"),
        *(TEMPLATES / "forms").glob("*.html"),
        *(TEMPLATES / "registration").glob("*.html"),
        *(TEMPLATES / "meetings" / "dashboard").glob("*.html"),
        *(TEMPLATES / "webinars" / "dashboard").glob("*.html"),
        *(TEMPLATES / "webhooks" / "dashboard").glob("*.html"),
        *(TEMPLATES / "exports").glob("*.html"),
    ]
)
#: Attributes a person reads (or hears) as text.
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}
#: Elements whose content is code to copy, not prose.
CODE = {"pre", "code", "script", "style"}
ENDONYMS = {name for code, name in settings.LANGUAGES}
#: Names of file formats, the same in every language.
FORMAT_NAMES = {"XML", "JSON", "RSS", "CSV", "Excel"}


class _VisibleText(HTMLParser):
    """The words of an HTML page a person sees or hears, outside code samples."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._code = 0

    def handle_starttag(self, tag, attrs):
        if tag in CODE:
            self._code += 1
        self.words += [value for name, value in attrs if name in READ_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in CODE and self._code:
            self._code -= 1

    def handle_data(self, data):
        if not self._code:
            self.words.append(data)


def unmarked_text(source: str) -> list[str]:
    """Text in a template outside {% translate %} and {% blocktranslate %}: template tags and
    variables are dropped, what remains is HTML whose words must not contain a letter."""
    kept, skipping = [], None
    for token in Lexer(source).tokenize():
        content = token.contents.split()[0] if token.contents.split() else ""
        if skipping:
            if token.token_type == TokenType.BLOCK and content == skipping:
                skipping = None
            continue
        if token.token_type == TokenType.TEXT:
            kept.append(token.contents)
        elif token.token_type == TokenType.BLOCK and content in ("blocktranslate", "comment"):
            skipping = "end" + content
    parser = _VisibleText()
    parser.feed("".join(kept))
    words = (" ".join(w.split()) for w in parser.words)
    return [w for w in words if re.search(r"[^\W\d_]", w) and w not in FORMAT_NAMES]


def test_the_check_finds_unmarked_words_and_passes_marked_ones():
    found = unmarked_text(
        '{% load i18n %}<h1>Hello {{ name }}</h1><button aria-label="Move {{ q }} up">↑</button>'
        '<p>{% translate "Fine" %} · {% blocktranslate %}Also {{ x }} fine{% endblocktranslate %}'
        "</p><pre>code sample</pre>{# a note #}{% comment %}a note{% endcomment %}"
    )
    assert found == ["Move up", "Hello"] or sorted(found) == ["Hello", "Move up"]


@pytest.mark.parametrize("path", DASHBOARD_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_word_of_a_dashboard_template_is_marked_for_translation(path):
    assert unmarked_text(path.read_text()) == []


def _dashboard_forms(webinar):
    return [
        MeetingForm(),
        JoinForm(),
        WebinarForm(),
        QuestionForm(webinar=webinar),
        RejectForm(),
        RegistrationFilterForm(),
        LanguageForm(),
        SignInForm(),
        EndpointForm(),
    ]


@pytest.mark.django_db
def test_every_label_hint_choice_and_error_of_a_dashboard_form_is_translatable():
    webinar = WebinarFactory()
    untranslatable = []
    for form in _dashboard_forms(webinar):
        for name, field in form.fields.items():
            texts = {"label": field.label, "help_text": field.help_text or None}
            texts |= {f"error {code}": text for code, text in field.error_messages.items()}
            if isinstance(field, forms.ChoiceField) and not isinstance(
                field, forms.ModelChoiceField
            ):
                # A choice shown by its own value (a webhook event's name) is a name, the
                # same in every language.
                texts |= {
                    f"choice {value}": label
                    for value, label in field.choices
                    if value and label != value
                }
            if isinstance(field, forms.ModelChoiceField):
                texts["empty_label"] = field.empty_label
            for what, text in texts.items():
                if text in ENDONYMS:
                    continue  # each language is named in itself, in every language
                if text is not None and not isinstance(text, Promise):
                    untranslatable.append(f"{type(form).__name__}.{name} {what}: {text!r}")
    assert untranslatable == []


@pytest.fixture
def german_host(db):
    return HostFactory(language="de")


def test_a_host_who_chose_german_gets_the_dashboard_in_german(client, german_host):
    client.force_login(german_host.user)
    page = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="de">' in page
    assert "Ein Meeting planen" in page and "Abmelden" in page
    form = client.post("/dashboard/meetings/new/", {"kind": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    # The form's own words and Django's (a required field) follow the host's choice.
    assert "Dieses Feld ist zwingend erforderlich." in form.content.decode()
    assert "Bitte prüfen Sie das Formular." in form.content.decode()


def test_a_host_who_chose_nothing_gets_the_browsers_language(client, db):
    host = HostFactory(language="")
    client.force_login(host.user)
    page = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert '<html lang="fr">' in page and "Planifier une réunion" in page
    page = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in page and "Cerrar sesión" in page


def test_the_sign_in_page_follows_the_browser(client, db):
    page = client.get("/dashboard/login/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="de">' in page and "Anmelden" in page and "Passwort vergessen?" in page


def test_the_host_chooses_a_language_in_the_header_and_goes_back_to_the_page(client, db):
    host = HostFactory(language="")
    meeting = MeetingFactory(host=host, customer=host.customer)
    client.force_login(host.user)
    back = f"/dashboard/meetings/{meeting.pk}/"
    response = client.post("/dashboard/language/", {"language": "es", "next": back})
    assert response.status_code == 302 and response.url == back
    host.refresh_from_db()
    assert host.language == "es"
    client.post("/dashboard/language/", {"language": "", "next": "https://evil.example/"})
    host.refresh_from_db()
    assert host.language == ""
    refused = client.post("/dashboard/language/", {"language": "xx"}, follow=True)
    host.refresh_from_db()
    assert host.language == "" and refused.redirect_chain[-1][0] == "/dashboard/"


def test_the_api_stays_english_for_a_german_host(client, german_host):
    client.force_login(german_host.user)
    response = client.post(
        "/api/v1/meetings/", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="de"
    )
    assert response.status_code == 400, response.content
    assert "This field is required." in response.content.decode()
    assert response["Content-Language"] == "en"


def test_the_admin_stays_english(admin_client):
    page = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'lang="en"' in page and "Site administration" in page


@pytest.mark.django_db
def test_the_password_reset_mail_speaks_the_hosts_language_or_else_the_pages(client, mailoutbox):
    HostFactory(user__email="fr@customer.example", language="fr")
    HostFactory(user__email="any@customer.example", language="")
    for email in ("fr@customer.example", "any@customer.example"):
        response = client.post(
            "/dashboard/password_reset/", {"email": email}, HTTP_ACCEPT_LANGUAGE="es"
        )
        assert response.status_code == 302
    french, spanish = mailoutbox
    assert french.subject.startswith("Réinitialisation du mot de passe")
    assert spanish.subject.startswith("Contraseña restablecida")


# --- words from below the dashboard: meeting servers, stored sync errors, webhooks --------


def _marked_for_later(*packages: str) -> set[str]:
    """Every message id marked with ``gettext_noop`` in ``packages``: the words the meeting
    servers' backends (which import no Django), services and models keep untranslated and
    the dashboard translates when it shows them."""
    found = set()
    for package in packages:
        for path in (Path(settings.BASE_DIR) / package).rglob("*.py"):
            if "fakes" in path.parts:
                continue  # stand-ins for servers, for tests: no page shows their words
            for node in ast.walk(ast.parse(path.read_text())):
                name = getattr(node, "func", None)
                name = getattr(name, "id", getattr(name, "attr", ""))
                if name == "gettext_noop" and isinstance(node.args[0], ast.Constant):
                    found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_every_sentence_a_meeting_server_gives_a_host_is_translated(language):
    """The error kinds' sentences, each backend's refusals, Webex's answers and sign-in
    labels, stored sync errors, webhook reasons: each has its translation."""
    marked = _marked_for_later("conferencing", "portal", "meetings", "webinars")
    assert for_host(ServerUnavailable("GET /x: HTTP 503")) in marked
    assert set(backend_class("trueconf").refusals.values()) <= marked
    assert {label for _name, label, _type in backend_class("webex").sign_in_fields} <= marked
    with translation.override(language):
        untranslated = sorted(m for m in marked if translation.gettext(m) == m)
    assert untranslated == []


@pytest.fixture
def german_host_on_turbomeeting(db, fake_tm):
    customer = customer_push(
        customer_id=customer_create(name="Hooli", contact_email="it@hooli.example").pk
    )
    return HostFactory(customer=customer, language="de", is_administrator=True)


@pytest.mark.django_db
def test_a_german_host_reads_a_stored_sync_error_and_a_refusal_in_german(
    client, fake_tm, german_host_on_turbomeeting, django_capture_on_commit_callbacks
):
    host = german_host_on_turbomeeting
    fake_tm.mode = "down"
    start = timezone.now() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = meeting_schedule(
            host=host, topic="Roadmap", starts_at=start, ends_at=start + dt.timedelta(hours=1)
        )
    meeting.refresh_from_db()
    # Stored as the sentence's message id, with the raw detail beside it for staff.
    assert "not answering right now" in meeting.sync_error
    assert "HTTP 503" in meeting.sync_detail and "HTTP" not in meeting.sync_error
    client.force_login(host.user)
    german = "Der Meeting-Server antwortet gerade nicht."

    page = client.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert german in page and "not answering" not in page and "HTTP 503" not in page

    retried = client.post(f"/dashboard/meetings/{meeting.pk}/retry/", follow=True)
    assert german in retried.content.decode()
    assert "not answering" not in retried.content.decode()

    # Said at once, not stored: what this server cannot do.
    refused = client.post(f"/dashboard/meetings/{meeting.pk}/schedule-on-server/", follow=True)
    assert "Dieser Meeting-Server kann das nicht." in refused.content.decode()
    assert "not scheduled in the browser" not in refused.content.decode()


@pytest.fixture
def german_host_on_webex(db):
    fake = FakeWebex()
    with serve(fake) as running:
        fake.base_url = fake.site_url(running.url)
        server = MeetingServer.objects.create(backend="webex", name="Webex", base_url=fake.base_url)
        yield HostFactory(customer=CustomerFactory(server=server), language="de")


@pytest.mark.django_db
def test_a_german_host_reads_webexs_answers_and_its_sign_in_form_in_german(
    client, german_host_on_webex, django_capture_on_commit_callbacks
):
    host = german_host_on_webex
    start = timezone.now() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = meeting_schedule(
            host=host, topic="Board", starts_at=start, ends_at=start + dt.timedelta(hours=1)
        )
    client.force_login(host.user)

    sign_in = client.get(f"/dashboard/meetings/{meeting.pk}/server-sign-in/").content.decode()
    assert ">Webex-ID</label>" in sign_in and ">Webex-Passwort</label>" in sign_in
    assert "Webex password" not in sign_in

    state = signing.dumps({"m": meeting.pk, "u": host.user.pk}, salt=SERVER_ANSWER_SALT)
    answer = {"state": state, "AT": "SM", "ST": "FAIL", "RS": "MeetingLocked"}
    page = client.get(f"/dashboard/meetings/{meeting.pk}/server-answer/", answer, follow=True)
    assert "Der Gastgeber hat das Meeting gesperrt." in page.content.decode()
    # A reason Webex has no words for is not shown raw (nor put into an English sentence).
    odd = answer | {"RS": "SomethingNew"}
    page = client.get(f"/dashboard/meetings/{meeting.pk}/server-answer/", odd, follow=True)
    assert "Webex konnte das nicht ausführen" in page.content.decode()
    assert "SomethingNew" not in page.content.decode()


@pytest.mark.django_db
def test_a_german_administrator_reads_the_webhook_log_and_why_it_stopped_in_german(
    client, german_host_on_turbomeeting, django_capture_on_commit_callbacks, settings, mailoutbox
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the receiver is on loopback
    host = german_host_on_turbomeeting
    receiver = Receiver()
    endpoint = webhooks.endpoint_create(
        customer=host.customer, url=receiver.url, events=["meeting.scheduled"]
    )
    receiver.secrets, receiver.fault = [endpoint.secret], "error"
    receiver.start()
    try:
        start = timezone.now() + dt.timedelta(days=1)
        with django_capture_on_commit_callbacks(execute=True):
            meeting_schedule(
                host=host, topic="Heard?", starts_at=start, ends_at=start + dt.timedelta(hours=1)
            )
        client.force_login(host.user)
        page = client.get(f"/dashboard/webhooks/{endpoint.pk}/").content.decode()
        assert "Ausstehend: antwortete 503" in page and "answered" not in page

        delivery = Delivery.objects.get()
        while delivery.status == Delivery.Status.PENDING:  # a day of retries, at once
            with django_capture_on_commit_callbacks(execute=True):
                webhooks.deliveries_due(now=delivery.next_attempt_at)
            delivery.refresh_from_db()
    finally:
        receiver.stop()
    page = client.get(f"/dashboard/webhooks/{endpoint.pk}/").content.decode()
    assert "Fehlgeschlagen: antwortete 503" in page
    assert "Jeder Zustellversuch ist etwa einen Tag lang fehlgeschlagen." in page
    assert "Seit " in page and "every attempt" not in page.lower()
    [mail] = mailoutbox  # the disabled endpoint's mail, in the administrator's language
    assert mail.subject == "Ein Webhook-Endpunkt wurde deaktiviert"
    assert mail.body.startswith(f"Das Portal sendet keine Webhooks mehr an {endpoint.url}")


def test_a_german_administrator_reads_why_an_endpoint_was_not_reached_in_german(
    client, admin_client, german_host_on_turbomeeting, django_capture_on_commit_callbacks, settings
):
    """The dashboard says it in the host's words; the raw detail is the admin's."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    host = german_host_on_turbomeeting
    down = Receiver()  # never started: the connection is refused
    endpoint = webhooks.endpoint_create(
        customer=host.customer, url=down.url, events=["meeting.scheduled"]
    )
    start = timezone.now() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_schedule(
            host=host, topic="Anyone?", starts_at=start, ends_at=start + dt.timedelta(hours=1)
        )
    client.force_login(host.user)
    page = client.get(f"/dashboard/webhooks/{endpoint.pk}/").content.decode()
    assert "Der Endpunkt war nicht erreichbar." in page
    assert "Error" not in page and "could not be reached" not in page
    delivery = Delivery.objects.get()
    staff = admin_client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/").content.decode()
    assert "NewConnectionError" in staff
