"""System checks run by `manage.py check --deploy`."""

import ipaddress
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register

# Mail backends that EMAIL_URL's default and test schemes choose: a person never gets it.
_MAIL_GOES_TO = {
    "django.core.mail.backends.console.EmailBackend": "the log",
    "django.core.mail.backends.filebased.EmailBackend": "files on this machine",
    "django.core.mail.backends.locmem.EmailBackend": "memory",
    "django.core.mail.backends.dummy.EmailBackend": "nowhere",
}


@register(Tags.security, deploy=True)
def mail_and_links_reach_people(app_configs, **kwargs) -> list[Error]:
    """Join links and password resets go by mail, with SITE_URL in front: both must be real."""
    if settings.DEBUG:
        return []
    errors = []
    where = _MAIL_GOES_TO.get(settings.EMAIL_BACKEND)
    if where:
        errors.append(
            Error(
                f"EMAIL_URL is not set to a mail server: mail (join links, password resets) "
                f"would go to {where}.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@mail.example.com:587.",
                id="portal.E007",
            )
        )
    if _is_local(urlsplit(settings.SITE_URL).hostname or ""):
        errors.append(
            Error(
                f"SITE_URL is {settings.SITE_URL!r}: links in mail and calendars would lead "
                "to the reader's own computer.",
                hint="Set SITE_URL to the portal's public address, e.g. https://portal.example.com.",
                id="portal.E008",
            )
        )
    return errors


def _is_local(host: str) -> bool:
    host = host.rstrip(".").lower()
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@register(Tags.security, deploy=True)
def server_secrets_key(app_configs, **kwargs) -> list[Error]:
    """Meeting-server credentials and meeting passwords are stored encrypted with keys of
    their own."""
    for key in settings.CONFERENCING_SECRET_KEYS:
        try:
            Fernet(key)
        except ValueError:
            return [
                Error(
                    "CONFERENCING_SECRET_KEYS holds a value that is not a Fernet key.",
                    hint="Each key is 32 url-safe base64-encoded bytes: Fernet.generate_key().",
                    id="portal.E005",
                )
            ]
    if settings.CONFERENCING_SECRET_KEYS:
        return []
    return [
        Error(
            "CONFERENCING_SECRET_KEYS is empty: no meeting-server credentials or meeting "
            "passwords can be stored.",
            hint="Set it to one or more Fernet keys, newest first (README, 'Settings').",
            id="portal.E004",
        )
    ]
