"""Schemathesis over the whole API, as a staff user and as a host: the answers keep to the
published schema (no 5xx, only documented statuses, content types and bodies).

A few examples per operation keep it quick in every run; the CLI against
``make run`` goes deeper (``st run http://127.0.0.1:8000/api/schema/ -H 'Authorization:
Token ...'``). Rules the schema cannot state (an end after the start, a
webinar's own questions) are left to the per-feature tests.
"""

import contextlib
import datetime as dt
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import HostFactory, MeetingFactory, UserFactory
from tests.webinars.factories import QuestionFactory, RegistrationFactory, WebinarFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def data(db):
    """A staff user with every permission, and a host with a meeting and a webinar."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    host = HostFactory()
    MeetingFactory(host=host)
    start = timezone.now() + dt.timedelta(days=3)
    webinar = WebinarFactory(
        host=host, customer=host.customer, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    QuestionFactory(webinar=webinar)
    RegistrationFactory(webinar=webinar)
    return {
        "staff": {"Authorization": f"Token {Token.objects.create(user=staff).key}"},
        "host": {"Authorization": f"Token {Token.objects.create(user=host.user).key}"},
    }


EXAMPLES = settings(
    max_examples=int(os.environ.get("API_CONFORMANCE_EXAMPLES", 3)),  # more for a deeper look
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@contextlib.contextmanager
def connections_kept():
    """What Django's test client does around a request: a real WSGI handler would close
    the test's database connection (and its transaction) when each request finishes."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def keeps_to_its_schema(headers: dict) -> None:
    """A few generated requests for every operation, each answer checked against the schema."""
    with connections_kept():
        _run(headers)


def _run(headers: dict) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @EXAMPLES
        def call(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        call()


def test_as_staff_the_api_keeps_to_its_schema(data, fake_tm, mailoutbox):
    keeps_to_its_schema(data["staff"])


def test_as_a_host_the_api_keeps_to_its_schema(data, fake_tm, mailoutbox):
    keeps_to_its_schema(data["host"])
