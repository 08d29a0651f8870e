"""User authentication for the meeting server (spec §6, 000's authentication adapter).

The server passes on what a person typed into a TurboMeeting client; the
portal decides, and answers with who the person is, what they may do, and a
per-sign-in URL for their scheduled meetings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import caches
from django.http import HttpRequest

from conferencing.turbomeeting.passwords import PasswordDecodeError, decode_password
from portal.accounts import lockout
from portal.accounts.models import Host, SyncState
from portal.vendors import profile_of
from vendors.turbomeeting.callers import Caller
from vendors.turbomeeting.services import query_token_issue

log = logging.getLogger("vendors.turbomeeting.callbacks")

MAX_EMAIL = 254  # RFC 5321's longest address


@dataclasses.dataclass(frozen=True)
class SignIn:
    status: str  # SUCCEED, FAILED or Deleted
    reason: str = ""
    host: Host | None = None
    query_token: str = ""


def sign_in(*, request: HttpRequest, caller: Caller, email: str, encrypted_password: str) -> SignIn:
    """Decide a sign-in the meeting server passes on.

    The request is the server's: failures count against the account from the
    server's address (portal/accounts/lockout.py), so guesses made elsewhere
    do not lock a host out of the TurboMeeting clients.
    """
    if not email or not encrypted_password:
        return SignIn("FAILED", "Email and password are required.")
    if len(email) > MAX_EMAIL or "\x00" in email + encrypted_password:
        return SignIn("FAILED", "Wrong email or password.")  # no address is like that
    credentials = {"username": email}
    try:
        password = decode_password(
            caller.password_encoding,
            caller.password_key,
            encrypted_password,
            max_age=settings.TM_PASSWORD_TOKEN_MAX_AGE,
        )
    except PasswordDecodeError as exc:
        log.warning("sign-in refused: %s (check the server's password key and the clocks)", exc)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        return SignIn("FAILED", "The password could not be decrypted.")
    if not _first_use(caller, encrypted_password):
        # Not counted as a failure: whoever replays a token copied from somewhere
        # must not be able to lock its owner out with it.
        log.warning("sign-in refused: a password token was sent again")
        return SignIn("FAILED", "This password token has been used already.")

    # Through every configured backend (the guards, the database, LDAP), which
    # also counts a failure; the database backend spends the same time on an
    # unknown email as on a wrong password.
    user = authenticate(request, username=email.lower(), password=password)
    if reason := lockout.refused(request):
        log.warning("sign-in refused: too many failures")
        return SignIn("FAILED", reason)
    if user is None:
        known = (
            Host.objects.select_related("user", "customer")
            .filter(user__email__iexact=email, deleted_at__isnull=False)
            .first()
        )
        # Say "Deleted" only to its owner (a deleted host's account is inactive,
        # so no backend accepts it: its password is checked here).
        if known is not None and known.user.check_password(password):
            return SignIn("Deleted", host=known)
        return SignIn("FAILED", "Wrong email or password.")
    host = Host.objects.select_related("user", "customer").filter(user=user).first()
    if host is None:
        return SignIn("FAILED", "Wrong email or password.")
    if host.is_deleted:
        return SignIn("Deleted", host=host)
    customer = host.customer
    if not caller.serves(customer):
        return SignIn("FAILED", "Your organisation's meetings are on another meeting server.")
    if (
        customer.sync_state != SyncState.SYNCED
        or not profile_of(customer, "turbomeeting").company_uid
    ):
        return SignIn(
            "FAILED", "Your organisation's account is not active on the meeting server yet."
        )
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return SignIn(
        "SUCCEED", host=host, query_token=query_token_issue(host=host, server_id=caller.server_id)
    )


def _first_use(caller: Caller, encrypted_password: str) -> bool:
    """Whether this password token is new: a token is good for one sign-in.

    Remembered (hashed) in the shared ``limits`` cache for as long as it could be
    accepted: its max age, plus the minute ahead of our clock that Fernet allows.
    A plain password is no token: it may come again.
    """
    if caller.password_encoding.strip().lower() == "plain":
        return True
    digest = hashlib.sha256(encrypted_password.encode()).hexdigest()
    lifetime = settings.TM_PASSWORD_TOKEN_MAX_AGE + 60
    return caches[settings.RATELIMIT_USE_CACHE].add(f"tm-password-token:{digest}", 1, lifetime)


def yes_no(value: bool) -> str:
    return "Y" if value else "N"


def reply_fields(host: Host, query_url: str) -> list[tuple[str, str]]:
    """The elements of a successful reply, in the order spec §6 and 000 list them."""
    user, may = host.user, profile_of(host, "turbomeeting")
    return [
        ("CompanyUid", profile_of(host.customer, "turbomeeting").company_uid),
        ("FirstName", user.first_name),
        ("LastName", user.last_name),
        ("UserID", str(host.pk)),
        ("QueryScheduledMeetingURL", query_url),
        ("Phone", host.phone),
        ("IsAdministrator", yes_no(host.is_administrator)),
        ("PrivilegeInteractiveMeeting", yes_no(may.privilege_interactive_meeting)),
        ("PrivilegeSeminar", yes_no(may.privilege_seminar)),
        ("PrivilegeRemoteSupport", yes_no(may.privilege_remote_support)),
        ("PrivilegeRemoteAccess", yes_no(may.privilege_remote_access)),
        ("PrivilegeSendFile", yes_no(may.privilege_send_file)),
        ("PrivilegeChat", yes_no(may.privilege_chat)),
        ("PrivilegeRecord", yes_no(may.privilege_record)),
        ("VideoConference", yes_no(may.video_conference)),
        ("UserGroupName", host.user_group),
    ]
