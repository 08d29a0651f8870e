"""System checks of the environment's TurboMeeting server (the TM_* settings): its
identity, the passwords it sends to /tm/auth, and the addresses it calls from."""

import ipaddress
import os
from collections.abc import Sequence

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from conferencing.turbomeeting.passwords import CODECS


@register(Tags.security)
def password_encoding_known(app_configs, **kwargs) -> list[Error]:
    """An encoding the portal cannot decode refuses every sign-in through /tm/auth."""
    if settings.TM_PASSWORD_ENCODING.strip().lower() in CODECS:
        return []
    return [
        Error(
            f"TM_PASSWORD_ENCODING is {settings.TM_PASSWORD_ENCODING!r}, which the portal "
            "cannot decode.",
            hint=f"Set it to one of: {', '.join(sorted(CODECS))}.",
            id="portal.E006",
        )
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


@register(Tags.security)
def proxies_are_not_callers(app_configs, **kwargs) -> list[CheckMessage]:
    """A trusted proxy is believed about who its client is; if it may also be a caller of
    /tm/*, anything at that address can claim to be the meeting server (X-Forwarded-For)."""
    overlaps = proxy_overlaps(settings.TM_CALLBACK_ALLOWED_IPS)
    return [
        Error(
            f"TRUSTED_PROXIES overlaps TM_CALLBACK_ALLOWED_IPS ({'; '.join(overlaps)}).",
            hint="List only your reverse proxies in TRUSTED_PROXIES and only the meeting "
            "server in TM_CALLBACK_ALLOWED_IPS (README, 'Deploying on more machines').",
            id="portal.E002",
        )
    ] if overlaps else []  # fmt: skip


def proxy_overlaps(callers: Sequence[str]) -> list[str]:
    """Where the addresses a meeting server calls from meet TRUSTED_PROXIES: ``"proxy and
    caller"`` for each such pair (the environment's server here, a server row's in
    ``TurboMeetingApp.credential_problems``)."""
    proxies, networks = _networks(settings.TRUSTED_PROXIES), _networks(callers)
    return sorted(
        {
            f"{p_entry} and {c_entry}"
            for p_entry, p in proxies
            for c_entry, c in networks
            if p.version == c.version and p.overlaps(c)
        }
    )


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


#: Settings of earlier releases, now named for any meeting server: no longer read.
RENAMED = {
    "TM_READ_TIMEOUT": "SERVER_READ_TIMEOUT",
    "TM_POLL_INTERVAL_SECONDS": "POLL_INTERVAL_SECONDS",
    "TM_POLL_CONCURRENCY": "POLL_CONCURRENCY",
    "TM_POLL_WINDOW_BEFORE_MINUTES": "POLL_WINDOW_BEFORE_MINUTES",
    "TM_POLL_WINDOW_AFTER_MINUTES": "POLL_WINDOW_AFTER_MINUTES",
    "TM_POLL_ENDED_AFTER": "POLL_ENDED_AFTER",
    "TM_SAMPLE_RETENTION_DAYS": "SAMPLE_RETENTION_DAYS",
    "TM_AUTH_MAX_FAILURES": "SIGNIN_MAX_FAILURES",
    "TM_AUTH_LOCKOUT_SECONDS": "SIGNIN_LOCKOUT_SECONDS",
}


@register()
def old_setting_names(app_configs, **kwargs) -> list[CheckMessage]:
    """A setting under its old name would be silently ignored: say which to set instead."""
    return [
        Warning(
            f"{old} is no longer read; it is called {new} now.",
            hint=f"Rename {old} to {new} in the environment.",
            id="turbomeeting.W001",
        )
        for old, new in RENAMED.items()
        if old in os.environ and new not in os.environ
    ]
