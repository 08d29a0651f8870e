"""Text shown to people: Markdown from hosts made safe, and times in the customer's zone."""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

from meetings.timespan import timespan

if TYPE_CHECKING:
    from webinars.models import Webinar

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h2", "h3", "h4", "h5", "h6", "table", "thead",
    "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML, then through nh3: raw HTML in the source survives only if harmless.

    Markdown itself passes raw HTML through, so the sanitiser, not the
    Markdown converter, is what makes the result safe: no scripts, no event
    handlers, no ``javascript:`` links, no images (no tracking pixels in mail
    or on customers' pages). Links open with rel="noopener noreferrer nofollow".
    """
    html = markdown.markdown(text or "", extensions=["sane_lists", "tables"], output_format="html")
    # The page's title is its only <h1>: a "# heading" in the text becomes an <h2>.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308  (sanitised by nh3 just above)


def when(webinar: Webinar) -> str:
    """E.g. "Tuesday, 14 October 2031, 15:00–16:00 (Europe/Berlin)", in the customer's zone
    and the active language (``meetings.timespan``)."""
    zone_name = webinar.customer.time_zone
    zone = zoneinfo.ZoneInfo(zone_name)
    span = timespan(webinar.starts_at, webinar.ends_at, zone, zone_name=False, long=True)
    return f"{span} ({zone_name})"
