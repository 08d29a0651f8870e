"""Staff API for webhook endpoints and their delivery log; every write goes through the services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api import StaffModelPermissions
from portal.webhooks import services
from portal.webhooks.models import Delivery, Endpoint
from portal.webhooks.serializers import (
    DeliverySerializer,
    EndpointSerializer,
    EndpointUpdateSerializer,
)


class EndpointViewSet(viewsets.ModelViewSet):
    """Customers' webhook endpoints. The secret is made by the portal: read it here, and
    ``rotate_secret`` for a new one (the old one signs too for a while)."""

    permission_classes = [StaffModelPermissions]
    queryset = Endpoint.objects.select_related("customer")

    def get_serializer_class(self):
        if self.action in {"update", "partial_update"}:
            return EndpointUpdateSerializer
        return EndpointSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.endpoint_create(
            customer=data["customer"],
            url=data["url"],
            events=sorted(data["events"]),
            description=data.get("description", ""),
        )

    def perform_update(self, serializer):
        changes = dict(serializer.validated_data)
        if "events" in changes:
            changes["events"] = sorted(changes["events"])
        serializer.instance = services.endpoint_update(endpoint=serializer.instance, **changes)

    @extend_schema(request=None, responses=EndpointSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = services.endpoint_rotate_secret(endpoint=self.get_object())
        return Response(EndpointSerializer(endpoint).data)


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What was sent to each endpoint, attempt by attempt; ``?endpoint=<id>`` for one."""

    permission_classes = [StaffModelPermissions]
    serializer_class = DeliverySerializer

    def get_queryset(self):
        deliveries = Delivery.objects.prefetch_related("attempt_log")
        endpoint = self.request.query_params.get("endpoint", "")
        return deliveries.filter(endpoint_id=endpoint) if endpoint.isdigit() else deliveries

    @extend_schema(request=None, responses=DeliverySerializer)
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        """Send it again: the same ``webhook-id`` and body, with a fresh retry schedule."""
        delivery = services.delivery_redeliver(delivery=self.get_object())
        return Response(self.get_serializer(delivery).data)
