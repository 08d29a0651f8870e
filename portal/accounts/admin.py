from __future__ import annotations

import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from conferencing.base import CredentialField, backend_names
from portal import vendors
from portal.accounts import services, staff_admin  # noqa: F401  (staff_admin registers admins)
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
    readonly_fields = [
        "sync_state",
        "sync_error",
        "sync_attempts",
        "next_sync_at",
        "synced_at",
        "deleted_at",
        "server_view",
        "attention",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "contact_email",
                    "time_zone",
                    "embed_origins",
                    "server",
                    "early_polling_minutes",
                    "language",
                ]
            },
        ),
        (
            "Meeting server",
            {
                "fields": [
                    "attention",
                    "sync_state",
                    "sync_error",
                    "sync_attempts",
                    "next_sync_at",
                    "synced_at",
                    "deleted_at",
                    "server_view",
                ]
            },
        ),
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


class MeetingServerForm(forms.ModelForm):
    """A server's settings and exactly its backend's credential fields (``for_backend``).

    Secrets are write-only: shown empty, and an empty one keeps the stored value
    (unless the base URL or the backend changes: services.server_save).
    """

    base_url = forms.URLField(
        label="base URL",
        max_length=300,
        assume_scheme="https",
        help_text=MeetingServer.SECRETS_DROPPED,
    )
    KEEP = "Leave empty to keep it. " + MeetingServer.SECRETS_DROPPED
    #: The backend this form's credential fields are of ("" before one is chosen).
    chosen_backend = ""
    #: What the page was asked to show (its address: the backend switch keeps what was typed).
    requested: dict[str, str] = {}  # noqa: RUF012  (replaced per request, never mutated)

    class Meta:
        model = MeetingServer
        fields = ["name", "backend", "base_url", "time_zone"]

    @classmethod
    def for_backend(cls, backend: str) -> type[MeetingServerForm]:
        """This form with ``backend``'s credential fields, declared, in its order."""
        fields = MeetingServer(backend=backend).credential_fields
        declared = {f.name: _credential_field(f) for f in fields}
        return type(cls.__name__, (cls,), {"chosen_backend": backend, **declared})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.update(self.requested)
        if self.chosen_backend != self.instance.backend and not self.is_bound:
            self.instance.backend = self.chosen_backend  # "what it needs" reads it
        kept = self.instance.pk and not self.instance.moves()
        stored = self.instance.readable_credentials() if kept else {}
        for f in self.instance.credential_fields:
            field = self.fields.get(f.name)
            if field is None:
                continue
            if f.secret and stored.get(f.name):
                field.help_text = " ".join(filter(None, [f.help, self.KEEP]))
            elif not f.secret:
                field.initial = stored.get(f.name, "")

    def credentials(self) -> dict[str, str]:
        """The credential values entered, by field name."""
        names = MeetingServer(backend=self.chosen_backend).needed_fields()
        return {name: self.cleaned_data.get(name, "") for name in names}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("backend") != self.chosen_backend:
            return cleaned  # an unknown backend: the field says so
        probe = MeetingServer(
            pk=self.instance.pk,
            backend=self.chosen_backend,
            base_url=cleaned.get("base_url", self.instance.base_url),
            credentials_encrypted=self.instance.credentials_encrypted,
        )
        merged, _ = probe.credentials_with(self.credentials())
        for name, message in probe.missing_credentials(merged).items():
            self.add_error(name, message)
        return cleaned


def _credential_field(field: CredentialField) -> forms.Field:
    """A form field for one credential; required ones are checked with what is stored."""
    return forms.CharField(
        label=field.label,
        help_text=field.help,
        required=False,
        max_length=1000,
        strip=not field.secret,
        widget=forms.PasswordInput if field.secret else forms.TextInput,
    )


@admin.register(MeetingServer)
class MeetingServerAdmin(admin.ModelAdmin):
    """The credential fields shown are the chosen backend's: the saved one, or the one the
    backend menu just chose (its script reloads the page with ``?backend=``), or the one
    a submitted form names."""

    form = MeetingServerForm
    list_display = ["name", "backend", "base_url", "customer_count", "from_environment"]
    list_filter = ["backend"]
    search_fields = ["name", "base_url"]
    readonly_fields = [
        "source",
        "identifiers",
        "stored_secrets",
        "needs",
        "callbacks",
        "created_at",
        "updated_at",
    ]
    actions = ["test_connection"]

    class Media:
        js = ["portal/admin-server-backend.js"]

    def chosen_backend(self, request, obj=None) -> str:
        source = request.POST if request.method == "POST" else request.GET
        backend = source.get("backend", obj.backend if obj else "")
        return backend if backend in backend_names() else ""

    def get_form(self, request, obj=None, change=False, **kwargs):
        chosen = MeetingServerForm.for_backend(self.chosen_backend(request, obj))
        chosen.requested = {
            name: request.GET[name]
            for name in ("name", "backend", "base_url", "time_zone")
            if name in request.GET
        }
        return super().get_form(request, obj, change, form=chosen, **kwargs)

    def save_model(self, request, obj, form, change):
        services.server_save(server=obj, credentials=form.credentials())
        if obj.dropped_secrets:
            self.message_user(
                request,
                f"{obj.name}: its base URL or backend changed, so its stored secrets were "
                f"dropped ({', '.join(obj.dropped_secrets)}): enter them again.",
                messages.WARNING,
            )

    def has_change_permission(self, request, obj=None):
        """The environment's server is changed by its settings and a migrate, not here."""
        if obj is not None and obj.from_environment:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.from_environment:
            return False
        return super().has_delete_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        if obj is not None and obj.from_environment:
            return [
                (None, {"fields": ["source", "name", "backend", "base_url", "time_zone"]}),
                ("Credentials", {"fields": ["needs", "identifiers", "stored_secrets"]}),
                ("Callbacks", {"fields": ["callbacks"]}),
            ]
        backend = self.chosen_backend(request, obj)
        names = MeetingServer(backend=backend).needed_fields()
        credentials = [*names, "stored_secrets"] if obj is not None else names
        return [
            (None, {"fields": ["name", "backend", "base_url", "time_zone", "needs"]}),
            ("Credentials", {"fields": credentials}),
            ("Callbacks", {"fields": ["callbacks"]}),
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(customer_total=Count("customers"))

    @admin.display(description="customers", ordering="customer_total")
    def customer_count(self, obj):
        return obj.customer_total

    @admin.display(description="for the server's console")
    def callbacks(self, obj):
        """The URLs the server calls the portal at, where its vendor has any."""
        urls = vendors.vendor_app(obj.backend).server_callbacks(obj) if obj and obj.pk else []
        if not urls:
            return "-"
        return format_html_join("", "<p>{}: <code>{}</code></p>", urls)

    @admin.display(description="what this backend needs")
    def needs(self, obj):
        if not obj.backend:
            return "Choose a backend: its credential fields then show here."
        fields = obj.credential_fields
        if not fields:
            return "Nothing but the base URL."
        return ", ".join(f.label + (" (secret)" if f.secret else "") for f in fields)

    @admin.display(description="source")
    def source(self, obj):
        if obj.from_environment:
            source = vendors.vendor_app(obj.backend).environment_settings
            return (
                f"The environment: {source}, applied on every migrate. Change them "
                "there, then run migrate; this page only shows them."
            )
        return "This admin."

    @admin.display(description="credentials shown")
    def identifiers(self, obj):
        shown = obj.shown_credentials()
        labels = {f.name: f.label for f in obj.credential_fields}
        return "; ".join(f"{labels[name]}: {value}" for name, value in shown.items()) or "-"

    @admin.display(description="secrets stored")
    def stored_secrets(self, obj):
        names = obj.stored_secret_names() if obj and obj.pk else []
        return ", ".join(names) or "none"  # their names only, never their values

    @admin.action(description="Test the connection", permissions=["change"])
    def test_connection(self, request, queryset):
        for server in queryset:
            result = services.server_test_connection(server=server)
            if not result.ok:
                level = messages.ERROR
            elif result.credentials_accepted is None:  # answered; credentials not checkable
                level = messages.WARNING
            else:
                level = messages.SUCCESS
            self.message_user(request, f"{server.name}: {result.detail}", level)
