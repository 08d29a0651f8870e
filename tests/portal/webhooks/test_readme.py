"""The README's verification example works on what the portal sends."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from meetings import services as meetings

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[3] / "README.md"


def test_the_readmes_example_accepts_a_delivery_once_and_refuses_a_forgery(
    admin_host, endpoint, receiver, committed
):
    start = timezone.now() + dt.timedelta(hours=1)
    with committed():
        meetings.meeting_schedule(
            host=admin_host, topic="Readme", starts_at=start, ends_at=start + dt.timedelta(hours=1)
        )
    ((body, headers),) = receiver.requests
    example = README.read_text().split("### Webhooks", 1)[1].split("```python\n", 1)[1]
    handled = []
    namespace = {
        "already_handled": lambda message_id: message_id in {i for i, _ in handled},
        "handle": lambda kind, data: handled.append((headers["webhook-id"], kind)),
    }
    exec(example.split("```", 1)[0].replace("whsec_...", endpoint.secret), namespace)  # noqa: S102

    receive = namespace["receive"]
    assert receive(body, headers) == 204
    assert receive(body, headers) == 204  # a retry: the same webhook-id
    assert [kind for _, kind in handled] == ["meeting.scheduled"]
    assert receive(body.replace(b"Readme", b"Forged"), headers) == 400
