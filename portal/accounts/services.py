"""Writes for customers and hosts; the only code that mirrors them on the server.

The meeting servers' writes live in ``portal.accounts.servers``; callers import them from
here too (``services.server_save``).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from conferencing.base import (
    Account,
    Capability,
    ConferencingError,
    OutcomeUnknown,
    ServerRefused,
)
from portal import servers, sync, vendors
from portal.accounts.models import Customer, Host, MeetingServer, SyncState
from portal.accounts.servers import (
    ConnectionTest,
    server_delete,
    server_save,
    server_sync_environment,
    server_test_connection,
)

log = logging.getLogger(__name__)

User = get_user_model()

CUSTOMER_FIELDS = (
    "name",
    "slug",
    "contact_email",
    "time_zone",
    "embed_origins",
    "server",
    "early_polling_minutes",
    "language",
)


# --- customers -----------------------------------------------------------------


def customer_create(
    *,
    name: str,
    contact_email: str,
    time_zone: str = "UTC",
    slug: str = "",
    embed_origins: str = "",
    server: MeetingServer | None = None,
    early_polling_minutes: int | None = None,
    language: str = "",
    **vendor_values: dict[str, Any],
) -> Customer:
    """Save the customer, then create its account on the server once the save commits.

    ``server`` is the meeting server its meetings live on; None: the environment's
    (``environment_server``), and a customer must be given one where there is none.
    ``vendor_values``: a vendor's data of the customer, under its label (portal/vendors.py).
    """
    profiles = _vendor_values("customer", vendor_values)
    if vendor_values:
        raise TypeError(f"unknown fields: {', '.join(sorted(vendor_values))}")
    server = server or MeetingServer.objects.filter(from_environment=True).first()
    if server is None:
        raise ValidationError(
            {"server": "Choose its meeting server: the environment configures none."}
        )
    customer = Customer(
        server=server,
        early_polling_minutes=early_polling_minutes,
        language=language,
        name=name,
        slug=slug or _free_slug(name),
        contact_email=contact_email,
        time_zone=time_zone,
        embed_origins=embed_origins,
    )
    customer.full_clean()
    sync.mark_pending(customer)
    with transaction.atomic():
        customer.save()
        for label, values in profiles.items():
            vendors.profile_save(customer, label, values)
    _queue_push(customer)
    return customer


def customer_update(*, customer: Customer, **changes: Any) -> Customer:
    """Change the customer (and a vendor's data of it, under its label); the server follows."""
    profiles = _vendor_values("customer", changes)
    unknown = set(changes) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"cannot update {', '.join(sorted(unknown))}")
    if "server" in changes and _moves_with_things_on_its_server(customer, changes["server"]):
        raise ValidationError(
            {
                "server": "This customer has an account or meetings on its meeting server; "
                "moving it to another would leave them behind. Create a new customer on the "
                "other server instead."
            }
        )
    for name, value in changes.items():
        setattr(customer, name, value)
    customer.full_clean()
    with transaction.atomic():
        for label, values in profiles.items():
            vendors.profile_save(customer, label, values)
        sync.save_change(customer, changes)
    _queue_push(customer)
    return customer


def _moves_with_things_on_its_server(customer: Customer, server) -> bool:
    """Whether ``server`` differs from the stored one while the customer has an account or
    meetings there (read from the database: a form may have set the field already)."""
    stored = Customer.objects.filter(pk=customer.pk).values_list("server_id", flat=True).first()
    if stored == (server.pk if server is not None else None):
        return False
    return (
        bool(servers.account_id(customer))
        or customer.meetings.exclude(server_meeting_id="").exists()
    )


def customer_delete(*, customer: Customer) -> Customer:
    """Mark the customer deleted; its hosts are refused at once, the server follows."""
    now = timezone.now()
    customer.deleted_at = now
    sync.save_change(customer, ["deleted_at"])
    customer.hosts.filter(deleted_at__isnull=True).update(deleted_at=now)
    User.objects.filter(host__customer=customer).update(is_active=False)
    _queue_push(customer)
    return customer


def customer_push(*, customer_id: int) -> Customer | None:
    """Bring the server in step with one customer (create, update or delete).

    Idempotent: the server's account ID is saved the moment it is known, so a
    repeated push updates rather than creating a second account.
    """
    customer = sync.claim(Customer, customer_id)
    if customer is None:
        return None
    return sync.push(customer, _push_customer)


def _push_customer(customer: Customer) -> None:
    backend = servers.backend(customer)
    if Capability.ACCOUNTS not in backend.capabilities:
        return  # the server keeps no customer accounts: nothing to mirror
    known = servers.account_id(customer)
    if customer.is_deleted:
        if known:
            try:
                backend.delete_account(known)
            except ServerRefused:
                if _account_exists(customer, known):
                    raise  # a real refusal, not "already gone"
        return
    account = servers.account(customer)
    if not known:
        try:
            created = backend.create_account(account)
        except OutcomeUnknown as exc:
            # The spec has no look-up by name: creating again could make a second account.
            raise sync.NeedsAttention(
                f"The meeting server was asked to create this account, but its answer was "
                f"lost ({exc}), so it may exist there already. Look on the server: if it is "
                f"there, enter its account ID; if not, create it again."
            ) from exc
        servers.account_id_save(customer, created)
    else:
        backend.update_account(account)


def customer_resolve(*, customer: Customer, account_id: str = "") -> Customer:
    """Settle a customer whose creation on the server is in doubt (see ``_push_customer``).

    With ``account_id`` the account exists on the server under that ID and
    is brought in step with ours; without it, it is created again.
    """
    if customer.sync_state != SyncState.ATTENTION:
        raise ValidationError("This customer does not need attention.")
    account_id = account_id.strip()
    with transaction.atomic():
        if account_id:
            servers.account_id_save(customer, account_id)  # ValidationError: someone else's
        sync.resolve(customer)
    _queue_push(customer)
    return customer


def _account_exists(customer: Customer, account_id: str) -> bool:
    try:
        servers.backend(customer).query_account(account_id)
    except ServerRefused:
        return False
    return True


def customers_push_due() -> int:
    """Push every customer whose next attempt is due; the number pushed."""
    ids = sync.due(Customer)
    for pk in ids:
        customer_push(customer_id=pk)
    return len(ids)


@dataclasses.dataclass(frozen=True)
class Drift:
    """The server's view of a customer beside ours."""

    server: Account | None
    differences: dict[str, tuple[Any, Any]]  # field -> (ours, the server's)
    error: str = ""

    @property
    def in_step(self) -> bool:
        return self.server is not None and not self.differences


def customer_drift(*, customer: Customer) -> Drift:
    """Ask the server what it holds for this customer and compare."""
    if Capability.ACCOUNTS not in servers.capabilities(customer):
        return Drift(None, {}, "This meeting server keeps no customer accounts.")
    known = servers.account_id(customer)
    if not known:
        return Drift(None, {}, "The customer has no account on the server yet.")
    try:
        theirs = servers.backend(customer).query_account(known)
    except ConferencingError as exc:
        return Drift(None, {}, sync.describe(exc))
    ours = servers.account(customer)
    differences = {
        f.name: (getattr(ours, f.name), getattr(theirs, f.name))
        for f in dataclasses.fields(Account)
        if f.name != "account_id" and getattr(ours, f.name) != getattr(theirs, f.name)
    }
    return Drift(theirs, differences)


def _queue_push(customer: Customer) -> None:
    sync.queue_push("portal.accounts.tasks.customer_push", customer.pk)


def _free_slug(name: str) -> str:
    base = slugify(name)[:40] or "customer"
    slug, n = base, 1
    while Customer.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- hosts ---------------------------------------------------------------------


def host_create(
    *,
    customer: Customer,
    email: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    **details: Any,
) -> Host:
    """A host signs in to the dashboard and, where its vendor has a sign-in, to the meeting
    server. ``details`` may hold a vendor's values under its label (portal/vendors.py)."""
    profiles = _vendor_values("host", details)
    email = User.objects.normalize_email(email).strip()
    with transaction.atomic():
        user = User(username=email.lower(), email=email, first_name=first_name, last_name=last_name)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        # The username is the email: Django's username rules are narrower than an
        # address's ("a&b@example.com"), so the email field is what is checked.
        user.full_clean(exclude=["username"])
        if User.objects.filter(username=user.username).exists():
            raise ValidationError({"email": "Someone with this email address exists already."})
        user.save()
        host = Host(user=user, customer=customer, **details)
        host.full_clean()
        host.save()
        for label, values in profiles.items():
            vendors.profile_save(host, label, values)
    return host


def host_update(*, host: Host, password: str | None = None, **changes: Any) -> Host:
    user_fields = {"email", "first_name", "last_name"}
    profiles = _vendor_values("host", changes)
    with transaction.atomic():
        for name, value in changes.items():
            setattr(host.user if name in user_fields else host, name, value)
        if "email" in changes:
            host.user.username = host.user.email.lower()
        if password:
            host.user.set_password(password)
        host.full_clean()  # first: it refuses a staff account (Host.clean)
        host.user.full_clean()
        host.user.save()
        host.save()
        for label, values in profiles.items():
            vendors.profile_save(host, label, values)
    return host


def _vendor_values(owner: str, fields: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Take the vendors' values (``{label: {field: value}}``) out of a service's fields."""
    return {label: fields.pop(label) for label in vendors.profile_models(owner) if label in fields}


def host_delete(*, host: Host) -> Host:
    """Keep a tombstone: the server is told "Deleted" the next time the host signs in."""
    host.deleted_at = timezone.now()
    host.save(update_fields=["deleted_at"])
    host.user.is_active = False
    host.user.save(update_fields=["is_active"])
    return host


__all__ = [
    "CUSTOMER_FIELDS",
    "ConnectionTest",
    "Drift",
    "customer_create",
    "customer_delete",
    "customer_drift",
    "customer_push",
    "customer_resolve",
    "customer_update",
    "customers_push_due",
    "host_create",
    "host_delete",
    "host_update",
    "server_delete",
    "server_save",
    "server_sync_environment",
    "server_test_connection",
]
