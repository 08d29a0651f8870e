"""Staff see and manage every customer's endpoints and deliveries, through the services."""

from __future__ import annotations

from django.contrib import admin, messages

from portal.webhooks import services
from portal.webhooks.forms import EndpointForm
from portal.webhooks.models import Attempt, Delivery, Endpoint


class StaffEndpointForm(EndpointForm):
    class Meta(EndpointForm.Meta):
        fields = ["customer", "url", "description", "events", "is_enabled"]


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = StaffEndpointForm
    list_display = ["url", "customer", "is_enabled", "failure_count", "last_success_at"]
    list_filter = ["is_enabled"]
    search_fields = ["url", "customer__name", "customer__slug"]
    readonly_fields = [
        "disabled_reason",
        "disabled_at",
        "failure_count",
        "last_success_at",
        "previous_secret_expires_at",
    ]
    actions = ["rotate_secret", "enable"]

    def save_model(self, request, obj, form, change) -> None:
        data = {name: form.cleaned_data[name] for name in ["url", "description", "events"]}
        if change:
            stored = Endpoint.objects.get(pk=obj.pk)
            services.endpoint_update(
                endpoint=stored, is_enabled=form.cleaned_data["is_enabled"], **data
            )
        else:
            created = services.endpoint_create(customer=form.cleaned_data["customer"], **data)
            obj.pk = created.pk

    @admin.action(
        description="Rotate the signing secret (the old one signs for a while)",
        permissions=["change"],
    )
    def rotate_secret(self, request, queryset) -> None:
        for endpoint in queryset:
            services.endpoint_rotate_secret(endpoint=endpoint)
        messages.success(request, f"New secrets for {queryset.count()} endpoint(s).")

    @admin.action(description="Enable again, and send what is pending", permissions=["change"])
    def enable(self, request, queryset) -> None:
        for endpoint in queryset:
            services.endpoint_update(endpoint=endpoint, is_enabled=True)


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ["at", "succeeded", "response_code", "error", "detail", "response_body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["message_id", "event", "endpoint", "status", "attempts", "created_at"]
    list_filter = ["status", "event"]
    search_fields = ["message_id", "endpoint__url"]
    readonly_fields = ["endpoint", "message_id", *Delivery.RECORD_FIELDS, "delivered_at"]
    inlines = [AttemptInline]
    actions = ["redeliver"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Send again (same webhook-id)", permissions=["change"])
    def redeliver(self, request, queryset) -> None:
        for delivery in queryset:
            services.delivery_redeliver(delivery=delivery)
        messages.success(request, f"{queryset.count()} delivery(ies) queued again.")
