import pytest

from portal.accounts.services import customer_create, customer_push
from tests.factories import CustomerFactory, HostFactory
from tests.webinars.factories import WebinarFactory

ORIGIN = "https://www.customer.example"


@pytest.fixture(autouse=True)
def _webinar_settings(settings):
    settings.SITE_URL = "https://portal.example"
    settings.WEBINAR_RATE_PER_IP = "1000/600"
    settings.WEBINAR_RATE_PER_WEBINAR = "1000/60"


@pytest.fixture
def host(db):
    """A host of a customer that lets www.customer.example embed and post forms."""
    customer = CustomerFactory(embed_origins=f"{ORIGIN}\nhttps://other.customer.example")
    return HostFactory(customer=customer, user__email="host@customer.example")


@pytest.fixture
def synced_host(fake_tm):
    """A host whose customer is on the fake meeting server, so meetings can be scheduled."""
    customer = customer_create(
        name="Stark", contact_email="it@stark.example", time_zone="Europe/Berlin"
    )
    customer = customer_push(customer_id=customer.pk)
    customer.embed_origins = ORIGIN
    customer.save()
    return HostFactory(customer=customer, is_administrator=True)


@pytest.fixture
def webinar(host):
    return WebinarFactory(host=host, title="Rocket science 101", capacity=10)


@pytest.fixture
def signed_in(client, host):
    """Django's test client, signed in as the host (tests/browser drives a real browser)."""
    client.force_login(host.user)
    return client


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the queued mail) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
