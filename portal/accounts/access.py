"""Who is a host: the guards every app's host pages and API views use.

A page takes ``@host_required``, an API view ``permission_classes = [IsHost]``;
both put the signed-in user's ``Host`` on ``request.host``.
"""

from __future__ import annotations

import zoneinfo
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework import permissions

from portal.accounts.models import Host


def host_required(view):
    """Signed in as a host (not deleted); the customer's time zone is active for the request."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        host = (
            Host.objects.select_related("customer__server", "user")
            .filter(user=request.user)
            .first()
        )
        if host is None or host.is_deleted:
            return render(request, "accounts/not_a_host.html", status=403)
        request.host = host
        with timezone.override(zoneinfo.ZoneInfo(host.customer.time_zone)):
            return view(request, *args, **kwargs)

    return wrapper


class IsHost(permissions.BasePermission):
    message = "Only hosts have meetings; this user is not a host of a customer."

    def has_permission(self, request, view) -> bool:
        host = Host.objects.filter(user_id=request.user.pk, deleted_at__isnull=True).first()
        request.host = host
        return host is not None and not host.customer.is_deleted
