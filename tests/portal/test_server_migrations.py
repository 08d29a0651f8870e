"""The migrations that reshape meeting servers carry what a deployment holds, both ways."""

from __future__ import annotations

import pytest

from portal import crypto
from tests.migrations import migrate_to

pytestmark = pytest.mark.django_db(transaction=True)

COLUMNS = ("accounts", "0009_meetingserver")
ONE_VALUE = ("accounts", "0010_meetingserver_credentials")


OLD_ROWS = {
    "TM": {
        "backend": "turbomeeting",
        "columns": {"partner_id": "partner-7", "admin_user": "root@tm.example", "client_id": ""},
        "secrets": {"integration_code": "code-7", "admin_password": "tm-pass"},
    },
    "TC": {
        "backend": "trueconf",
        "columns": {"client_id": "portal", "admin_user": "", "partner_id": ""},
        "secrets": {"client_secret": "tc-secret"},
    },
    "OM": {
        "backend": "openmeetings",
        "columns": {"admin_user": "soapuser", "client_id": "", "partner_id": ""},
        "secrets": {"admin_password": "om-pass"},
    },
    "WX": {"backend": "webex", "columns": {}, "secrets": {}},
}


def test_credentials_move_into_one_encrypted_value_and_back(migrated_back):
    old = migrate_to(COLUMNS)
    old.get_model("accounts", "MeetingServer").objects.all().delete()  # the environment's
    for name, row in OLD_ROWS.items():
        old.get_model("accounts", "MeetingServer").objects.create(
            name=name,
            backend=row["backend"],
            base_url=f"https://{name.lower()}.example",
            secrets_encrypted=crypto.encrypt_secrets(row["secrets"]),
            **row["columns"],
        )

    new = migrate_to(ONE_VALUE)
    carried = {
        server.name: crypto.decrypt_secrets(server.credentials_encrypted)
        for server in new.get_model("accounts", "MeetingServer").objects.all()
    }
    assert carried == {
        "TM": {
            "service_company_uid": "partner-7",
            "integration_code": "code-7",
            "admin_email": "root@tm.example",
            "admin_password": "tm-pass",
        },
        "TC": {"client_id": "portal", "client_secret": "tc-secret"},
        "OM": {"admin_user": "soapuser", "admin_password": "om-pass"},
        "WX": {},
    }
    assert "partner-7" not in str(
        new.get_model("accounts", "MeetingServer").objects.values_list("credentials_encrypted")
    )

    back = migrate_to(COLUMNS)
    for server in back.get_model("accounts", "MeetingServer").objects.all():
        row = OLD_ROWS[server.name]
        assert crypto.decrypt_secrets(server.secrets_encrypted) == row["secrets"], server.name
        for column, value in row["columns"].items():
            assert getattr(server, column) == value, (server.name, column)
