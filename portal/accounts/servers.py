"""Writes for meeting servers: the environment's row, saving and deleting one, and
testing its connection. (``portal.accounts.services`` re-exports them.)"""

from __future__ import annotations

import dataclasses
import logging

from django.core.exceptions import ValidationError

from conferencing.base import ConferencingError, CredentialCheck
from portal import servers, vendors
from portal.accounts.models import MeetingServer

log = logging.getLogger(__name__)


def _environment_managed(server: MeetingServer) -> str:
    source = vendors.vendor_app(server.backend).environment_settings
    return (
        f"This server comes from the environment ({source}): change them and run migrate "
        "to change it."
    )


def server_sync_environment() -> MeetingServer | None:
    """Make the server row of the environment's settings, or bring it in step with them.

    Runs on every ``migrate``. Where the settings describe none (a vendor's URL unset,
    say), a row made before stays with its customers, as an ordinary server edited in
    the admin.
    """
    wanted = servers.environment_server()
    row = MeetingServer.objects.filter(from_environment=True).first()
    if wanted is None:
        if row is not None:
            log.warning(
                "the environment describes no server: %s is now edited in the admin", row.name
            )
            row.from_environment = False
            row.save(update_fields=["from_environment"])
        return None
    credentials = {name: value for name, value in wanted.pop("credentials").items() if value}
    row = row or MeetingServer(from_environment=True)
    stored = row.readable_credentials() if row.pk else None
    if stored == credentials and all(getattr(row, k) == v for k, v in wanted.items()):
        return row  # in step: no new publication version for its customers' feeds
    for name, value in wanted.items():
        setattr(row, name, value)
    row.set_credentials(credentials)
    row.full_clean()
    row.save()
    return row


def server_save(
    *, server: MeetingServer, credentials: dict[str, str] | None = None, **fields: str
) -> MeetingServer:
    """Save a meeting server's settings and its backend's credentials (values by field name).

    A credential not given keeps its value, and so does a secret given empty.
    Unless the base URL or the backend changes: the stored secrets were meant for
    the old server, and whoever may change the address must not be able to have
    them sent to an address of their own. They are dropped then, but for those
    given again in the same change (``dropped_secrets`` names the others).

    Clients built from the old settings are not reused: the adapter keys them
    by the record's values.
    """
    if server.from_environment:
        raise ValidationError(_environment_managed(server))
    given = dict(credentials or {})
    columns = {f.name for f in MeetingServer._meta.get_fields()}
    if stray := sorted(set(fields) - columns):  # a credential passed as a column, say
        raise TypeError(f"server_save() takes no {', '.join(stray)}: credentials go in credentials")
    for name, value in fields.items():
        setattr(server, name, value)
    unknown = set(given) - {f.name for f in server.credential_fields}
    if unknown:
        raise ValidationError(
            {name: f"A {server.backend} server takes no {name}." for name in sorted(unknown)}
        )
    merged, server.dropped_secrets = server.credentials_with(given)
    server.set_credentials(merged)
    server.full_clean()
    server.save()
    return server


def server_delete(*, server: MeetingServer) -> None:
    """Delete a server no customer uses; one that still has customers is refused, and so
    is the environment's."""
    if server.from_environment:
        raise ValidationError(_environment_managed(server))
    if server.customers.exists():
        raise ValidationError("Customers still use this server: move or delete them first.")
    server.delete()


@dataclasses.dataclass(frozen=True)
class ConnectionTest:
    ok: bool  # answered, and did not refuse the credentials
    detail: str  # what the server answered, in words
    answered: bool = False
    #: Whether it took the credentials; None where that was not found out (Webex's URL
    #: API has none to check).
    credentials_accepted: bool | None = None


def server_test_connection(*, server: MeetingServer) -> ConnectionTest:
    """Say whether the server answers, and whether it takes the stored credentials, found
    with the call its backend declares for that (``check_credentials``: a token request
    for TrueConf, a login for OpenMeetings, authenticated calls for TurboMeeting).

    Only the backend's own endpoints under the base URL are called, no redirect is
    followed, and every way of not answering reads the same (the log says which):
    staff must not be able to map which ports of which hosts are open.
    """
    try:
        check = servers.server_backend(server).check_credentials()
    except (ValueError, TypeError, LookupError) as exc:
        return ConnectionTest(False, f"These settings cannot be used: {exc}")
    except ConferencingError as exc:
        log.info("connection test of meeting server %s: %s", server.pk, exc)
        check = CredentialCheck(False, None, str(exc))
    if not check.answered:
        log.info("connection test of meeting server %s: %s", server.pk, check.detail)
        return ConnectionTest(
            False, f"No answer from {server.base_url} as a {server.backend} server."
        )
    return ConnectionTest(check.ok, f"{server.base_url}: {check.detail}", True, check.accepted)
