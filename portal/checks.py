"""System checks run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Error, Tags, register

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
