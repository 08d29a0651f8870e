from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from portal.accounts import services
from portal.accounts.models import Customer, Host, SyncState


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "contact_email", "company_uid", "sync_state", "sync_error"]
    list_filter = ["sync_state"]
    search_fields = ["name", "slug", "contact_email", "company_uid"]
    readonly_fields = [
        "company_uid",
        "sync_state",
        "sync_error",
        "sync_attempts",
        "next_sync_at",
        "synced_at",
        "deleted_at",
        "server_view",
    ]
    fieldsets = [
        (None, {"fields": ["name", "slug", "contact_email", "time_zone", "embed_origins"]}),
        ("Licence", {"fields": ["number_of_meeting_rooms", "participants_per_room"]}),
        (
            "Meeting server",
            {
                "fields": [
                    "company_uid",
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

    @admin.action(description="Sync with the meeting server now")
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


@admin.register(Host)
class HostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "customer", "is_administrator", "user_group", "deleted_at"]
    list_filter = ["customer", "is_administrator"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    raw_id_fields = ["user"]
    readonly_fields = ["deleted_at"]

    def delete_model(self, request, obj):
        services.host_delete(host=obj)

    def delete_queryset(self, request, queryset):
        for host in queryset:
            services.host_delete(host=host)
