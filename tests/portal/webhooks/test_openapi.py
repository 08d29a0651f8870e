"""The webhooks section of the OpenAPI description."""

import pytest

from portal.webhooks.events import EVENT_NAMES

pytestmark = pytest.mark.django_db


def test_the_openapi_description_documents_every_event_with_an_example(admin_client):
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    webhooks = schema.json()["webhooks"]
    assert sorted(webhooks) == sorted(EVENT_NAMES)
    for name, item in webhooks.items():
        (example,) = item["post"]["requestBody"]["content"]["application/json"]["examples"].values()
        assert (
            example["value"]["type"] == name and "webhook-signature" in item["post"]["description"]
        )
