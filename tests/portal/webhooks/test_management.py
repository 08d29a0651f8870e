"""Endpoints managed by the customer's administrator hosts (dashboard), staff (admin, API)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.test import APIClient

from meetings import services as meetings
from portal.webhooks.models import Delivery, Endpoint
from tests.factories import HostFactory

pytestmark = pytest.mark.django_db


def schedule(host, topic="Review"):
    start = timezone.now() + dt.timedelta(hours=1)
    return meetings.meeting_schedule(
        host=host, topic=topic, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )


def test_an_administrator_adds_an_endpoint_and_reads_its_secret(client, admin_host, receiver):
    client.force_login(admin_host.user)
    response = client.post(
        "/dashboard/webhooks/",
        {"url": receiver.url, "description": "CRM", "events": ["registration.created"]},
    )
    endpoint = Endpoint.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/dashboard/webhooks/{endpoint.pk}/"
    )
    assert (endpoint.customer, endpoint.events) == (admin_host.customer, ["registration.created"])
    page = client.get(response["Location"]).content.decode()
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in page


def test_a_private_address_is_a_field_error_on_the_form(client, admin_host, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    client.force_login(admin_host.user)
    response = client.post(
        "/dashboard/webhooks/", {"url": "http://127.0.0.1:9/x", "events": ["meeting.started"]}
    )
    assert response.status_code == 400
    assert "private or local address" in str(response.context["form"].errors["url"])
    assert not Endpoint.objects.exists()


def test_hosts_who_are_not_administrators_are_refused(client, admin_host, endpoint):
    host = HostFactory(customer=admin_host.customer)
    client.force_login(host.user)
    for url in ["/dashboard/webhooks/", f"/dashboard/webhooks/{endpoint.pk}/"]:
        response = client.get(url)
        assert response.status_code == 403 and endpoint.secret not in response.content.decode()
    response = client.post(f"/dashboard/webhooks/{endpoint.pk}/rotate/")
    assert response.status_code == 403


def test_another_customers_endpoint_is_not_found(client, endpoint):
    stranger = HostFactory(is_administrator=True)
    client.force_login(stranger.user)
    assert client.get(f"/dashboard/webhooks/{endpoint.pk}/").status_code == 404
    assert client.post(f"/dashboard/webhooks/{endpoint.pk}/rotate/").status_code == 404


def test_the_log_shows_attempts_and_redelivers_under_the_same_id(
    client, admin_host, endpoint, receiver, committed
):
    receiver.fault = "error"
    with committed():
        schedule(admin_host)
    delivery = Delivery.objects.get()
    client.force_login(admin_host.user)
    page = client.get(f"/dashboard/webhooks/{endpoint.pk}/").content.decode()
    assert delivery.message_id in page and "503" in page

    receiver.fault = ""
    with committed():
        response = client.post(
            f"/dashboard/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver/"
        )
    assert response.status_code == 302
    assert [message_id for message_id, _ in receiver.received] == [delivery.message_id]


def test_rotating_and_disabling_from_the_dashboard(
    client, admin_host, endpoint, receiver, committed
):
    old = endpoint.secret
    client.force_login(admin_host.user)
    client.post(f"/dashboard/webhooks/{endpoint.pk}/rotate/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    client.post(f"/dashboard/webhooks/{endpoint.pk}/enable/", {"enabled": "0"})
    with committed():
        schedule(admin_host)
    assert receiver.received == [] and not Endpoint.objects.get().is_enabled


@pytest.fixture
def staff_api(django_user_model):
    user = django_user_model.objects.create_user(
        "staff", "staff@portal.example", "staff-pass-123", is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="webhooks"))
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_staff_manage_endpoints_and_redeliver_through_the_api(
    staff_api, admin_host, receiver, committed
):
    receiver.start()
    response = staff_api.post(
        "/api/v1/webhooks/endpoints/",
        {"customer": admin_host.customer.pk, "url": receiver.url, "events": ["meeting.scheduled"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    receiver.secrets = [body["secret"]]
    with committed():
        schedule(admin_host)
    deliveries = staff_api.get(f"/api/v1/webhooks/deliveries/?endpoint={body['id']}").json()
    (delivery,) = deliveries["results"]
    assert delivery["status"] == "delivered" and delivery["attempt_log"][0]["response_code"] == 204
    with committed():
        again = staff_api.post(f"/api/v1/webhooks/deliveries/{delivery['id']}/redeliver/")
    assert again.status_code == 200
    assert [i for i, _ in receiver.received] == [delivery["webhook_id"]] * 2

    rotated = staff_api.post(f"/api/v1/webhooks/endpoints/{body['id']}/rotate-secret/").json()
    assert rotated["secret"] != body["secret"] and rotated["previous_secret_expires_at"]

    refused = staff_api.patch(
        f"/api/v1/webhooks/endpoints/{body['id']}/", {"events": ["nothing.happened"]}, format="json"
    )
    assert refused.status_code == 400 and "events" in refused.json()["errors"]


def test_staff_add_an_endpoint_in_the_admin(admin_client, admin_host, receiver):
    response = admin_client.post(
        "/admin/webhooks/endpoint/add/",
        {
            "customer": admin_host.customer.pk,
            "url": receiver.url,
            "description": "",
            "events": ["webinar.cancelled"],
            "is_enabled": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Endpoint.objects.get().secret.startswith("whsec_")
