"""Who the portal serves, and on which server: one module per aggregate.

- ``MeetingServer`` (servers.py): a meeting server (backend, address, encrypted
  credentials), configured in the admin, or made from the environment's settings
  (a vendor's).
- ``Customer`` (customers.py): an account on its meeting server, with its time zone
  and the sites allowed to embed its pages; beside it, its publication (what its
  public feeds show): ``publication_changed`` gives it a new version, and readers
  keep what they read of it under ``publication_key``.
- ``Host`` (hosts.py): a person of a customer who signs in and schedules meetings.
- ``Synced`` and ``SyncState`` (synced.py): the sync fields of a record the server
  must mirror (customers here, meetings in ``meetings``).
- validators.py: the checks on a time zone and on the sites allowed to embed.

Import them from here: ``from portal.accounts.models import Customer``.
"""

from portal.accounts.models.customers import (
    Customer,
    publication_changed,
    publication_keep,
    publication_key,
)
from portal.accounts.models.hosts import Host
from portal.accounts.models.servers import MeetingServer, _backend_choices
from portal.accounts.models.synced import Synced, SyncState
from portal.accounts.models.validators import validate_origins, validate_time_zone

__all__ = [
    "Customer",
    "Host",
    "MeetingServer",
    "SyncState",
    "Synced",
    "_backend_choices",  # named by migrations
    "publication_changed",
    "publication_keep",
    "publication_key",
    "validate_origins",
    "validate_time_zone",
]
