"""System checks run by `manage.py check --deploy`."""

import ipaddress
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

# The demo values (settings.TM_DEMO_VALUES) that a production portal must not keep.
_NOT_DEMO = ("TM_SERVICE_COMPANY_UID", "TM_INTEGRATION_CODE", "TM_ADMIN_PASSWORD")


@register(Tags.security, deploy=True)
def no_demo_credentials(app_configs, **kwargs) -> list[Error]:
    """The partner ID guards /tm/auth: a well-known one makes it a password oracle."""
    if settings.DEBUG:
        return []
    return [
        Error(
            f"{name} still has the demo value.",
            hint="Set it from the meeting server's settings (see README, 'Settings').",
            id="portal.E001",
        )
        for name in _NOT_DEMO
        if getattr(settings, name) == settings.TM_DEMO_VALUES[name]
    ]


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


@register(Tags.security)
def proxies_are_not_callers(app_configs, **kwargs) -> list[CheckMessage]:
    """A trusted proxy is believed about who its client is; if it may also be a caller of
    /tm/*, anything at that address can claim to be the meeting server (X-Forwarded-For)."""
    proxies, callers = (
        _networks(settings.TRUSTED_PROXIES),
        _networks(settings.TM_CALLBACK_ALLOWED_IPS),
    )
    overlaps = sorted(
        {
            f"{p_entry} and {c_entry}"
            for p_entry, p in proxies
            for c_entry, c in callers
            if p.version == c.version and p.overlaps(c)
        }
    )
    return [
        Error(
            f"TRUSTED_PROXIES overlaps TM_CALLBACK_ALLOWED_IPS ({'; '.join(overlaps)}).",
            hint="List only your reverse proxies in TRUSTED_PROXIES and only the meeting "
            "server in TM_CALLBACK_ALLOWED_IPS (README, 'Deploying on more machines').",
            id="portal.E002",
        )
    ] if overlaps else []  # fmt: skip


# ::ffff:a.b.c.d is the IPv4 address a.b.c.d reaching a dual-stack socket.
_IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")


def _networks(entries) -> list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    """Each entry's network, an IPv4-mapped IPv6 one also as the IPv4 network it maps."""
    networks = []
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            continue  # portal.net logs these where they are used
        networks.append((entry.strip(), network))
        if network.version == 6 and network.overlaps(_IPV4_MAPPED):
            if network.prefixlen < _IPV4_MAPPED.prefixlen:  # holds all of the mapped space
                networks.append((entry.strip(), ipaddress.IPv4Network("0.0.0.0/0")))
            else:
                low = int(network.network_address) & 0xFFFF_FFFF
                mapped = ipaddress.IPv4Network((low, network.prefixlen - 96))
                networks.append((entry.strip(), mapped))
    return networks
