from __future__ import annotations

import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from portal import vendors
from portal.accounts import (  # noqa: F401  (server_admin and staff_admin register admins)
    server_admin,
    services,
    staff_admin,
)
from portal.accounts.models import Customer, Host, MeetingServer, SyncState
from portal.validators import PlainText

User = get_user_model()


class CustomerForm(PlainText, forms.ModelForm):
    """The customer's name is shown in feeds, calendars and mail: no control characters."""


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerForm
    list_display = ["name", "slug", "contact_email", "sync_state", "sync_error"]
    list_filter = ["sync_state"]
    search_fields = ["name", "slug", "contact_email"]
    # What the services take, then what only the portal sets: how it stands on its server.
    readonly_fields = [
        "attention",
        "sync_state",
        "sync_error",
        "sync_attempts",
        "next_sync_at",
        "synced_at",
        "deleted_at",
        "server_view",
    ]
    fieldsets = [
        (None, {"fields": services.CUSTOMER_FIELDS}),
        ("Meeting server", {"fields": readonly_fields}),
    ]
    actions = ["sync_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def get_inlines(self, request, obj):
        # Saved with the customer, before its push runs (once the change commits).
        return vendor_inlines("customer")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "server":  # the environment's, where it configures one
            kwargs.setdefault(
                "initial", MeetingServer.objects.filter(from_environment=True).first()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.CUSTOMER_FIELDS}
        if change:
            services.customer_update(customer=obj, **data)
        else:
            obj.pk = services.customer_create(**data).pk
        self.message_user(
            request, "Saved. The meeting server is updated in the background.", messages.INFO
        )

    def delete_model(self, request, obj):
        services.customer_delete(customer=obj)

    def delete_queryset(self, request, queryset):
        for customer in queryset:
            services.customer_delete(customer=customer)

    @admin.action(description="Sync with the meeting server now", permissions=["change"])
    def sync_now(self, request, queryset):
        for customer in queryset:
            pushed = services.customer_push(customer_id=customer.pk)
            if pushed is None:
                self.message_user(request, f"{customer}: a sync is already running.", messages.INFO)
            elif pushed.sync_state == SyncState.SYNCED:
                self.message_user(
                    request, f"{customer}: in step with the server.", messages.SUCCESS
                )
            else:
                self.message_user(request, f"{customer}: {pushed.sync_error}", messages.ERROR)

    def get_urls(self):
        resolve = path(
            "<int:pk>/resolve/",
            self.admin_site.admin_view(self.resolve_view),
            name="accounts_customer_resolve",
        )
        return [resolve, *super().get_urls()]

    @admin.display(description="Needs attention")
    def attention(self, obj: Customer) -> str:
        if obj.sync_state != SyncState.ATTENTION:
            return "-"
        url = reverse("admin:accounts_customer_resolve", args=[obj.pk])
        return format_html('{} <a href="{}">Resolve…</a>', obj.sync_error, url)

    def resolve_view(self, request, pk: int):
        """'It exists on the server' (with the account's ID there) or 'create it again'."""
        customer = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, customer):
            raise PermissionDenied
        form = ResolveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            uid = form.cleaned_data["account_id"] if "exists" in request.POST else ""
            if "exists" in request.POST and not uid:
                form.add_error("account_id", "Enter the account ID the server shows.")
            else:
                try:
                    services.customer_resolve(customer=customer, account_id=uid)
                except ValidationError as exc:
                    form.add_error("account_id" if hasattr(exc, "error_dict") else None, exc)
                else:
                    done = f"uses the server's account {uid}" if uid else "will be created again"
                    self.message_user(request, f"{customer}: {done}.", messages.SUCCESS)
                    return redirect("admin:accounts_customer_change", customer.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "customer": customer,
            "form": form,
            "title": f"Resolve {customer}",
        }
        return TemplateResponse(request, "admin/accounts/customer/resolve.html", context)

    @admin.display(description="The server's view")
    def server_view(self, obj: Customer) -> str:
        if not obj.pk:
            return "-"
        drift = services.customer_drift(customer=obj)
        if drift.error:
            return drift.error
        if drift.in_step:
            return "The server holds the same account details."
        rows = format_html_join(
            "",
            "<li>{}: ours {!r}, the server's {!r}</li>",
            ((k, ours, theirs) for k, (ours, theirs) in drift.differences.items()),
        )
        return format_html("<strong>Drift:</strong><ul>{}</ul>", rows)


class ResolveForm(forms.Form):
    account_id = forms.CharField(
        required=False,
        max_length=200,
        label="Account ID on the server",
        help_text="As the meeting server's console shows it for this organisation.",
    )


@functools.cache
def vendor_inlines(owner: str) -> list[type[admin.StackedInline]]:
    """Each vendor's data of a customer or host (portal/vendors.py), edited beside it."""
    return [
        type(
            f"{model.__name__}Inline",
            (admin.StackedInline,),
            {
                "model": model,
                "can_delete": False,
                "max_num": 1,
                "extra": 1,
                "readonly_fields": [
                    name
                    for name in vendors.profile_fields(model)
                    if not model._meta.get_field(name).editable
                ],
            },
        )
        for model in vendors.profile_models(owner).values()
    ]


@admin.register(Host)
class HostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "customer", "is_administrator", "user_group", "deleted_at"]
    list_filter = ["customer", "is_administrator"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    raw_id_fields = ["user"]
    readonly_fields = ["deleted_at"]

    def get_inlines(self, request, obj):
        return vendor_inlines("host")

    def get_readonly_fields(self, request, obj=None):
        fixed = ["user"] if obj is not None else []  # a host's user is fixed (Host.clean)
        return [*super().get_readonly_fields(request, obj), *fixed]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(
                is_staff=False, is_superuser=False, host__isnull=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def delete_model(self, request, obj):
        services.host_delete(host=obj)

    def delete_queryset(self, request, queryset):
        for host in queryset:
            services.host_delete(host=host)
