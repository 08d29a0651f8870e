"""Hostile JSON bodies get a 400 with a reason, never a 500."""

import pytest
from django.test import Client

from tests.webinars.conftest import ORIGIN
from tests.webinars.test_api import api_for
from webinars.models import Registration

pytestmark = pytest.mark.django_db

PERSON = '"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"'
DEEP = "[" * 1000 + "]" * 1000
BODIES = {
    "nested 1,000 deep": "{" + PERSON + ', "q_1": ' + DEEP + "}",
    "a lone surrogate": '{"first_name": "a\\ud800", "last_name": "H", "email": "g@example.com"}',
    "a surrogate in a key": '{"\\udfff": "x", ' + PERSON + "}",
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_the_public_endpoint_answers_400_with_a_reason(webinar, body):
    response = Client().post(
        f"/w/{webinar.slug}/register", body, content_type="application/json", HTTP_ORIGIN=ORIGIN
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "parse_error" and response.json()["reason"]
    assert not Registration.objects.exists()


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_the_authenticated_api_answers_400_with_a_reason(host, webinar, body):
    response = api_for(host).generic(
        "POST",
        f"/api/v1/webinars/{webinar.pk}/registrations/",
        body,
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["reason"]
    assert not Registration.objects.exists()
