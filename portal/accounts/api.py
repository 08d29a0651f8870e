"""Staff API for customers and their hosts; every write goes through the services."""

import dataclasses

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from conferencing.base import backend_names
from portal.accounts import services
from portal.accounts.models import Customer, Host, MeetingServer
from portal.accounts.serializers import (
    ConnectionTestSerializer,
    CustomerSerializer,
    DriftSerializer,
    HostSerializer,
    MeetingServerSerializer,
    ResolveSerializer,
    ServerKindSerializer,
)
from portal.api import StaffModelPermissions


class CustomerViewSet(viewsets.ModelViewSet):
    serializer_class = CustomerSerializer
    permission_classes = [StaffModelPermissions]
    queryset = Customer.objects.filter(deleted_at__isnull=True)

    def perform_create(self, serializer):
        serializer.instance = services.customer_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.customer_update(
            customer=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.customer_delete(customer=instance)

    @extend_schema(request=ResolveSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Settle a customer that needs attention (its creation on the server is in doubt).

        ``{"account_id": "..."}`` when the account exists on the server under
        that ID; ``{}`` to create it again. 400 when it does not need attention.
        """
        customer = self.get_object()
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.customer_resolve(customer=customer, account_id=body.validated_data["account_id"])
        customer.refresh_from_db()
        return Response(self.get_serializer(customer).data)

    @extend_schema(request=None, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        """Push the customer to the meeting server now and report the outcome."""
        customer = self.get_object()
        services.customer_push(customer_id=customer.pk)
        customer.refresh_from_db()
        return Response(self.get_serializer(customer).data)

    @extend_schema(responses=DriftSerializer)
    @action(detail=True, methods=["get"])
    def server(self, request, pk=None):
        """What the meeting server holds for this customer, and how it differs from ours."""
        drift = services.customer_drift(customer=self.get_object())
        return Response(
            {
                "in_step": drift.in_step,
                "server": dataclasses.asdict(drift.server) if drift.server else None,
                "differences": {k: list(v) for k, v in drift.differences.items()},
                "error": drift.error,
            }
        )


@extend_schema(parameters=[OpenApiParameter("customer_pk", int, OpenApiParameter.PATH)])
class HostViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = HostSerializer
    permission_classes = [StaffModelPermissions]

    def get_customer(self) -> Customer:
        return get_object_or_404(Customer, pk=self.kwargs["customer_pk"], deleted_at__isnull=True)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Host.objects.none()
        return Host.objects.filter(
            customer=self.get_customer(), deleted_at__isnull=True
        ).select_related("user", "customer")  # a customer that is not there: 404, not []

    def perform_create(self, serializer):
        serializer.instance = services.host_create(
            customer=self.get_customer(), **serializer.flat_data()
        )

    def perform_update(self, serializer):
        serializer.instance = services.host_update(
            host=serializer.instance, **serializer.flat_data()
        )

    def perform_destroy(self, instance):
        services.host_delete(host=instance)


class MeetingServerViewSet(viewsets.ModelViewSet):
    """Meeting servers, for staff with the model's permissions; secrets are write-only."""

    serializer_class = MeetingServerSerializer
    permission_classes = [StaffModelPermissions]
    queryset = MeetingServer.objects.all()

    def perform_destroy(self, instance):
        services.server_delete(server=instance)

    @extend_schema(responses=ServerKindSerializer(many=True))
    @action(detail=False, pagination_class=None)
    def kinds(self, request):
        """Every kind of server this portal can drive, and the credentials each needs."""
        kinds = [
            {"kind": name, "credential_fields": MeetingServer(backend=name).credential_fields}
            for name in backend_names()
        ]
        return Response(ServerKindSerializer(kinds, many=True).data)

    @extend_schema(request=None, responses=ConnectionTestSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Call the server with its stored settings and say what it answered."""
        result = services.server_test_connection(server=self.get_object())
        return Response(ConnectionTestSerializer(dataclasses.asdict(result)).data)
