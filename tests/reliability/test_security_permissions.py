"""Who may do what: staff do only what their permissions allow, and hand out no more than
they hold; hosts' accounts never lead to staff accounts."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.test import Client, RequestFactory
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.accounts.models import Host
from tests.factories import CustomerFactory, HostFactory, UserFactory
from tests.webinars.factories import RegistrationFactory, WebinarFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "staff-pass-123"


def _staff(username: str, *codenames: str) -> User:
    user = User.objects.create_user(username, f"{username}@portal.example", PASSWORD)
    user.is_staff = True
    user.save()
    for name in codenames:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)  # no cached permissions


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- a host's user is never a staff account ------------------------------------------------


def test_a_staff_member_who_may_change_hosts_cannot_take_over_the_superuser(admin_user):
    """The attack: point a host at the superuser in the admin, then set its password
    through the API (or its email, then reset the password)."""
    staff = _staff("hostkeeper", "accounts.view_host", "accounts.change_host", "accounts.add_host")
    host = HostFactory()
    browser = _signed_in(staff)
    form = browser.get(f"/admin/accounts/host/{host.pk}/change/")
    assert form.status_code == 200
    assert 'name="user"' not in form.content.decode()  # fixed once the host is made
    browser.post(
        f"/admin/accounts/host/{host.pk}/change/",
        {"user": admin_user.pk, "customer": host.customer_id, "phone": "", "user_group": ""},
    )
    host.refresh_from_db()
    assert host.user_id != admin_user.pk

    # A host made for an existing staff account is refused too.
    new = browser.post(
        "/admin/accounts/host/add/",
        {"user": admin_user.pk, "customer": host.customer_id, "phone": "", "user_group": ""},
    )
    assert new.status_code == 200
    assert not Host.objects.filter(user=admin_user).exists()

    api = APIClient()
    api.force_authenticate(staff)
    url = f"/api/v1/customers/{host.customer_id}/hosts/{host.pk}/"
    assert api.patch(url, {"password": "taken-over-1234"}, format="json").status_code == 200
    admin_user.refresh_from_db()
    assert not admin_user.check_password("taken-over-1234")


def test_a_host_whose_user_became_staff_cannot_reach_it_through_the_api(admin_user):
    """Data from before the rule: the API refuses to set such a host's password or email."""
    host = HostFactory()
    Host.objects.filter(pk=host.pk).update(user=admin_user)
    api = APIClient()
    api.force_authenticate(_staff("hostkeeper", "accounts.view_host", "accounts.change_host"))
    url = f"/api/v1/customers/{host.customer_id}/hosts/{host.pk}/"
    for change in ({"password": "taken-over-1234"}, {"email": "mallory@evil.example"}):
        response = api.patch(url, change, format="json")
        assert response.status_code == 400, response.content
        assert "staff account" in str(response.json()["errors"])
    admin_user.refresh_from_db()
    assert not admin_user.check_password("taken-over-1234")
    assert admin_user.email != "mallory@evil.example"


def test_a_hosts_account_cannot_be_made_staff_in_the_user_admin(admin_user):
    host = HostFactory()
    browser = _signed_in(admin_user)
    page = browser.post(
        f"/admin/auth/user/{host.user_id}/change/",
        {
            "username": host.user.username,
            "email": host.user.email,
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert page.status_code == 200
    assert "a host is never staff" in page.content.decode()
    host.user.refresh_from_db()
    assert not host.user.is_staff


# --- nobody hands out more than they hold ---------------------------------------------------


def test_staff_who_may_change_users_cannot_grant_more_than_they_hold(admin_user):
    staff = _staff("userkeeper", "auth.view_user", "auth.change_user", "auth.view_group")
    everything = Group.objects.create(name="everything")
    everything.permissions.set(Permission.objects.all())
    browser = _signed_in(staff)
    delete_customers = Permission.objects.get(codename="delete_customer")
    form = {
        "username": staff.username,
        "email": staff.email,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [everything.pk],
        "user_permissions": [delete_customers.pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    for field in ("groups", "user_permissions", "is_superuser"):
        one = {k: v for k, v in form.items() if k not in {"groups", "user_permissions"}}
        one.pop("is_superuser")
        one[field] = form[field]
        browser.post(f"/admin/auth/user/{staff.pk}/change/", one)
        staff = User.objects.get(pk=staff.pk)
        assert not staff.is_superuser
        assert not staff.groups.exists()
        assert not staff.has_perm("accounts.delete_customer"), field

    # The superuser's account is read-only to them: no new password, no change.
    password = browser.post(
        f"/admin/auth/user/{admin_user.pk}/password/",
        {"password1": "taken-over-1234", "password2": "taken-over-1234", "usable_password": "true"},
    )
    assert password.status_code == 403
    admin_user.refresh_from_db()
    assert not admin_user.check_password("taken-over-1234")


def test_staff_who_may_change_groups_cannot_add_permissions_they_lack():
    staff = _staff("groupkeeper", "auth.view_group", "auth.change_group")
    group = Group.objects.create(name="theirs")
    staff.groups.add(group)
    delete_customers = Permission.objects.get(codename="delete_customer")
    _signed_in(staff).post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": "theirs", "permissions": [delete_customers.pk]},
    )
    assert not group.permissions.exists()


def test_api_tokens_are_not_shown_nor_handed_to_another_account_in_the_admin(admin_user):
    token = Token.objects.create(user=admin_user)
    staff = _staff("tokenkeeper", "authtoken.view_tokenproxy", "authtoken.add_tokenproxy")
    staff.user_permissions.add(Permission.objects.get(codename="change_tokenproxy"))
    browser = _signed_in(staff)
    listing = browser.get("/admin/authtoken/tokenproxy/")
    assert listing.status_code == 200
    assert token.key not in listing.content.decode()
    assert browser.post("/admin/authtoken/tokenproxy/add/", {"user": admin_user.pk}).status_code
    assert Token.objects.count() == 1


# --- every admin action asks for a permission ------------------------------------------------


def _registered_admins():
    for model in apps.get_models():
        if admin.site.is_registered(model):
            yield model, admin.site.get_model_admin(model)


def _action_names(model_admin) -> set[str]:
    own = {a if isinstance(a, str) else a.__name__ for a in (model_admin.actions or [])}
    return own | {name for name, _ in admin.site.actions}


def test_every_admin_action_declares_the_permission_it_needs():
    for model, model_admin in _registered_admins():
        for name in _action_names(model_admin):
            function = getattr(model_admin, name, None) or admin.site.get_action(name)
            assert getattr(function, "allowed_permissions", None), f"{model.__name__}.{name}"


def test_view_only_staff_see_and_run_no_admin_action(mailoutbox, fake_tm):
    """Each registered model's admin, as staff allowed only to view that model."""
    host = HostFactory(customer=CustomerFactory())
    webinar = WebinarFactory(host=host, customer=host.customer)
    RegistrationFactory(webinar=webinar, status="pending")
    Token.objects.create(user=host.user)
    Group.objects.create(name="someone's")
    UserFactory()
    old = AccessAttempt.objects.create(username="x", ip_address="192.0.2.1", failures_since_start=1)
    AccessAttempt.objects.filter(pk=old.pk).update(
        attempt_time=timezone.now() - dt.timedelta(days=9)
    )
    walked = []
    for model, model_admin in _registered_admins():
        opts = model._meta
        staff = _staff(f"viewer-{opts.model_name}", f"{opts.app_label}.view_{opts.model_name}")
        request = RequestFactory().get("/admin/")
        request.user = staff
        assert model_admin.get_actions(request) == {}, opts.label

        browser = _signed_in(staff)
        changelist = f"/admin/{opts.app_label}/{opts.model_name}/"
        before = list(model._default_manager.order_by("pk").values())
        for name in _action_names(model_admin):
            selected = [row[opts.pk.attname] for row in before] or ["1"]
            response = browser.post(
                changelist, {"action": name, "_selected_action": selected, "index": "0"}
            )
            assert response.status_code in (200, 302, 403), (opts.label, name)
            walked.append(f"{opts.label}.{name}")
        assert list(model._default_manager.order_by("pk").values()) == before, opts.label
    assert mailoutbox == []
    assert {"webinars.Registration.approve", "axes.AccessAttempt.cleanup_expired_attempts"} <= set(
        walked
    )


# --- bad input -------------------------------------------------------------------------------


def test_a_registration_search_holding_a_nul_is_a_400_not_a_500():
    """PostgreSQL cannot compare text that holds NUL: the API refuses it with a reason."""
    host = HostFactory()
    webinar = WebinarFactory(host=host, customer=host.customer)
    api = APIClient()
    api.force_authenticate(host.user)
    response = api.get(f"/api/v1/webinars/{webinar.pk}/registrations/", {"search": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["errors"]["search"]


# --- password resets -------------------------------------------------------------------------


def test_the_password_reset_mails_hosts_only_and_not_without_end(
    client, mailoutbox, admin_user, settings
):
    settings.PASSWORD_RESET_PER_ACCOUNT = "3/3600"
    admin_user.email = "root@portal.example"
    admin_user.save()
    host = HostFactory(user__email="ada@customer.example")
    client.post("/dashboard/password_reset/", {"email": "root@portal.example"})
    assert mailoutbox == []  # staff and superusers reset elsewhere
    answers = [
        client.post("/dashboard/password_reset/", {"email": host.user.email}).status_code
        for _ in range(10)
    ]
    assert answers == [302] * 3 + [429] * 7
    assert len(mailoutbox) == 3


# --- API tokens ------------------------------------------------------------------------------


def _with_token(user) -> str:
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user).key


def test_a_password_change_on_any_path_revokes_the_api_tokens(admin_user):
    host = HostFactory()
    user = host.user
    new = "a-new-password-4567"

    _with_token(user)  # the dashboard
    browser = _signed_in(user)
    changed = browser.post(
        "/dashboard/password_change/",
        {"old_password": "correct horse battery", "new_password1": new, "new_password2": new},
    )
    assert changed.status_code == 302
    assert not Token.objects.filter(user=user).exists()

    _with_token(user)  # the emailed reset link
    user.refresh_from_db()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    stranger = Client()
    link = stranger.get(f"/dashboard/reset/{uid}/{default_token_generator.make_token(user)}/")
    reset = stranger.post(link.url, {"new_password1": new + "x", "new_password2": new + "x"})
    assert reset.status_code == 302
    assert not Token.objects.filter(user=user).exists()

    _with_token(user)  # the admin
    admin = _signed_in(admin_user)
    by_admin = admin.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": new + "y", "password2": new + "y", "usable_password": "true"},
    )
    assert by_admin.status_code == 302
    assert not Token.objects.filter(user=user).exists()

    key = _with_token(user)  # the API
    api = APIClient()
    api.force_authenticate(admin_user)
    url = f"/api/v1/customers/{host.customer_id}/hosts/{host.pk}/"
    assert api.patch(url, {"password": new + "z"}, format="json").status_code == 200
    assert not Token.objects.filter(key=key).exists()


def test_an_api_token_expires(settings):
    settings.API_TOKEN_MAX_AGE_HOURS = 1
    host = HostFactory()
    key = _with_token(host.user)
    Token.objects.filter(key=key).update(created=timezone.now() - dt.timedelta(minutes=61))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/meetings/").status_code == 401
