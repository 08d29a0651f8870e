"""Which language a public page, embed, mail or calendar file speaks.

LocaleMiddleware picks one of settings.LANGUAGES from the visitor's browser
(Accept-Language); a customer who set ``Customer.language`` fixes it for all
of its public pages. Mails use the language the registrant registered in.
The dashboard and the API stay English (their strings are not marked): see
``english_only_pages``.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def supported(code: str | None) -> str:
    """``code`` when it is one of settings.LANGUAGES (or a variant of one), else ""."""
    if not code:
        return ""
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return ""


def activate_for(customer) -> str:
    """The customer's fixed language, when it has one; else LocaleMiddleware's choice stands.

    Returns the language now active."""
    language = supported(getattr(customer, "language", ""))
    if language:
        translation.activate(language)
    return translation.get_language() or settings.LANGUAGE_CODE


def current() -> str:
    """The active language when it is a supported one, else "" (the default)."""
    return supported(translation.get_language())


def override_for(language: str):
    """Render in ``language`` (e.g. a registration's); the default language when unset."""
    return translation.override(supported(language) or settings.LANGUAGE_CODE)


#: Pages whose strings are not marked for translation: Django's own texts on them
#: (form errors, dates) must not switch language under the page's English.
ENGLISH_ONLY = ("/dashboard/", "/api/")


def english_only_pages(get_response):
    """Middleware, after LocaleMiddleware: the dashboard and the API stay English."""

    def middleware(request):
        if request.path.startswith(ENGLISH_ONLY):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return get_response(request)

    return middleware
