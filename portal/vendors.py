"""The vendors' Django sides, and what the portal may ask of them.

A vendor whose backend needs more of the portal than the contract in
``conferencing.base`` (callbacks the server makes, per-customer or per-host data, pages
of its own) brings a Django app in a package of its own (``vendors/<name>/``), declared
in the entry-point group ``portal.vendors``. The settings install every such app, and
portal/urls.py includes its ``urls`` module (if it has one) at the site root.

Its ``AppConfig`` is a ``VendorApp`` naming the backend it serves. The portal never
imports it: it calls its hooks (each a no-op by default) through portal/servers.py, for
a customer's server, and through this module. A vendor's data per customer or per host
(``customer_profile``, ``host_profile``) is a model of its own, one row per customer or
host (``OneToOneField`` named ``customer`` or ``host``), edited in the admin beside the
customer or host and in the API as an object under the app's label. A customer or host
without a row has the model's defaults.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig, apps
from django.db import models
from django.http import HttpRequest

from conferencing.base import Account, MeetingKind, Participant, Unsupported

if TYPE_CHECKING:
    from portal.accounts.models import Customer, MeetingServer

ENTRY_POINTS = "portal.vendors"


def vendor_modules() -> list[str]:
    """The installed vendors' Django apps, by module (for INSTALLED_APPS)."""
    return sorted(ep.value for ep in importlib.metadata.entry_points(group=ENTRY_POINTS))


def vendor_urlconfs() -> list[str]:
    """The vendors' ``urls`` modules, for those that have one."""
    return [
        f"{module}.urls"
        for module in vendor_modules()
        if importlib.util.find_spec(f"{module}.urls") is not None
    ]


@functools.cache
def declared(name: str) -> tuple[str, ...]:
    """What the vendors' packages declare under ``name`` (module constants of their
    ``__init__``, read without Django set up, as gunicorn's logger must):

    - ``SECRET_SETTINGS``: prefixes of settings that error reports hide;
    - ``SECRET_QUERY_PATHS``: path prefixes whose query strings logs never keep (a
      server passes passwords in them);
    - ``TOKEN_PATHS``: regular expressions of path prefixes whose next segment is a
      secret, masked in logs.
    """
    found: list[str] = []
    for module in vendor_modules():
        found += getattr(importlib.import_module(module), name, ())
    return tuple(found)


class VendorHooks:
    """What the portal may ask of a vendor's Django side; every answer a no-op by default.

    A hook about a customer or server is called for one of the app's backend only, and
    where it names a capability, only if that backend declares it.
    """

    def account(self, customer: Customer) -> Account:
        """ACCOUNTS: the customer's account as the portal wants it on the server."""
        return Account(
            company_name=customer.name,
            email=customer.contact_email,
            meeting_rooms=1,
            participants_per_room=1,
            account_id=self.account_id(customer),
        )

    def account_id(self, customer: Customer) -> str:
        """ACCOUNTS: the ID the server gave the customer's account; "" before it has one."""
        return ""

    def account_id_save(self, customer: Customer, account_id: str) -> None:
        """ACCOUNTS: keep the ID the server gave the customer's account (or a person found
        there); ValidationError when another customer has it."""
        raise Unsupported("this meeting server's vendor keeps no account IDs")

    def credential_problems(self, values: Mapping[str, str]) -> dict[str, str]:
        """What is wrong with a server's credential values beyond a missing required one or
        a value outside a field's choices: field name -> what to tell the person."""
        return {}

    def server_callbacks(self, server: MeetingServer) -> list[tuple[str, str]]:
        """What a configured server of its backend calls the portal at, for its admin page:
        (what it is, the URL to enter in the server's console)."""
        return []

    #: Where the environment's server of this vendor is set, in words for the admin.
    environment_settings = "its settings"

    def environment_server(self) -> dict[str, Any] | None:
        """The server row the environment's settings describe for this vendor, as
        ``server_save`` takes it (name, backend, base_url, time_zone and its
        ``credentials``); ``migrate`` keeps it in step (``server_sync_environment``).
        None where they describe none."""
        return None

    def is_server_address(self, request: HttpRequest) -> bool:
        """Whether the request comes from an address its meeting servers call from (a
        sign-in there stands for every user of the server: portal/accounts/lockout.py)."""
        return False

    def command_file(
        self,
        *,
        base_url: str,
        host: bool,
        meeting_id: str,
        kind: MeetingKind,
        who: Participant,
        password: str = "",
    ) -> bytes:
        """COMMAND_FILE: the desktop launcher file that starts (``host``) or joins a meeting."""
        raise Unsupported("this meeting server has no command files")

    def web_viewer_url(
        self, *, base_url: str, meeting_id: str, who: Participant, password: str
    ) -> str:
        """WEB_VIEWER: the URL of the browser viewer of a meeting."""
        raise Unsupported("this meeting server has no web viewer")


class VendorApp(VendorHooks, AppConfig):
    """A vendor's Django app: ``backend`` names the backend it serves.

    Its subclass in the vendor's apps.py says ``default = True``: Django then takes it
    rather than this base class, which that module imports too.
    """

    default = False
    backend: str = ""
    #: ``"Model"`` of this app: its data per customer (host); empty for none.
    customer_profile: str = ""
    host_profile: str = ""
    #: What `make run`'s demo customer on a server of its backend has in its profile.
    demo_customer: Mapping[str, Any] = {}  # noqa: RUF012  (read, never changed)


def vendor_app(backend: str) -> VendorHooks:
    """The Django side of ``backend``, or the defaults for a vendor without one."""
    for config in apps.get_app_configs():
        if isinstance(config, VendorApp) and config.backend == backend:
            return config
    return VendorHooks()


# --- the vendors' data per customer and per host --------------------------------------


def vendor_apps() -> list[VendorApp]:
    return [config for config in apps.get_app_configs() if isinstance(config, VendorApp)]


def profile_models(owner: str) -> dict[str, type[models.Model]]:
    """The profile models of every vendor app, by app label, for ``owner`` "customer"
    or "host"."""
    found = {}
    for app in vendor_apps():
        if name := getattr(app, f"{owner}_profile"):
            found[app.label] = app.get_model(name)
    return found


def from_a_meeting_server(request: HttpRequest) -> bool:
    """Whether any vendor's meeting server calls from the request's address."""
    return any(app.is_server_address(request) for app in vendor_apps())


def demo_values(backend: str) -> dict[str, dict[str, Any]]:
    """The demo customer's data for the vendor of ``backend``, under its label: keywords
    of ``customer_create``."""
    app = vendor_app(backend)
    if isinstance(app, VendorApp) and app.demo_customer:
        return {app.label: dict(app.demo_customer)}
    return {}


def profile_of(obj: models.Model, label: str) -> models.Model:
    """The vendor's row for a customer or host: the stored one, or the defaults unsaved."""
    owner = obj._meta.model_name
    model = profile_models(owner)[label]
    found = model.objects.filter(**{owner: obj}).first() if obj.pk else None
    return found or model(**{owner: obj})


def profile_save(obj: models.Model, label: str, values: Mapping[str, Any]) -> models.Model:
    """Change the vendor's values of a saved customer or host; ValidationError names the
    field in question."""
    profile = profile_of(obj, label)
    for name, value in values.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    return profile


def profile_fields(model: type[models.Model]) -> list[str]:
    """A profile's fields but its key and its owner (those not ``editable`` are only shown)."""
    return [
        f.name
        for f in model._meta.get_fields()
        if f.concrete and not f.primary_key and not f.one_to_one
    ]
