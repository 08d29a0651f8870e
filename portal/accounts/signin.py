"""User authentication for the meeting server (spec §6, 000's authentication adapter).

The server passes on what a person typed into a TurboMeeting client; the
portal decides, and answers with who the person is, what they may do, and a
per-sign-in URL for their scheduled meetings.
"""

from __future__ import annotations

import dataclasses
import logging

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import F

from conferencing.turbomeeting.passwords import PasswordDecodeError, decode_password
from portal.accounts import lockout
from portal.accounts.models import Host, SyncState
from portal.accounts.services import query_token_issue

log = logging.getLogger("portal.callbacks")


@dataclasses.dataclass(frozen=True)
class SignIn:
    status: str  # SUCCEED, FAILED or Deleted
    reason: str = ""
    host: Host | None = None
    query_token: str = ""


def sign_in(*, email: str, encrypted_password: str) -> SignIn:
    if not email or not encrypted_password:
        return SignIn("FAILED", "Email and password are required.")
    if lockout.is_locked(email):
        log.warning("sign-in refused: too many failures for one account")
        return SignIn("FAILED", "Too many failed sign-ins. Try again later.")

    try:
        password = decode_password(
            settings.TM_PASSWORD_ENCODING, settings.TM_PASSWORD_KEY, encrypted_password
        )
    except PasswordDecodeError:
        log.warning("sign-in refused: the password could not be decrypted (check TM_PASSWORD_KEY)")
        lockout.record_failure(email)
        return SignIn("FAILED", "The password could not be decrypted.")

    known = (
        Host.objects.select_related("user", "customer")
        .filter(user__email__iexact=email)
        .order_by(F("deleted_at").asc(nulls_first=True))  # a live host wins over a tombstone
        .first()
    )
    if known is not None and known.is_deleted:
        if not known.user.check_password(password):  # say "Deleted" only to its owner
            lockout.record_failure(email)
            return SignIn("FAILED", "Wrong email or password.")
        return SignIn("Deleted", host=known)
    # Through every configured backend (lockout, the database, LDAP), which
    # also counts a failure; the database backend spends the same time on an
    # unknown email as on a wrong password.
    user = authenticate(None, username=email.lower(), password=password)
    host = (
        Host.objects.select_related("user", "customer").filter(user=user).first() if user else None
    )
    if host is None or host.is_deleted:
        return SignIn("FAILED", "Wrong email or password.")
    customer = host.customer
    if customer.sync_state != SyncState.SYNCED or not customer.company_uid:
        return SignIn(
            "FAILED", "Your organisation's account is not active on the meeting server yet."
        )
    lockout.reset(email)
    return SignIn("SUCCEED", host=host, query_token=query_token_issue(host=host))


def yes_no(value: bool) -> str:
    return "Y" if value else "N"


def reply_fields(host: Host, query_url: str) -> list[tuple[str, str]]:
    """The elements of a successful reply, in the order spec §6 and 000 list them."""
    user = host.user
    return [
        ("CompanyUid", host.customer.company_uid),
        ("FirstName", user.first_name),
        ("LastName", user.last_name),
        ("UserID", str(host.pk)),
        ("QueryScheduledMeetingURL", query_url),
        ("Phone", host.phone),
        ("IsAdministrator", yes_no(host.is_administrator)),
        ("PrivilegeInteractiveMeeting", yes_no(host.privilege_interactive_meeting)),
        ("PrivilegeSeminar", yes_no(host.privilege_seminar)),
        ("PrivilegeRemoteSupport", yes_no(host.privilege_remote_support)),
        ("PrivilegeRemoteAccess", yes_no(host.privilege_remote_access)),
        ("PrivilegeSendFile", yes_no(host.privilege_send_file)),
        ("PrivilegeChat", yes_no(host.privilege_chat)),
        ("PrivilegeRecord", yes_no(host.privilege_record)),
        ("VideoConference", yes_no(host.video_conference)),
        ("UserGroupName", host.user_group),
    ]
