import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.accounts.models import SyncState
from webinars.models import Webinar


@pytest.mark.django_db(transaction=True)
def test_demo_webinar_is_complete_and_idempotent(fake_tm):
    with pytest.raises(CommandError, match="run demo_data first"):
        call_command("demo_webinars")
    call_command("demo_data")
    call_command("demo_webinars")
    call_command("demo_webinars")
    webinar = Webinar.objects.get()
    assert webinar.customer.slug == "acme" and webinar.host.user.email == "host@acme.example"
    assert webinar.is_published and webinar.capacity == 50
    assert webinar.questions.count() == 2
    assert webinar.meeting.kind == 3 and webinar.meeting.sync_state == SyncState.SYNCED
