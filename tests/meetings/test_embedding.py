"""The dashboard page that says which sites may frame a customer's embeds, and edits the list."""

import re

import pytest
from django.test import Client

from portal.framing import MAX_ORIGINS, frame_ancestors
from tests.conftest import csp
from tests.factories import HostFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/embedding/"


@pytest.fixture
def admin(db):
    return HostFactory(is_administrator=True, customer__embed_origins="https://www.acme.example")


@pytest.fixture
def colleague(admin):
    return HostFactory(customer=admin.customer, is_administrator=False)


def signed_in(host, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(host.user)
    return client


def test_an_administrator_sees_the_list_the_explanation_and_changes_it(admin):
    client = signed_in(admin)
    page = client.get(URL).content.decode()
    assert "<code>https://www.acme.example</code>" in page
    assert 'id="origins-form"' in page
    assert "http://localhost:8001</code> and <code>http://127.0.0.1:8001</code> are" in page
    assert "different origins" in page and "The scheme counts" in page and "The port counts" in page
    assert "What visitors see on a site that is not in the list" in page

    typed = "https://www.acme.example/\nhttp://localhost:8001, http://127.0.0.1:8001"
    response = client.post(URL, {"embed_origins": typed})
    assert response.status_code == 302 and response.url == URL
    admin.customer.refresh_from_db()
    assert admin.customer.allowed_origins == [
        "https://www.acme.example",
        "http://localhost:8001",
        "http://127.0.0.1:8001",
    ]
    page = client.get(URL).content.decode()
    assert "Saved: the sites allowed to show your embeds." in page
    assert "<code>http://127.0.0.1:8001</code>" in page

    # The embeds follow at once.
    embed = Client().get(f"/p/{admin.customer.slug}/meetings/")
    expected = frame_ancestors(["http://localhost:8001", "http://127.0.0.1:8001"])
    assert csp(embed)["frame-ancestors"] == expected.removeprefix("frame-ancestors ").replace(
        "'self'", "'self' https://www.acme.example"
    )


def test_the_list_can_be_emptied(admin):
    response = signed_in(admin).post(URL, {"embed_origins": "  "})
    assert response.status_code == 302
    admin.customer.refresh_from_db()
    assert admin.customer.embed_origins == ""


@pytest.mark.parametrize(
    "typed, message",
    [
        ("https://www.acme.example/events/", "is not an origin"),
        ("www.acme.example", "is not an origin"),
        ("ftp://files.acme.example", "is not an origin"),
        ("https://under_score.example", "cannot be named in a Content-Security-Policy"),
    ],
)
def test_a_wrong_origin_is_refused_with_the_reason_under_the_field(admin, typed, message):
    response = signed_in(admin).post(URL, {"embed_origins": f"https://ok.example\n{typed}"})
    assert response.status_code == 400
    page = response.content.decode()
    # The error sits right after the field (and its help), and the field says it is invalid.
    field = page.index('name="embed_origins"')
    errors = page.index('id="id_embed_origins_errors"')
    assert field < errors < page.index("</form>", field)
    assert message in page[errors:]
    assert re.search(r'<textarea[^>]*aria-invalid="true"', page)
    assert "https://ok.example\n" + typed in page.replace("&#x27;", "'")  # kept to correct
    admin.customer.refresh_from_db()
    assert admin.customer.embed_origins == "https://www.acme.example"  # nothing saved


def test_every_mistake_is_listed_at_once(admin):
    response = signed_in(admin).post(URL, {"embed_origins": "example.com\nhttps://a.example/x"})
    page = response.content.decode()
    assert "&#x27;example.com&#x27; is not an origin" in page
    assert "&#x27;https://a.example/x&#x27; is not an origin" in page


def test_other_hosts_see_the_list_but_cannot_change_it(colleague):
    client = signed_in(colleague)
    page = client.get(URL).content.decode()
    assert "<code>https://www.acme.example</code>" in page
    assert 'id="origins-form"' not in page and 'id="read-only"' in page
    assert "http://localhost:8001</code> and <code>http://127.0.0.1:8001</code>" in page

    response = client.post(URL, {"embed_origins": "https://evil.example"})
    assert response.status_code == 403
    colleague.customer.refresh_from_db()
    assert colleague.customer.embed_origins == "https://www.acme.example"


def test_a_host_of_another_customer_changes_only_their_own(admin):
    stranger = HostFactory(is_administrator=True)
    signed_in(stranger).post(URL, {"embed_origins": "https://stranger.example"})
    admin.customer.refresh_from_db()
    stranger.customer.refresh_from_db()
    assert admin.customer.embed_origins == "https://www.acme.example"
    assert stranger.customer.embed_origins == "https://stranger.example"


def test_csrf_is_enforced(admin):
    client = signed_in(admin, enforce_csrf_checks=True)
    response = client.post(URL, {"embed_origins": "https://evil.example"})
    assert response.status_code == 403
    admin.customer.refresh_from_db()
    assert admin.customer.embed_origins == "https://www.acme.example"

    page = client.get(URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        URL, {"embed_origins": "https://www.acme.example", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/dashboard/login/")


def test_the_dashboard_links_to_it_and_the_snippet_sizes_itself(admin, settings):
    settings.SITE_URL = "https://portal.example"
    page = signed_in(admin).get("/dashboard/").content.decode()
    assert f'href="{URL}"' in page
    assert "data-portal-embed" in page and "height=&quot;480&quot;" in page  # fixed fallback
    assert "&lt;script src=&quot;https://portal.example/static/portal/embed.js&quot; async" in page


def test_embeds_carry_the_resizer_and_a_note_for_when_they_are_opened_directly(admin):
    page = Client().get(f"/p/{admin.customer.slug}/meetings/").content.decode()
    assert 'id="embed-notice" role="note" hidden' in page
    assert "made to be shown inside" in page and "https://www.acme.example" in page
    assert re.search(r'<script src="[^"]*portal/embed-frame[^"]*\.js"', page)


@pytest.mark.parametrize("typed", ["https://*.com", "https://*.acme.example", "*"])
def test_a_wildcard_is_refused_and_never_reaches_the_header(admin, typed):
    response = signed_in(admin).post(URL, {"embed_origins": typed})
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert f"'{typed}' has a wildcard" in page or f"'{typed}' is not an origin" in page
    admin.customer.embed_origins = f"https://www.acme.example\n{typed}"  # saved by an old release
    admin.customer.save()
    embed = Client().get(f"/p/{admin.customer.slug}/meetings/")
    assert csp(embed)["frame-ancestors"] == "'self' https://www.acme.example"


def test_the_list_has_a_maximum_said_in_the_form(admin):
    client = signed_in(admin)
    assert f"at most {MAX_ORIGINS}" in client.get(URL).content.decode()
    many = "\n".join(f"https://site{n}.example" for n in range(MAX_ORIGINS + 1))
    response = client.post(URL, {"embed_origins": many})
    assert response.status_code == 400
    assert f"At most {MAX_ORIGINS} sites may show the embeds; this list has" in (
        response.content.decode()
    )
    admin.customer.refresh_from_db()
    assert admin.customer.embed_origins == "https://www.acme.example"
    exactly = "\n".join(f"https://site{n}.example" for n in range(MAX_ORIGINS))
    assert client.post(URL, {"embed_origins": exactly}).status_code == 302


def test_an_oversized_stored_list_still_makes_a_header_of_sane_size(admin):
    admin.customer.embed_origins = "\n".join(f"https://s{n}.example" for n in range(60_000))
    admin.customer.save()  # saved by an old release, or straight to the database
    embed = Client().get(f"/p/{admin.customer.slug}/meetings/")
    assert len(csp(embed)["frame-ancestors"].split()) == MAX_ORIGINS + 1  # and 'self'
