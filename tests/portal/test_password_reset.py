import pytest
from django.contrib.auth import get_user_model

from portal.accounts import services
from tests.factories import HostFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/password_reset/"


def test_only_hosts_in_use_get_a_reset_link(client, mailoutbox, admin_user):
    host = HostFactory(user__email="ada@customer.example")
    gone = HostFactory(user__email="gone@customer.example")
    services.host_delete(host=gone)
    get_user_model().objects.create_user(
        "clerk", "clerk@portal.example", "clerk-pass-123", is_staff=True
    )
    admin_user.email = "root@portal.example"
    admin_user.save()
    for email in ("ada@customer.example", "gone@customer.example", "clerk@portal.example"):
        assert client.post(URL, {"email": email}).status_code == 302
    assert client.post(URL, {"email": "root@portal.example"}).status_code == 302
    assert [m.to for m in mailoutbox] == [[host.user.email]]


def test_resets_are_limited_per_account(client, mailoutbox, settings):
    settings.PASSWORD_RESET_PER_ACCOUNT = "2/3600"
    HostFactory(user__email="ada@customer.example")
    for _ in range(2):
        assert client.post(URL, {"email": "Ada@customer.example"}).status_code == 302
    refused = client.post(URL, {"email": "ada@customer.example"})
    assert refused.status_code == 429
    assert "Too many password resets" in refused.content.decode()
    assert len(mailoutbox) == 2
    assert client.post(URL, {"email": "bob@customer.example"}).status_code == 302


def test_resets_are_limited_per_address(client, settings):
    settings.PASSWORD_RESET_PER_ADDRESS = "3/3600"
    for n in range(3):
        assert client.post(URL, {"email": f"guess{n}@customer.example"}).status_code == 302
    assert client.post(URL, {"email": "guess9@customer.example"}).status_code == 429
    other = client.post(URL, {"email": "x@customer.example"}, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302


def test_resets_count_an_ipv6_address_as_its_64(client, settings):
    """As every per-address limit does: one subscriber may pick any address in its /64."""
    settings.PASSWORD_RESET_PER_ADDRESS = "3/86400"
    statuses = [
        client.post(
            URL, {"email": f"guess{n}@customer.example"}, REMOTE_ADDR=f"2001:db8:5:5::{n + 1:x}"
        ).status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
