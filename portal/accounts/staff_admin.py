"""The admins of staff accounts and of installed apps, held to two rules.

- Nobody hands out more than they hold: a staff member grants only the
  permissions they have, only groups whose permissions they have, never
  superuser status, and changes (or sets the password of) only accounts and
  groups that hold no more than they do. Otherwise anyone allowed to change
  users could make themselves superuser.
- Every admin action asks for a permission (``@admin.action(permissions=...)``),
  those of installed apps too: view-only staff see and run none.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from portal.accounts.models import Host

User = get_user_model()


def held_permissions(user) -> QuerySet[Permission]:
    """The permissions ``user`` holds, their own and their groups' (all, for a superuser)."""
    if user.is_superuser:
        return Permission.objects.all()
    return Permission.objects.filter(Q(user=user) | Q(group__user=user)).distinct()


def holds_all(user, permissions: QuerySet[Permission]) -> bool:
    return user.is_superuser or not permissions.exclude(pk__in=held_permissions(user)).exists()


class GrantsNoMore:
    """Permissions and groups offered are those the staff member holds; objects that hold
    more than they do are read-only to them."""

    def holds_more(self, request, obj) -> bool:
        raise NotImplementedError

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        held = held_permissions(request.user)
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["queryset"] = held
        elif db_field.name == "groups":
            kwargs["queryset"] = Group.objects.exclude(
                permissions__in=Permission.objects.exclude(pk__in=held)
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or not self.holds_more(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or not self.holds_more(request, obj))


class PortalUserChangeForm(UserChangeForm):
    def clean(self):
        cleaned = super().clean()
        staff = cleaned.get("is_staff") or cleaned.get("is_superuser")
        if staff and Host.objects.filter(user_id=self.instance.pk).exists():
            raise ValidationError(
                "This account is a host's, and a host is never staff: create a separate "
                "staff account."
            )
        return cleaned


class PortalUserAdmin(GrantsNoMore, UserAdmin):
    form = PortalUserChangeForm

    def holds_more(self, request, obj) -> bool:
        if request.user.is_superuser:
            return False
        theirs = Permission.objects.filter(Q(user=obj) | Q(group__user=obj))
        return obj.is_superuser or not holds_all(request.user, theirs)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else [*readonly, "is_superuser"]


class PortalGroupAdmin(GrantsNoMore, GroupAdmin):
    def holds_more(self, request, obj) -> bool:
        return not holds_all(request.user, obj.permissions.all())


class PortalTokenAdmin(TokenAdmin):
    """API tokens can be seen (not their keys) and deleted, which revokes them; they are
    made only by signing in, never handed to another account here."""

    list_display = ("user", "created")
    fields = ("user", "created")
    readonly_fields = ("user", "created")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PortalAccessAttemptAdmin(AccessAttemptAdmin):
    @admin.action(description="Clean up expired attempts", permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        return super().cleanup_expired_attempts(request, queryset)


for model, model_admin in [
    (User, PortalUserAdmin),
    (Group, PortalGroupAdmin),
    (TokenProxy, PortalTokenAdmin),
    (AccessAttempt, PortalAccessAttemptAdmin),
]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
