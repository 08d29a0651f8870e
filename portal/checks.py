"""System checks run by `manage.py check --deploy`."""

import ipaddress

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

# What `make run` and the fake server use; a production portal must not.
DEMO_VALUES = {
    "TM_SERVICE_COMPANY_UID": "demo-partner",
    "TM_INTEGRATION_CODE": "demo-integration",
    "TM_ADMIN_PASSWORD": "admin-password",
}


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
        for name, value in DEMO_VALUES.items()
        if getattr(settings, name) == value
    ]


@register(Tags.security, deploy=True)
def callback_passwords_encrypted(app_configs, **kwargs) -> list[CheckMessage]:
    """/tm/auth receives passwords in a query string: in clear with ``plain``."""
    if settings.DEBUG:
        return []
    encoding = settings.TM_PASSWORD_ENCODING.strip().lower()
    if encoding == "plain":
        return [
            Warning(
                "TM_PASSWORD_ENCODING is plain: the meeting server sends passwords to /tm/auth "
                "in clear.",
                hint="Agree an encryption with the server's vendor and set TM_PASSWORD_ENCODING "
                "and TM_PASSWORD_KEY (README, 'Pointing it at a real TurboMeeting server').",
                id="portal.W002",
            )
        ]
    if not settings.TM_PASSWORD_KEY:
        return [
            Error(
                f"TM_PASSWORD_KEY is empty, so no password sent to /tm/auth can be decrypted "
                f"({encoding}).",
                hint="Set TM_PASSWORD_KEY to the key shared with the meeting server.",
                id="portal.E003",
            )
        ]
    return []


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
