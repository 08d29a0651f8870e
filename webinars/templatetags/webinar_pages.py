"""Tags for the public webinar pages.

``{% webinar_availability webinar as seats %}`` gives a page what it says
before its form (full, waiting list, over) without every view that renders
one having to pass it: the answer comes from ``selectors.public_availability``.
"""

from django import template

from webinars import selectors
from webinars.models import Webinar

register = template.Library()


@register.simple_tag
def webinar_availability(webinar: Webinar) -> dict:
    return selectors.public_availability(webinar)
