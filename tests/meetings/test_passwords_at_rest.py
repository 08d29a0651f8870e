"""Meeting passwords at rest: encrypted with CONFERENCING_SECRET_KEYS, which rotate on their own."""

import base64
import hashlib

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from meetings.models import Meeting
from tests.factories import MeetingFactory
from tests.migrations import migrate_to_newest


def _with_password(password: str) -> Meeting:
    meeting = MeetingFactory()
    meeting.password = password
    meeting.save()
    return meeting


@pytest.mark.django_db
def test_a_new_secret_key_leaves_meeting_passwords_readable(settings):
    meeting = _with_password("m33ting-pw")

    settings.SECRET_KEY = "a-rotated-session-key"

    assert Meeting.objects.get(pk=meeting.pk).password == "m33ting-pw"


@pytest.mark.django_db
def test_keys_rotate_without_losing_a_meeting_password(settings, capsys):
    meeting = _with_password("m33ting-pw")
    old_key, new_key = settings.CONFERENCING_SECRET_KEYS[0], Fernet.generate_key().decode()
    settings.CONFERENCING_SECRET_KEYS = [new_key, old_key]

    call_command("rotate_secrets")

    assert "passwords of 1 meeting" in capsys.readouterr().out
    settings.CONFERENCING_SECRET_KEYS = [new_key]  # the old key is gone
    assert Meeting.objects.get(pk=meeting.pk).password == "m33ting-pw"
    settings.CONFERENCING_SECRET_KEYS = [old_key]
    with pytest.raises(ValueError, match="CONFERENCING_SECRET_KEYS"):
        Meeting.objects.get(pk=meeting.pk).password  # noqa: B018 (the property decrypts)


@pytest.mark.django_db(transaction=True)
def test_passwords_encrypted_under_the_secret_key_move_to_the_secret_keys(settings):
    """What 0006 finds: tokens made with the key the portal once derived from SECRET_KEY."""
    meeting = MeetingFactory()
    digest = hashlib.sha256(b"portal.crypto:" + settings.SECRET_KEY.encode()).digest()
    legacy = Fernet(base64.urlsafe_b64encode(digest))
    before = ("meetings", "0005_meeting_kind_labels")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old_state = executor.loader.project_state([before]).apps
        old_state.get_model("meetings", "Meeting").objects.filter(pk=meeting.pk).update(
            password_encrypted=legacy.encrypt(b"from-before").decode()
        )
    finally:
        migrate_to_newest()

    settings.SECRET_KEY = "a-rotated-session-key"
    assert Meeting.objects.get(pk=meeting.pk).password == "from-before"
