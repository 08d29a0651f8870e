"""The vendors' Django sides, and what the portal may ask of them.

A vendor whose backend needs more of the portal than the contract in
``conferencing.base`` (callbacks the server makes, per-customer or per-host data, pages
of its own) brings a Django app in a package of its own (``vendors/<name>/``), declared
in the entry-point group ``portal.vendors``. The settings install every such app, and
portal/urls.py includes its ``urls`` module (if it has one) at the site root.

Its ``AppConfig`` is a ``VendorApp`` naming the backend it serves; the portal reaches it
only through portal/servers.py, which calls its hooks (each a no-op by default).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util

from django.apps import AppConfig, apps

from conferencing.base import MeetingKind, Participant, Unsupported

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


class VendorHooks:
    """What the portal may ask of a vendor's Django side; every answer a no-op by default.

    Each hook is called for a server of the app's backend only, and only where its
    backend declares the capability the hook serves.
    """

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


def vendor_app(backend: str) -> VendorHooks:
    """The Django side of ``backend``, or the defaults for a vendor without one."""
    for config in apps.get_app_configs():
        if isinstance(config, VendorApp) and config.backend == backend:
            return config
    return VendorHooks()
