"""LDAP / Active Directory sign-in for hosts (optional: pip install '.[ldap]').

A person the directory accepts becomes a host of LDAP_CUSTOMER on first
sign-in, so the dashboard and a meeting server's sign-in callback (which signs in
through the same backends) work for them without an account made by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django_auth_ldap.backend import LDAPBackend

from portal.accounts.models import Customer, Host


class HostLDAPBackend(LDAPBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        # A directory entry carrying someone's address must not take over a
        # portal account (django-auth-ldap matches users by name): accounts
        # with a portal password, and staff, sign in with the database only.
        existing = get_user_model().objects.filter(username__iexact=username or "").first()
        if existing is not None and (existing.has_usable_password() or existing.is_staff):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None:
            ensure_host(user, phone=_first(ldap_user.attrs, "telephonenumber"))
        return user


def ensure_host(user, *, phone: str = "") -> Host | None:
    """The user's Host, made for LDAP_CUSTOMER the first time (None when none is configured)."""
    host = Host.objects.filter(user=user).first()
    if host is not None or not settings.LDAP_CUSTOMER:
        return host
    customer = Customer.objects.filter(slug=settings.LDAP_CUSTOMER, deleted_at__isnull=True).first()
    if customer is None:
        return None
    return Host.objects.create(user=user, customer=customer, phone=phone, user_group="LDAP")


def _first(attrs, name: str) -> str:
    values = attrs.get(name) or []
    return values[0] if values else ""
