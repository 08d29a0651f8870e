"""The one view of every format: conditional GET, framing and the body cache in one place."""

from __future__ import annotations

import hashlib

from corsheaders.signals import check_request_enabled
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, Paginator
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from meetings.feeds.formats import FeedFormat, format_for
from meetings.feeds.listing import DEFAULT_FORMAT, Listing
from meetings.feeds.selection import Snapshot, current_snapshot, listed_meetings
from portal import i18n
from portal.framing import allow_framing_by

BODY_CACHE_SECONDS = 24 * 3600  # keys change with the data; this only bounds leftovers


@csrf_exempt  # GET and HEAD only: other methods get 405 (with Allow), not CSRF's 403
@require_safe
def published_meetings(
    request: HttpRequest, slug: str, format: str = DEFAULT_FORMAT
) -> HttpResponseBase:
    """Every format of the list, with conditional GET and the body cache in one place.

    ``format`` is an extension (the URL's); the page is the default. A paged format
    (``per_page``, the HTML page) answers ``?page=N`` and names each page in its own ETag;
    a page that is not a whole number from 1 to the last is not found (404), as Django's
    paginated views answer.
    """
    cls = format_for(format)
    if cls is None:
        raise Http404("No such feed format.")
    fmt = cls()
    number = _page_number(request) if fmt.per_page else 1
    snapshot = current_snapshot(slug)
    if snapshot is None:
        raise Http404("No such customer.")
    options = fmt.options(request) if request.META.get("QUERY_STRING") else {}
    if fmt.translated:
        # The visitor's language (or the customer's fixed one) names the variant too.
        language = i18n.activate_for(snapshot.customer)
    else:
        language = settings.LANGUAGE_CODE  # feeds for programs and calendars stay as they are
        translation.activate(language)
    digest = _digest(
        snapshot.version,
        fmt.identifier,
        request.scheme,
        request.get_host(),
        tuple(options.items()),
        language,
        number,
    )
    etag = f'"{digest}"'
    last_modified = snapshot.last_modified

    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        key = f"{slug}:{fmt.identifier}:{digest}"
        try:
            body = _body(fmt, snapshot, request, options, number, key=key)
        except EmptyPage:
            return _page_gone(fmt, snapshot, request, options)
        response = HttpResponse(body, content_type=fmt.content_type)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = "public, no-cache"  # keep a copy, but ask (304) before using it
    if fmt.translated:
        patch_vary_headers(response, ["Accept-Language"])
    if fmt.embeddable:
        allow_framing_by(response, snapshot.customer.allowed_origins)
    return response


def _page_number(request: HttpRequest) -> int:
    """?page=N as a number; 1 without it, or empty. Read before the database is asked:
    every spelling of a page (?page=02) is the one variant, and junk costs no query."""
    try:
        number = int(request.GET.get("page") or "1")
    except ValueError:
        raise Http404("No such page.") from None
    if number < 1:
        raise Http404("No such page.")
    return number


def _digest(version: str, *variant: object) -> str:
    """Names one rendering: a version of the list in one variant (format, host, options, page)."""
    return hashlib.sha256(repr((version, variant)).encode()).hexdigest()[:32]


def _body(
    fmt: FeedFormat,
    snapshot: Snapshot,
    request: HttpRequest,
    options: dict[str, str],
    number: int,
    key: str,
) -> bytes:
    """Rendered once per version and variant; the list is read as of the snapshot's ``now``.

    Themed variants (?accent=, ?compact=) are rendered each time and not kept:
    a visitor can ask for millions of colours. A paged format reads only its page's
    meetings (and their count); past the last page it raises EmptyPage, and nothing is kept.
    """

    def render() -> bytes:
        meetings = listed_meetings(snapshot.customer.pk, snapshot.now)
        page = None
        if fmt.per_page:
            page = Paginator(meetings, fmt.per_page).page(number)  # EmptyPage past the last
            meetings = page.object_list
        return fmt.render(Listing(snapshot.customer, list(meetings), request, options, page))

    if options:
        return render()
    return cache.get_or_set(f"published-meetings:body:{key}", render, BODY_CACHE_SECONDS)


def _page_gone(
    fmt: FeedFormat, snapshot: Snapshot, request: HttpRequest, options: dict[str, str]
) -> HttpResponse:
    """A page past the last: not found (404), but said in the page itself, in the frame it
    was linked from, with the way back to the first page. A link to it was right when it
    was shown: meetings have ended since. Not kept: any number past the last lands here."""
    listing = Listing(snapshot.customer, [], request, options, page_gone=True)
    response = HttpResponse(fmt.render(listing), content_type=fmt.content_type, status=404)
    response["Cache-Control"] = "no-cache"
    if fmt.embeddable:
        allow_framing_by(response, snapshot.customer.allowed_origins)
    return response


@receiver(check_request_enabled, dispatch_uid="published-meetings-cors")
def _cors_by_format(sender, request: HttpRequest, **kwargs: object) -> bool:
    """Scripts on other sites may read a feed whose format says so (``FeedFormat.cors``).

    The one place CORS is decided for the feeds; asked by django-cors-headers on
    every request, so it looks at the path, not the URL resolver.
    """
    head, found, extension = request.path_info.rpartition("/meetings.")
    if not found or not head.startswith("/p/") or "/" in head[3:]:
        return False
    cls = format_for(extension)
    return cls is not None and cls.cors == "*"
