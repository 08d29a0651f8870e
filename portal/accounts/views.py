from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from portal.accounts import lockout, tokens
from portal.accounts.access import host_required
from portal.accounts.models import Host
from portal.accounts.serializers import TokenFormSerializer, TokenRequestSerializer
from portal.api import FormParser, JSONParser, MultiPartParser


class SignInForm(AuthenticationForm):
    """The dashboard's sign-in form: says so when the sign-in guards refused, not just 'wrong'.

    Hosts sign in with their email address (the user model's username holds it), so the
    form and its errors say "email", never "username".
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Please enter a correct email address and password."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email")

    def get_invalid_login_error(self) -> ValidationError:
        if reason := lockout.refused(self.request):
            return ValidationError(reason, code="locked")
        return super().get_invalid_login_error()


sign_in_page = LoginView.as_view(authentication_form=SignInForm, redirect_authenticated_user=True)


class LanguageForm(forms.ModelForm):
    """The host's dashboard language; empty follows the browser."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("As my browser")), *settings.LANGUAGES],
    )

    class Meta:
        model = Host
        fields = ["language"]


@require_POST
@host_required
def host_language(request: HttpRequest) -> HttpResponse:
    """The header's language menu: keep the host's choice, back to the page it was made on."""
    form = LanguageForm(request.POST, instance=request.host)
    if form.is_valid():
        form.save(commit=False).save(update_fields=["language"])
    else:
        messages.error(request, _("That language is not offered."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = settings.LOGIN_REDIRECT_URL  # the dashboard's home
    return redirect(back)


class TokenView(ObtainAuthToken):
    """An API token for a username (a host's email address) and password; 429 with the
    reason while the guards refuse. DELETE, with the token, revokes it.

    It reads no session (so a browser's cookie cannot be ridden: no CSRF to
    check). It reads JSON, and forms as DRF's own token view does (multipart
    like the urlencoded form).
    """

    authentication_classes = [tokens.ExpiringTokenAuthentication]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    serializer_class = TokenRequestSerializer

    def perform_authentication(self, request):
        # The token is read only to revoke it: a stale one that a client still sends
        # must not stand in the way of signing in for a new one.
        if request.method == "DELETE":
            super().perform_authentication(request)

    @extend_schema(
        operation_id="auth_token_create",
        request={
            "application/json": TokenRequestSerializer,
            "application/x-www-form-urlencoded": TokenFormSerializer,
        },
        responses={
            200: inline_serializer(
                "Token",
                {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            ),
            400: OpenApiResponse(description="Wrong username or password, or a field is missing."),
            429: OpenApiResponse(description="Too many failed sign-ins; try again later."),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            if reason := lockout.refused(request):
                raise exceptions.Throttled(detail=reason) from None
            raise
        user = serializer.validated_data["user"]
        # A sign-in like the dashboard's: the guards forget the failures and know the address.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        token = tokens.token_for(user)
        return Response({"token": token.key, "expires_at": tokens.expires_at(token)})

    @extend_schema(operation_id="auth_token_destroy", request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        """Revoke the token this request carries."""
        if request.auth is None:
            raise exceptions.NotAuthenticated
        request.auth.delete()
        return Response(status=204)


token = TokenView.as_view()
