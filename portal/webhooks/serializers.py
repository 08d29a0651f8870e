from __future__ import annotations

from rest_framework import serializers

from portal.accounts.models import Customer
from portal.webhooks.events import EVENT_CHOICES
from portal.webhooks.models import Attempt, Delivery, Endpoint


class EndpointSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.filter(deleted_at__isnull=True)
    )
    events = serializers.MultipleChoiceField(choices=EVENT_CHOICES)
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret (whsec_...) the receiver verifies with."
    )

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "customer",
            "url",
            "description",
            "events",
            "is_enabled",
            "disabled_reason",
            "disabled_at",
            "failure_count",
            "last_success_at",
            "secret",
            "previous_secret_expires_at",
            "created_at",
        ]
        read_only_fields = [
            "disabled_reason",
            "disabled_at",
            "failure_count",
            "last_success_at",
            "previous_secret_expires_at",
            "created_at",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["events"] = sorted(data["events"])
        return data


class EndpointUpdateSerializer(EndpointSerializer):
    customer = serializers.PrimaryKeyRelatedField(read_only=True)


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["at", "succeeded", "response_code", "error", "detail"]


class DeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(source="message_id", read_only=True)
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "endpoint",
            "webhook_id",
            *Delivery.RECORD_FIELDS,
            "created_at",
            "delivered_at",
            "attempt_log",
        ]
        read_only_fields = fields
