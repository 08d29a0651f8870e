"""A customer's published meetings: an embeddable HTML page and XML, iCalendar, RSS, JSON feeds.

- ``selection``: what is listed, and the version (the customer's publication
  version) that names the list in ETags and cache keys; kept in Django's cache.
- ``record``: the XML and JSON feeds' record, one serializer (also their OpenAPI schema).
- ``listing``: what every format is given (``Listing``, an ``Entry`` per meeting) and the
  list's addresses (``feed_path``, pages of ``HTML_PAGE_SIZE``).
- ``formats``: one small class per format, registered by extension; ``cors`` says which
  may be read by scripts on other sites.
- ``view``: the one view of every format, with conditional GET.
"""

from meetings.feeds.formats import FORMATS, format_for
from meetings.feeds.listing import DEFAULT_FORMAT, feed_path, join_path
from meetings.feeds.selection import current_snapshot, listed_meeting
from meetings.feeds.view import published_meetings

__all__ = [
    "DEFAULT_FORMAT",
    "FORMATS",
    "current_snapshot",
    "feed_path",
    "format_for",
    "join_path",
    "listed_meeting",
    "published_meetings",
]
