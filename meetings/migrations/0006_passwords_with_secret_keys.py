"""Meeting passwords move from a key derived from SECRET_KEY to CONFERENCING_SECRET_KEYS.

Run while SECRET_KEY is still the one they were encrypted with; afterwards
SECRET_KEY can rotate without making them unreadable.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations


def _legacy() -> Fernet:
    digest = hashlib.sha256(b"portal.crypto:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    if not settings.CONFERENCING_SECRET_KEYS:
        raise ImproperlyConfigured(
            "Set CONFERENCING_SECRET_KEYS before migrating: meeting passwords are moved to it."
        )
    return MultiFernet([Fernet(key) for key in settings.CONFERENCING_SECRET_KEYS])


def _recrypt(apps, decrypt, encrypt):
    Meeting = apps.get_model("meetings", "Meeting")
    meetings = list(Meeting.objects.exclude(password_encrypted="").only("pk", "password_encrypted"))
    changed = []
    for meeting in meetings:
        try:
            clear = decrypt().decrypt(meeting.password_encrypted.encode())
        except InvalidToken:
            continue  # already moved, or from another key: left as it is
        meeting.password_encrypted = encrypt().encrypt(clear).decode()
        changed.append(meeting)
    Meeting.objects.bulk_update(changed, ["password_encrypted"], batch_size=1000)


def forwards(apps, schema_editor):
    _recrypt(apps, _legacy, _keys)


def backwards(apps, schema_editor):
    _recrypt(apps, _keys, _legacy)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0005_meeting_kind_labels")]

    operations = [migrations.RunPython(forwards, backwards)]
