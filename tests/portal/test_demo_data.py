import pytest
from django.core.management import call_command

from meetings.models import Meeting
from portal.accounts.models import Customer, Host, SyncState


@pytest.mark.django_db(transaction=True)
def test_demo_data_is_complete_and_idempotent(fake_tm, django_user_model):
    call_command("demo_data")
    call_command("demo_data")
    customer = Customer.objects.get()
    assert customer.slug == "acme" and customer.sync_state == SyncState.SYNCED
    assert Host.objects.get().user.check_password("host-demo-password")
    assert django_user_model.objects.get(username="admin").is_superuser
    assert Meeting.objects.count() == 3
    assert set(Meeting.objects.values_list("sync_state", flat=True)) == {SyncState.SYNCED}
    assert len(fake_tm.meetings) == 3
