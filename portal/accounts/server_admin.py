"""The meeting servers' admin: a server's settings and exactly its backend's credential
fields, secrets write-only; the environment's server read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html_join

from conferencing.base import CredentialField, backend_names
from portal import vendors
from portal.accounts import services
from portal.accounts.models import MeetingServer


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
        for name, message in probe.credential_problems(merged).items():
            self.add_error(name, message)
        return cleaned


def _credential_field(field: CredentialField) -> forms.Field:
    """A form field for one credential; required ones are checked with what is stored."""
    if field.choices:
        return forms.ChoiceField(
            label=field.label,
            help_text=field.help,
            required=False,
            choices=[("", "—"), *((c, c) for c in field.choices)],
        )
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
