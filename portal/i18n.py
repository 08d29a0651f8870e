"""Which language a public page, embed, mail or calendar file speaks.

LocaleMiddleware picks one of settings.LANGUAGES from the visitor's browser
(Accept-Language); a customer who set ``Customer.language`` fixes it for all
of its public pages. Mails use the language the registrant registered in.
The dashboard follows the browser too, unless the host chose a language
(``Host.language``); the API and the admin stay English: see ``page_language``.
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
#: (form and API errors, dates) must not switch language under the page's English.
ENGLISH_ONLY = ("/api/", "/admin/")

#: The dashboard (sign-in pages included): in the host's chosen language, if any.
HOST_PAGES = ("/dashboard/",)


def page_language(get_response):
    """Middleware, after LocaleMiddleware and AuthenticationMiddleware.

    The API and the admin stay English. On the dashboard, a signed-in host who chose
    a language (``Host.language``) gets it; else LocaleMiddleware's choice (the
    browser's) stands."""

    def middleware(request):
        language = ""
        if request.path.startswith(ENGLISH_ONLY):
            language = settings.LANGUAGE_CODE
        elif request.path.startswith(HOST_PAGES) and request.user.is_authenticated:
            host = getattr(request.user, "host", None)
            language = supported(host.language) if host is not None else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return get_response(request)

    return middleware
