"""Who may put a page in an iframe, and the Content-Security-Policy every page sends.

Every page is unframeable by default (``X_FRAME_OPTIONS = "DENY"`` and CSP
``frame-ancestors 'none'``, against clickjacking) and runs only the portal's
own scripts (``script-src 'self'``; settings.CONTENT_SECURITY_POLICY, sent by
django-csp). Embed views are the exception: a customer embeds them on its own
site, so they name that customer's origins in ``frame-ancestors``.
X-Frame-Options cannot list origins, and a DENY sent alongside would still
block browsers that honour it over CSP, so embeds send CSP alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase

# scheme://host[:port], exactly: a CSP host-source with nothing that could end the
# directive (";" or ",") or smuggle in a keyword, and no wildcard ("https://*.com"
# would let every site under a top-level domain frame the customer's forms).
_ORIGIN = re.compile(r"https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?\Z")
#: How many origins a customer may list: enough for its sites, and a header of sane size.
MAX_ORIGINS = 20


def is_exact_origin(origin: str) -> bool:
    return bool(_ORIGIN.match(origin))


def ancestor_sources(origins: Iterable[str]) -> tuple[str, ...]:
    """'self' and the first MAX_ORIGINS of ``origins``; any that is not an exact origin is
    dropped, not trusted (lists saved before the rules were this strict)."""
    return _sources(tuple(origins))


@lru_cache(maxsize=1024)  # embeds are served often, and a customer's origins rarely change
def _sources(origins: tuple[str, ...]) -> tuple[str, ...]:
    exact = dict.fromkeys(o for o in (o.rstrip("/") for o in origins) if is_exact_origin(o))
    return ("'self'", *list(exact)[:MAX_ORIGINS])


def frame_ancestors(origins: Iterable[str]) -> str:
    """The CSP directive, as it appears in the header."""
    return "frame-ancestors " + " ".join(ancestor_sources(origins))


def allow_framing_by(response: HttpResponseBase, origins: Iterable[str]) -> HttpResponseBase:
    """Let the portal itself and ``origins`` frame this response, and no one else.

    Also exempts the response from XFrameOptionsMiddleware (what the
    ``xframe_options_exempt`` decorator does), so a view cannot end up
    sending both headers.
    """
    response.csp_frame_ancestors = ancestor_sources(origins)
    response.xframe_options_exempt = True
    return response


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the per-customer ``frame-ancestors`` of embeds
    (its documented extension point: ``get_policy_parts``)."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        sources = getattr(response, "csp_frame_ancestors", None)
        if sources is not None and not report_only:
            parts.replace = (parts.replace or {}) | {"frame-ancestors": list(sources)}
        return parts
