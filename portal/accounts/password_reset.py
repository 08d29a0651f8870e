"""The dashboard's password reset (the spec's "Password Assistance URL"): for hosts only.

Staff and superusers never get a reset link here, so whoever may change a
host's email cannot take over a staff account this way. Each request is
counted per client address and per email address typed (django-ratelimit,
on the ``limits`` cache), so the page cannot flood an inbox nor be used to
probe many addresses; the answer is the same whether an account exists.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import PasswordResetView
from django.utils import translation
from django_ratelimit.core import get_usage

from portal import i18n
from portal.net import client_network


class HostPasswordResetForm(PasswordResetForm):
    def get_users(self, email):
        """Django's (active, with a usable password), if a host's that is in use."""
        return (
            user
            for user in super().get_users(email)
            if not (user.is_staff or user.is_superuser)
            and hasattr(user, "host")
            and not user.host.is_deleted
        )

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        """In the host's dashboard language, when chosen; else in the page's (the browser's)."""
        language = i18n.supported(context["user"].host.language) or translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


def limited(request, email: str) -> str:
    """Count this request; why it is refused, or '' when it is not."""
    for group, key, rate in (
        ("password-reset:address", client_network(request) or "unknown", "PER_ADDRESS"),
        ("password-reset:account", email.strip().lower(), "PER_ACCOUNT"),
    ):
        usage = get_usage(
            request,
            group=group,
            key=lambda group, request, key=key: key,
            rate=getattr(settings, f"PASSWORD_RESET_{rate}"),
            increment=True,
        )
        if usage is not None and usage["should_limit"]:
            return "Too many password resets were asked for recently. Please try again later."
    return ""


class HostPasswordResetView(PasswordResetView):
    form_class = HostPasswordResetForm

    def form_valid(self, form):
        if reason := limited(self.request, form.cleaned_data["email"]):
            form.add_error(None, reason)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


password_reset = HostPasswordResetView.as_view()
