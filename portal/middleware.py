"""Middleware of the portal's own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def private_pages(get_response: Callable[[HttpRequest], HttpResponse]):
    """What a signed-in person is shown (start links, meeting passwords, registrants) is
    kept by no cache, shared or the browser's: ``Cache-Control: private, no-store``.

    A view that set its own Cache-Control (a public feed, a file) keeps it.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        user = getattr(request, "user", None)  # set by DRF's token authentication too
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware
