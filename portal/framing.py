"""Who may put a page in an iframe.

Every page is unframeable by default (``X_FRAME_OPTIONS = "DENY"``, against
clickjacking). Embed views are the exception: a customer embeds them on its
own site, so they name that customer's origins in CSP ``frame-ancestors``.
X-Frame-Options cannot list origins, and a DENY sent alongside would still
block browsers that honour it over CSP, so the one header replaces the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from django.http import HttpResponseBase

# scheme://host[:port], host possibly "*.example.com": a CSP host-source with
# nothing that could end the directive (";" or ",") or smuggle in a keyword.
_HOST_SOURCE = re.compile(r"https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?\Z")


def frame_ancestors(origins: Iterable[str]) -> str:
    """The CSP directive; origins that are not plain host-sources are dropped, not trusted."""
    return _directive(tuple(origins))


@lru_cache(maxsize=1024)  # embeds are served often, and a customer's origins rarely change
def _directive(origins: tuple[str, ...]) -> str:
    sources = ["'self'"] + [o for o in (o.rstrip("/") for o in origins) if _HOST_SOURCE.match(o)]
    return "frame-ancestors " + " ".join(dict.fromkeys(sources))


def allow_framing_by(response: HttpResponseBase, origins: Iterable[str]) -> HttpResponseBase:
    """Let the portal itself and ``origins`` frame this response, and no one else.

    Also exempts the response from XFrameOptionsMiddleware (what the
    ``xframe_options_exempt`` decorator does), so a view cannot end up
    sending both headers.
    """
    response["Content-Security-Policy"] = frame_ancestors(origins)
    response.xframe_options_exempt = True
    return response
