"""``/dashboard/webhooks/``: the customer's administrator hosts manage their endpoints.

Other hosts are told to ask an administrator: an endpoint receives every
registrant's personal data, so only administrators choose where it goes.
Writes go through the same services as the admin and the API.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.access import host_required
from portal.webhooks import services
from portal.webhooks.events import EVENTS
from portal.webhooks.forms import EndpointForm
from portal.webhooks.models import Delivery, Endpoint

#: Deliveries shown on an endpoint's page, newest first.
LOG_SIZE = 50


def _administrator_only(request: HttpRequest) -> HttpResponse | None:
    if request.host.is_administrator:
        return None
    return render(request, "webhooks/dashboard/administrators_only.html", status=403)


def _endpoint(request: HttpRequest, pk: int) -> Endpoint:
    return get_object_or_404(Endpoint, pk=pk, customer=request.host.customer)


@require_http_methods(["GET", "HEAD", "POST"])
@host_required
def endpoints(request: HttpRequest) -> HttpResponse:
    """The list, and the form that adds one."""
    if refused := _administrator_only(request):
        return refused
    customer = request.host.customer
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = services.endpoint_create(customer=customer, **form.cleaned_data)
        messages.success(request, _("Added. Give its signing secret to the receiving system."))
        return redirect("dashboard-webhook", endpoint.pk)
    return render(
        request,
        "webhooks/dashboard/endpoints.html",
        {
            "endpoints": Endpoint.objects.filter(customer=customer),
            "form": form,
            "events": EVENTS,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@host_required
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One endpoint: edit it, its secret, and the log of what was sent."""
    if refused := _administrator_only(request):
        return refused
    endpoint = _endpoint(request, pk)
    form = EndpointForm(request.POST or None, instance=endpoint)
    if request.method == "POST" and form.is_valid():
        services.endpoint_update(endpoint=Endpoint.objects.get(pk=pk), **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("dashboard-webhook", pk)
    deliveries = endpoint.deliveries.prefetch_related("attempt_log")[:LOG_SIZE]
    return render(
        request,
        "webhooks/dashboard/endpoint.html",
        {"endpoint": endpoint, "form": form, "deliveries": deliveries},
        status=400 if form.errors else 200,
    )


@require_POST
@host_required
def endpoint_enable(request: HttpRequest, pk: int) -> HttpResponse:
    """Enable or disable (``enabled=1`` or ``0``)."""
    if refused := _administrator_only(request):
        return refused
    enabled = request.POST.get("enabled") == "1"
    services.endpoint_update(endpoint=_endpoint(request, pk), is_enabled=enabled)
    messages.success(
        request, _("Enabled: pending events go out now.") if enabled else _("Disabled.")
    )
    return redirect("dashboard-webhook", pk)


@require_POST
@host_required
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := _administrator_only(request):
        return refused
    services.endpoint_rotate_secret(endpoint=_endpoint(request, pk))
    messages.success(
        request, _("New secret made. The previous one keeps signing too until the time shown.")
    )
    return redirect("dashboard-webhook", pk)


@require_POST
@host_required
def delivery_redeliver(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    if refused := _administrator_only(request):
        return refused
    delivery = get_object_or_404(Delivery, pk=delivery_pk, endpoint=_endpoint(request, pk))
    services.delivery_redeliver(delivery=delivery)
    messages.success(
        request,
        _("%(event)s (%(id)s) is being sent again.")
        % {"event": delivery.event, "id": delivery.message_id},
    )
    return redirect("dashboard-webhook", pk)
