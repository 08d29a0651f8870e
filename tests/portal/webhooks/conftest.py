import pytest

from portal.accounts.services import customer_create, customer_push
from portal.webhooks import services
from portal.webhooks.events import EVENT_NAMES
from tests.factories import HostFactory
from tests.portal.webhooks.receiver import Receiver


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the receiver is on loopback
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.SITE_URL = "https://portal.example"


@pytest.fixture
def admin_host(fake_tm):
    """An administrator host of a customer on the fake meeting server."""
    customer = customer_create(name="Stark", contact_email="it@stark.example")
    customer = customer_push(customer_id=customer.pk)
    return HostFactory(customer=customer, is_administrator=True, user__email="admin@stark.example")


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture
def endpoint(admin_host, receiver):
    """An endpoint for every event at the running receiver, which knows its secret."""
    made = services.endpoint_create(
        customer=admin_host.customer, url=receiver.url, events=list(EVENT_NAMES)
    )
    receiver.secrets = [made.secret]
    receiver.start()
    return made


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs what waits for the commit (the sends), as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
