"""Whether a host's meeting server can hold webinars, for the pages that offer them."""

from django import template

from conferencing.base import MeetingKind
from portal import servers

register = template.Library()


@register.filter
def holds_webinars(host) -> bool:
    """True for a host whose customer's server holds webinars; True when there is no host
    (staff pages), so nothing is hidden from them."""
    if host is None or getattr(host, "customer", None) is None:
        return True
    return MeetingKind.WEBINAR in servers.kinds(host.customer)
