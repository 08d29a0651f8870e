"""System checks of the passwords a TurboMeeting server sends to /tm/auth."""

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
